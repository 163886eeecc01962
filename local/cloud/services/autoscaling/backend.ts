import type { Cloud } from '../../core/cloud.ts';

/** Auto Scaling of one account and region (placeholder until the data plane lands). */
export class AutoScalingBackend {
  readonly cloud: Cloud;
  readonly accountId: string;
  readonly region: string;

  constructor(cloud: Cloud, accountId: string, region: string) {
    this.cloud = cloud;
    this.accountId = accountId;
    this.region = region;
  }

  /** A group by name or ARN. */
  getGroup(_nameOrArn: string): undefined {
    return undefined;
  }

  /** Sets the desired capacity (scale-in honours instance protection). */
  setDesiredCapacity(_name: string, _n: number): void {}
}
