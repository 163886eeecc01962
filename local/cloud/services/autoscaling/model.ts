export type LifecycleState =
  | 'Pending'
  | 'InService'
  | 'EnteringStandby'
  | 'Standby'
  | 'Terminating'
  | 'Terminated';

export interface AsgInstance {
  instanceId: string;
  instanceType: string;
  availabilityZone: string;
  lifecycleState: LifecycleState;
  healthStatus: 'Healthy' | 'Unhealthy';
  protectedFromScaleIn: boolean;
  launchTemplate: { LaunchTemplateId: string; LaunchTemplateName: string; Version: string };
  launchedAt: number;
}

export interface AsgTag {
  key: string;
  value: string;
  propagateAtLaunch: boolean;
}

export interface Activity {
  ActivityId: string;
  AutoScalingGroupName: string;
  AutoScalingGroupARN: string;
  Description: string;
  Cause: string;
  StartTime: Date;
  EndTime?: Date;
  StatusCode: 'InProgress' | 'Successful' | 'Failed' | 'Cancelled' | 'PreInService' | 'WaitingForInstanceId';
  StatusMessage?: string;
  Progress: number;
  Details: string;
}

export interface AutoScalingGroup {
  name: string;
  arn: string;
  launchTemplate: { id: string; name: string; version: string };
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  defaultCooldown: number;
  subnetIds: string[];
  healthCheckType: string;
  healthCheckGracePeriod: number;
  newInstancesProtectedFromScaleIn: boolean;
  capacityRebalance: boolean;
  targetGroupARNs: string[];
  terminationPolicies: string[];
  serviceLinkedRoleARN: string;
  tags: Map<string, AsgTag>;
  instances: Map<string, AsgInstance>;
  createdTime: Date;
  /** `Delete in progress` while being deleted. */
  status?: string;
  activities: Activity[];
}

export interface CreateGroupInput {
  name: string;
  launchTemplate: { id?: string | undefined; name?: string | undefined; version?: string | undefined };
  minSize: number;
  maxSize: number;
  desiredCapacity?: number | undefined;
  subnetIds: string[];
  newInstancesProtectedFromScaleIn: boolean;
  tags: AsgTag[];
  defaultCooldown?: number | undefined;
  healthCheckType?: string | undefined;
  healthCheckGracePeriod?: number | undefined;
  capacityRebalance?: boolean | undefined;
  targetGroupARNs?: string[] | undefined;
  terminationPolicies?: string[] | undefined;
}

/** An ISO 8601 time to the second, as Auto Scaling writes it in activity causes. */
export function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
