import { CfnOutput, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  type IVpc,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import {
  type ApplicationListener,
  ApplicationLoadBalancer,
  ListenerAction,
} from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export interface NetworkStackProps extends StackProps {
  /** Import this VPC instead of creating one (context `vpcId`). */
  readonly vpcId?: string;
  /** Allow SSH (22) from this CIDR on the `admin` group (context `adminCidr`); off by default. */
  readonly adminCidr?: string;
  /**
   * Who may reach the load balancers (context `allowedCidr`, default `0.0.0.0/0`): the shared ALB's group admits
   * only this CIDR, as each dedicated ALB's group does (BERTH_ALLOWED_CIDR).
   */
  readonly allowedCidr?: string;
}

/**
 * The shared network Berth's environments live in: the VPC, the security groups by role (`alb`,
 * `instances`, optional `admin`) and the shared ALB with its HTTP listener for `shared` load-balancer mode.
 */
export class NetworkStack extends Stack {
  readonly vpc: IVpc;
  readonly albSecurityGroup: SecurityGroup;
  readonly instanceSecurityGroup: SecurityGroup;
  readonly adminSecurityGroup?: SecurityGroup;
  readonly sharedLoadBalancer: ApplicationLoadBalancer;
  readonly sharedListener: ApplicationListener;

  constructor(scope: Construct, id: string, props: NetworkStackProps = {}) {
    super(scope, id, props);

    if (props.vpcId) {
      this.vpc = Vpc.fromLookup(this, 'Vpc', { vpcId: props.vpcId });
    } else {
      const flowLogs = new LogGroup(this, 'VpcFlowLogs', { retention: RetentionDays.ONE_MONTH });
      const created = new Vpc(this, 'Vpc', {
        maxAzs: 2,
        natGateways: 1,
        subnetConfiguration: [
          { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
          { name: 'private', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        ],
        flowLogs: {
          all: {
            destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
            trafficType: FlowLogTrafficType.ALL,
          },
        },
      });
      // aws-cdk-lib's declarations predate exactOptionalPropertyTypes: Vpc does implement IVpc.
      this.vpc = created as unknown as IVpc;
    }

    const allowedCidr = props.allowedCidr ?? '0.0.0.0/0';
    const open = allowedCidr === '0.0.0.0/0';
    const from = open ? 'the internet' : allowedCidr;
    this.albSecurityGroup = new SecurityGroup(this, 'AlbSecurityGroup', {
      vpc: this.vpc,
      securityGroupName: 'berth-shared-alb',
      description: `Berth load balancers: HTTP/HTTPS from ${from}`,
      allowAllOutbound: true,
    });
    const peer = open ? Peer.anyIpv4() : Peer.ipv4(allowedCidr);
    this.albSecurityGroup.addIngressRule(peer, Port.tcp(80), `HTTP from ${from}`);
    this.albSecurityGroup.addIngressRule(peer, Port.tcp(443), `HTTPS from ${from}`);
    if (open) {
      Validations.of(this.albSecurityGroup).acknowledge({
        id: 'AwsSolutions-EC23',
        reason:
          'Public load balancers for web environments: 80/443 from anywhere is the purpose of this group (narrow it with the allowedCidr context).',
      });
    }

    this.instanceSecurityGroup = new SecurityGroup(this, 'InstanceSecurityGroup', {
      vpc: this.vpc,
      securityGroupName: 'berth-shared-instances',
      description: 'Berth ECS container instances: the ephemeral host-port range from the alb group only',
      allowAllOutbound: true,
    });
    this.instanceSecurityGroup.addIngressRule(
      this.albSecurityGroup,
      Port.tcpRange(32768, 65535),
      'ECS dynamic host ports from the load balancers',
    );

    if (props.adminCidr) {
      this.adminSecurityGroup = new SecurityGroup(this, 'AdminSecurityGroup', {
        vpc: this.vpc,
        securityGroupName: 'berth-shared-admin',
        description: 'Berth admin access: SSH from the admin CIDR (Session Manager preferred)',
        allowAllOutbound: false,
      });
      this.adminSecurityGroup.addIngressRule(
        Peer.ipv4(props.adminCidr),
        Port.tcp(22),
        'SSH from the admin CIDR',
      );
    }

    this.sharedLoadBalancer = new ApplicationLoadBalancer(this, 'SharedLoadBalancer', {
      vpc: this.vpc,
      internetFacing: true,
      loadBalancerName: 'berth-shared',
      securityGroup: this.albSecurityGroup,
      vpcSubnets: { subnetType: SubnetType.PUBLIC },
      dropInvalidHeaderFields: true,
    });
    Validations.of(this.sharedLoadBalancer).acknowledge({
      id: 'AwsSolutions-ELB2',
      reason:
        'Ephemeral preview environments: ALB access logs would need an S3 bucket with its own lifecycle; request tracing is done in the environments.',
    });
    this.sharedListener = this.sharedLoadBalancer.addListener('HttpListener', {
      port: 80,
      open: false,
      defaultAction: ListenerAction.fixedResponse(404, {
        contentType: 'text/plain',
        messageBody: 'No Berth environment matches this host or path.',
      }),
    });

    new CfnOutput(this, 'VpcId', { value: this.vpc.vpcId });
    new CfnOutput(this, 'SharedListenerArn', { value: this.sharedListener.listenerArn });
    new CfnOutput(this, 'SharedLoadBalancerDnsName', { value: this.sharedLoadBalancer.loadBalancerDnsName });
  }
}
