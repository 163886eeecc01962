import {
  type _InstanceType,
  AuthorizeSecurityGroupIngressCommand,
  CreateLaunchTemplateCommand,
  CreateSecurityGroupCommand,
  DeleteLaunchTemplateCommand,
  DeleteSecurityGroupCommand,
  DescribeLaunchTemplatesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  type IpPermission,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { AwsRequestError, TransientAwsError } from '../core/errors.ts';
import type {
  ObservedIngress,
  ObservedLaunchTemplate,
  ObservedNetworkInterface,
  ObservedSecurityGroup,
  Tags,
} from '../core/observed.ts';
import { assertOwned, fromAwsTags, toAwsTags } from '../core/tags.ts';
import { awsErrorCode, deleteUnlessGone, hasAwsCode, mapAwsError } from './map-aws-error.ts';

const SG_GONE = ['InvalidGroup.NotFound', 'InvalidGroupId.NotFound', 'InvalidGroupId.Malformed'];
/** A group this step just created or observed, not yet visible to the call naming it. */
const SG_NOT_VISIBLE_YET = ['InvalidGroup.NotFound', 'InvalidGroupId.NotFound'];
const LT_GONE = [
  'InvalidLaunchTemplateName.NotFoundException',
  'InvalidLaunchTemplateId.NotFound',
  'InvalidLaunchTemplateName.NotFound',
];

export interface LaunchTemplateInput {
  readonly env: string;
  readonly name: string;
  readonly clusterName: string;
  readonly instanceType: string;
  readonly instanceProfileArn: string;
  readonly securityGroupIds: readonly string[];
  /** SSM parameter holding the ECS-optimized AMI id. */
  readonly amiParameter: string;
  readonly tags: Tags;
}

/** The user data that joins an instance to `cluster` (base64, as EC2 wants it). */
function ecsUserData(cluster: string): string {
  const script = `#!/bin/bash\ncat >> /etc/ecs/ecs.config <<'BERTH'\nECS_CLUSTER=${cluster}\nECS_ENABLE_CONTAINER_METADATA=true\nBERTH\n`;
  return Buffer.from(script, 'utf8').toString('base64');
}

/** TCP permissions as one entry per source (CIDR or group). */
const toIngress = (permissions: readonly IpPermission[] | undefined): ObservedIngress[] =>
  (permissions ?? [])
    .filter((p) => p.IpProtocol === 'tcp' && p.FromPort !== undefined && p.ToPort !== undefined)
    .flatMap((p) => [
      ...(p.IpRanges ?? []).flatMap((r) =>
        r.CidrIp ? [{ from: p.FromPort as number, to: p.ToPort as number, cidr: r.CidrIp }] : [],
      ),
      ...(p.UserIdGroupPairs ?? []).flatMap((u) =>
        u.GroupId ? [{ from: p.FromPort as number, to: p.ToPort as number, groupId: u.GroupId }] : [],
      ),
    ]);

const toObservedGroup = (g: SecurityGroup): ObservedSecurityGroup => ({
  id: g.GroupId ?? '',
  name: g.GroupName ?? '',
  tags: fromAwsTags(g.Tags),
  ingress: toIngress(g.IpPermissions),
});

/** Reads one SSM parameter's value (functions/adapters/ssm-parameter.ts `AwsParameterAdapter`). */
export interface AmiParameterPort {
  getParameter(name: string): Promise<string>;
}

/**
 * EC2 side of an environment: per-role security groups and the launch template.
 *
 * @example
 * const ec2 = new AwsEc2Adapter(clients.ec2, new AwsParameterAdapter(clients.ssm));
 * const id = await ec2.createSecurityGroup({ env: 'demo', vpcId, name: 'berth-demo-alb', description, tags });
 */
export class AwsEc2Adapter {
  /**
   * @param parameters reads the public ECS-optimized AMI parameter (`AwsParameterAdapter` over SSM); only
   *   `createLaunchTemplate` needs it, so the handlers that create no launch template bundle no SSM client.
   */
  constructor(
    private readonly ec2: EC2Client,
    private readonly parameters?: AmiParameterPort,
  ) {}

  /** The security group of `name` in `vpcId`, or `undefined`. */
  async observeSecurityGroup(
    vpcId: string,
    name: string,
  ): Promise<(ObservedSecurityGroup & { permissions: IpPermission[] }) | undefined> {
    try {
      const out = await this.ec2.send(
        new DescribeSecurityGroupsCommand({
          Filters: [
            { Name: 'vpc-id', Values: [vpcId] },
            { Name: 'group-name', Values: [name] },
          ],
        }),
      );
      const group = out.SecurityGroups?.find((g) => g.GroupName === name);
      return group ? { ...toObservedGroup(group), permissions: group.IpPermissions ?? [] } : undefined;
    } catch (err) {
      throw mapAwsError(err, `ec2.DescribeSecurityGroups ${name}`);
    }
  }

  /** Both per-env groups (ObservedEnvironment.securityGroups). */
  async observeSecurityGroups(
    vpcId: string,
    names: { readonly alb: string; readonly instances: string },
    options: { readonly networkInterfaces?: boolean } = {},
  ): Promise<{ alb?: ObservedSecurityGroup; instances?: ObservedSecurityGroup }> {
    const [alb, instances] = await Promise.all([
      this.observeSecurityGroup(vpcId, names.alb),
      this.observeSecurityGroup(vpcId, names.instances),
    ]);
    const withInterfaces = async (
      g: (ObservedSecurityGroup & { permissions: unknown }) | undefined,
    ): Promise<ObservedSecurityGroup | undefined> =>
      g
        ? {
            id: g.id,
            name: g.name,
            tags: g.tags,
            ...(g.ingress ? { ingress: g.ingress } : {}),
            ...(options.networkInterfaces ? { networkInterfaces: await this.networkInterfacesOf(g.id) } : {}),
          }
        : undefined;
    const [a, i] = await Promise.all([withInterfaces(alb), withInterfaces(instances)]);
    return { ...(a ? { alb: a } : {}), ...(i ? { instances: i } : {}) };
  }

  /**
   * Creates a security group (`up` decided it is missing) and returns its id. When another branch of
   * the same execution created it meanwhile (`InvalidGroup.Duplicate`), returns that one if it is
   * the environment's.
   * @throws OwnershipConflictError when the group found on a duplicate lacks the env's tags.
   */
  async createSecurityGroup(input: {
    readonly env: string;
    readonly vpcId: string;
    readonly name: string;
    readonly description: string;
    readonly tags: Tags;
  }): Promise<string> {
    const { name } = input;
    try {
      const out = await this.ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: name,
          Description: input.description,
          VpcId: input.vpcId,
          TagSpecifications: [
            {
              ResourceType: 'security-group',
              Tags: toAwsTags({ ...input.tags, Name: name }),
            },
          ],
        }),
      );
      if (!out.GroupId) throw new AwsRequestError('MissingGroupId', `CreateSecurityGroup ${name}`);
      return out.GroupId;
    } catch (err) {
      if (awsErrorCode(err) === 'InvalidGroup.Duplicate') {
        const raced = await this.observeSecurityGroup(input.vpcId, name);
        if (raced) {
          assertOwned(`security group ${name}`, raced.tags, input.env);
          return raced.id;
        }
      }
      throw mapAwsError(err, `ec2.CreateSecurityGroup ${name}`);
    }
  }

  /**
   * Adds TCP ingress rules to a group (core planned only the missing ones); a rule that exists
   * meanwhile (`InvalidPermission.Duplicate`) counts as added.
   */
  async authorizeIngress(
    groupId: string,
    rules: readonly { from: number; to: number; cidr?: string; groupId?: string; note: string }[],
  ): Promise<void> {
    if (rules.length === 0) return;
    try {
      await this.ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: rules.map((r) => ({
            IpProtocol: 'tcp',
            FromPort: r.from,
            ToPort: r.to,
            ...(r.cidr !== undefined ? { IpRanges: [{ CidrIp: r.cidr, Description: r.note }] } : {}),
            ...(r.groupId !== undefined
              ? { UserIdGroupPairs: [{ GroupId: r.groupId, Description: r.note }] }
              : {}),
          })),
        }),
      );
    } catch (err) {
      if (awsErrorCode(err) === 'InvalidPermission.Duplicate') return;
      if (hasAwsCode(err, SG_NOT_VISIBLE_YET)) {
        // EC2 is eventually consistent: right after CreateSecurityGroup, a call naming the new group
        // (or a rule's source group) can answer InvalidGroup.NotFound ("Eventual consistency in the
        // Amazon EC2 API", EC2 developer guide). The step is idempotent (observe, then only the missing
        // groups and rules), so the state machine's bounded TransientAwsError Retry runs it again.
        throw new TransientAwsError(
          `ec2.AuthorizeSecurityGroupIngress ${groupId}: ${awsErrorCode(err)} right after the group was created (EC2 eventual consistency); will retry`,
          { cause: err },
        );
      }
      throw mapAwsError(err, `ec2.AuthorizeSecurityGroupIngress ${groupId}`);
    }
  }

  /**
   * Deletes a group observed as the environment's (`name` only labels errors). Gone → `false`.
   * @throws DependencyPendingError while ENIs or other groups still reference it.
   */
  async deleteSecurityGroup(groupId: string, name: string): Promise<boolean> {
    return deleteUnlessGone(`ec2.DeleteSecurityGroup ${name}`, { codes: SG_GONE }, () =>
      this.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId })),
    );
  }

  /**
   * The network interfaces that list `groupId` — attached or already detached (`available`): an
   * ALB's interfaces outlive it by minutes, an awsvpc task's its task, an instance's until it is
   * terminated, and each keeps `DeleteSecurityGroup` answering `DependencyViolation`.
   */
  async networkInterfacesOf(groupId: string): Promise<ObservedNetworkInterface[]> {
    try {
      const found: ObservedNetworkInterface[] = [];
      let token: string | undefined;
      do {
        const out = await this.ec2.send(
          new DescribeNetworkInterfacesCommand({
            Filters: [{ Name: 'group-id', Values: [groupId] }],
            ...(token ? { NextToken: token } : {}),
          }),
        );
        for (const eni of out.NetworkInterfaces ?? []) {
          const instanceId = eni.Attachment?.InstanceId;
          found.push({
            id: eni.NetworkInterfaceId ?? '',
            description: eni.Description ?? '',
            status: eni.Status ?? '',
            requesterManaged: eni.RequesterManaged ?? false,
            ...(instanceId ? { instanceId } : {}),
          });
        }
        token = out.NextToken;
      } while (token);
      return found;
    } catch (err) {
      throw mapAwsError(err, `ec2.DescribeNetworkInterfaces ${groupId}`);
    }
  }

  /** The launch template named `name`, or `undefined`. */
  async observeLaunchTemplate(name: string): Promise<ObservedLaunchTemplate | undefined> {
    try {
      const out = await this.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [name] }));
      const lt = out.LaunchTemplates?.[0];
      return lt
        ? { id: lt.LaunchTemplateId ?? '', name: lt.LaunchTemplateName ?? name, tags: fromAwsTags(lt.Tags) }
        : undefined;
    } catch (err) {
      if (hasAwsCode(err, LT_GONE)) return undefined;
      throw mapAwsError(err, `ec2.DescribeLaunchTemplates ${name}`);
    }
  }

  /** The ECS-optimized AMI id from its public SSM parameter. */
  async resolveAmi(parameter: string): Promise<string> {
    if (!this.parameters) throw new AwsRequestError('NoSsmClient', 'AwsEc2Adapter needs an SSM client');
    return this.parameters.getParameter(parameter);
  }

  /**
   * Creates the launch template (ECS-optimized AMI, instance profile, instance group,
   * user data joining the cluster, IMDSv2 required with hop limit 1).
   * @throws OwnershipConflictError when a same-named template lacks this env's tags.
   */
  async createLaunchTemplate(input: LaunchTemplateInput): Promise<ObservedLaunchTemplate> {
    const imageId = await this.resolveAmi(input.amiParameter);
    try {
      const out = await this.ec2.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: input.name,
          VersionDescription: `Berth ${input.env}`,
          LaunchTemplateData: {
            ImageId: imageId,
            InstanceType: input.instanceType as _InstanceType,
            IamInstanceProfile: { Arn: input.instanceProfileArn },
            SecurityGroupIds: [...input.securityGroupIds],
            UserData: ecsUserData(input.clusterName),
            // IMDSv2 only, and a hop limit of 1: a bridge-mode container is one hop further than the instance,
            // so it cannot read the instance role's credentials (docs/security.md).
            MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' },
            TagSpecifications: [
              { ResourceType: 'instance', Tags: toAwsTags({ ...input.tags, Name: input.name }) },
              { ResourceType: 'volume', Tags: toAwsTags(input.tags) },
            ],
          },
          TagSpecifications: [{ ResourceType: 'launch-template', Tags: toAwsTags(input.tags) }],
        }),
      );
      const lt = out.LaunchTemplate;
      return {
        id: lt?.LaunchTemplateId ?? '',
        name: lt?.LaunchTemplateName ?? input.name,
        tags: input.tags,
      };
    } catch (err) {
      throw mapAwsError(err, `ec2.CreateLaunchTemplate ${input.name}`);
    }
  }

  /** Deletes a launch template observed as the environment's; gone → `false`. */
  async deleteLaunchTemplate(name: string): Promise<boolean> {
    return deleteUnlessGone(`ec2.DeleteLaunchTemplate ${name}`, { codes: LT_GONE }, () =>
      this.ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateName: name })),
    );
  }
}
