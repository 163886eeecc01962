import {
  type CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  ListTagsForResourceCommand,
  PutRetentionPolicyCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { ObservedLogGroup, Tags } from '../core/observed.ts';
import { assertOwned } from '../core/tags.ts';
import { deleteUnlessGone, hasAwsCode, mapAwsError } from './map-aws-error.ts';

const GONE = ['ResourceNotFoundException'];

/** One line of a workload's output. */
export interface LogLine {
  /** Milliseconds since the epoch (when the container wrote it). */
  readonly timestamp: number;
  /** `<prefix>/<container>/<task id>`. */
  readonly stream: string;
  readonly message: string;
  readonly eventId?: string;
}

export interface LogGroupInput {
  readonly env: string;
  readonly name: string;
  readonly retentionInDays: number;
  /** The environment's ownership tags plus the log-keeping tags. */
  readonly tags: Tags;
}

export interface LogQuery {
  readonly group: string;
  readonly streamPrefix?: string;
  readonly streamNames?: readonly string[];
  readonly startTime?: number;
  readonly endTime?: number;
  /** CloudWatch Logs filter pattern (plain terms). */
  readonly filterPattern?: string;
  readonly nextToken?: string;
  readonly limit?: number;
}

/** CloudWatch Logs for Berth: the environment's log group and reading its lines. */
export class AwsLogsAdapter {
  constructor(private readonly client: CloudWatchLogsClient) {}

  /** The group with its tags and retention, or `undefined` when it does not exist. */
  async observeLogGroup(name: string): Promise<ObservedLogGroup | undefined> {
    try {
      const out = await this.client.send(
        new DescribeLogGroupsCommand({ logGroupNamePrefix: name, limit: 50 }),
      );
      const group = (out.logGroups ?? []).find((g) => g.logGroupName === name);
      if (!group) return undefined;
      const arn = group.logGroupArn ?? (group.arn ?? '').replace(/:\*$/, '');
      const tags = await this.client.send(new ListTagsForResourceCommand({ resourceArn: arn }));
      return {
        name,
        arn,
        tags: tags.tags ?? {},
        ...(group.retentionInDays === undefined ? {} : { retentionInDays: group.retentionInDays }),
      };
    } catch (err) {
      if (hasAwsCode(err, GONE)) return undefined;
      throw mapAwsError(err, `logs.DescribeLogGroups ${name}`);
    }
  }

  /**
   * Creates the group with its tags and retention (core `planUp` decided it does not exist). A group
   * created meanwhile by someone else (`ResourceAlreadyExistsException`) is taken only if it carries the
   * environment's tags (a foreign one is an OwnershipConflictError, never adopted). The group is described once
   * afterwards: its ARN (the `awslogs` region) is only known from AWS.
   */
  async createLogGroup(input: LogGroupInput): Promise<ObservedLogGroup> {
    try {
      try {
        await this.client.send(
          new CreateLogGroupCommand({ logGroupName: input.name, tags: { ...input.tags } }),
        );
      } catch (err) {
        if (!hasAwsCode(err, ['ResourceAlreadyExistsException'])) throw err;
      }
      const group = await this.observeLogGroup(input.name);
      if (!group) throw new Error(`log group ${input.name} not visible after CreateLogGroup`);
      assertOwned(`log group ${input.name}`, group.tags, input.env);
      if (group.retentionInDays !== input.retentionInDays) {
        await this.client.send(
          new PutRetentionPolicyCommand({ logGroupName: input.name, retentionInDays: input.retentionInDays }),
        );
      }
      return { ...group, retentionInDays: input.retentionInDays };
    } catch (err) {
      throw mapAwsError(err, `logs.CreateLogGroup ${input.name}`);
    }
  }

  /** Converges an observed (owned) group: retention, tags to set, tag keys to remove — only what is given. */
  async updateLogGroup(input: {
    readonly arn: string;
    readonly name: string;
    readonly retentionInDays?: number;
    readonly tags?: Tags;
    readonly removeTags?: readonly string[];
  }): Promise<void> {
    try {
      if (input.retentionInDays !== undefined) {
        await this.client.send(
          new PutRetentionPolicyCommand({ logGroupName: input.name, retentionInDays: input.retentionInDays }),
        );
      }
      if (input.removeTags !== undefined && input.removeTags.length > 0) {
        await this.client.send(
          new UntagResourceCommand({ resourceArn: input.arn, tagKeys: [...input.removeTags] }),
        );
      }
      if (input.tags !== undefined && Object.keys(input.tags).length > 0) {
        await this.client.send(new TagResourceCommand({ resourceArn: input.arn, tags: { ...input.tags } }));
      }
    } catch (err) {
      throw mapAwsError(err, `logs.UpdateLogGroup ${input.name}`);
    }
  }

  /** Adds tags to a group the caller has checked. */
  async tagLogGroup(arn: string, tags: Tags): Promise<void> {
    try {
      await this.client.send(new TagResourceCommand({ resourceArn: arn, tags: { ...tags } }));
    } catch (err) {
      throw mapAwsError(err, `logs.TagResource ${arn}`);
    }
  }

  /**
   * Deletes the group (its ownership was checked when it was observed); already gone → `false`.
   */
  async deleteLogGroup(name: string): Promise<boolean> {
    return deleteUnlessGone(`logs.DeleteLogGroup ${name}`, { codes: GONE }, () =>
      this.client.send(new DeleteLogGroupCommand({ logGroupName: name })),
    );
  }

  /** Every group whose name starts with `prefix`, with its tags. */
  async listLogGroups(prefix: string): Promise<ObservedLogGroup[]> {
    const out: ObservedLogGroup[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new DescribeLogGroupsCommand({ logGroupNamePrefix: prefix, ...(nextToken ? { nextToken } : {}) }),
        );
        for (const g of page.logGroups ?? []) {
          if (!g.logGroupName) continue;
          const arn = g.logGroupArn ?? (g.arn ?? '').replace(/:\*$/, '');
          const tags = await this.client.send(new ListTagsForResourceCommand({ resourceArn: arn }));
          out.push({
            name: g.logGroupName,
            arn,
            tags: tags.tags ?? {},
            ...(g.retentionInDays === undefined ? {} : { retentionInDays: g.retentionInDays }),
          });
        }
        nextToken = page.nextToken;
      } while (nextToken);
      return out;
    } catch (err) {
      throw mapAwsError(err, `logs.DescribeLogGroups ${prefix}`);
    }
  }

  /** One page of lines across the group's streams, in time order (FilterLogEvents). */
  async readLines(query: LogQuery): Promise<{ lines: LogLine[]; nextToken?: string }> {
    try {
      const out = await this.client.send(
        new FilterLogEventsCommand({
          logGroupName: query.group,
          ...(query.streamNames && query.streamNames.length > 0
            ? { logStreamNames: [...query.streamNames] }
            : {}),
          ...(query.streamPrefix && !query.streamNames ? { logStreamNamePrefix: query.streamPrefix } : {}),
          ...(query.startTime === undefined ? {} : { startTime: query.startTime }),
          ...(query.endTime === undefined ? {} : { endTime: query.endTime }),
          ...(query.filterPattern ? { filterPattern: query.filterPattern } : {}),
          ...(query.nextToken ? { nextToken: query.nextToken } : {}),
          ...(query.limit === undefined ? {} : { limit: query.limit }),
        }),
      );
      const lines = (out.events ?? []).map((e) => ({
        timestamp: e.timestamp ?? 0,
        stream: e.logStreamName ?? '',
        message: e.message ?? '',
        ...(e.eventId ? { eventId: e.eventId } : {}),
      }));
      return out.nextToken ? { lines, nextToken: out.nextToken } : { lines };
    } catch (err) {
      if (hasAwsCode(err, GONE)) return { lines: [] };
      throw mapAwsError(err, `logs.FilterLogEvents ${query.group}`);
    }
  }

  /** The last `count` lines of one stream, oldest first; none when the group or stream is gone. */
  async lastLines(group: string, stream: string, count: number): Promise<LogLine[]> {
    try {
      const out = await this.client.send(
        new GetLogEventsCommand({
          logGroupName: group,
          logStreamName: stream,
          limit: count,
          startFromHead: false,
        }),
      );
      return (out.events ?? []).map((e) => ({
        timestamp: e.timestamp ?? 0,
        stream,
        message: e.message ?? '',
      }));
    } catch (err) {
      if (hasAwsCode(err, GONE)) return [];
      throw mapAwsError(err, `logs.GetLogEvents ${group} ${stream}`);
    }
  }
}
