import { ServiceError } from '../../core/service-error.ts';
import type { RequestContext, ServiceFactory } from '../../core/types.ts';
import {
  eventIdOf,
  type LogGroup,
  type LogStream,
  LogsBackend,
  pageLimit,
  validateGroupName,
} from './backend.ts';

const logsOf = (ctx: RequestContext): LogsBackend =>
  ctx.cloud.backend(
    'logs',
    ctx.accountId,
    ctx.region,
    () => new LogsBackend(ctx.cloud, ctx.accountId, ctx.region),
  );

const invalid = (message: string) => new ServiceError('InvalidParameterException', message);

/** `logGroupName` or `logGroupIdentifier` (name or ARN), exactly one of them. */
function groupRef(params: any): string {
  const name = params.logGroupName;
  const id = params.logGroupIdentifier;
  if (name !== undefined && id !== undefined)
    throw invalid('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  if (id !== undefined) {
    if (typeof id !== 'string' || id === '')
      throw invalid(
        "1 validation error detected: Value null at 'logGroupIdentifier' failed to satisfy constraint: Member must not be null",
      );
    return id;
  }
  return validateGroupName(name);
}

/** Pages a sorted list with an opaque token (the base64 index of the next item). */
function paginate<T>(items: T[], limit: number, token: unknown): { page: T[]; nextToken?: string } {
  let start = 0;
  if (typeof token === 'string' && token !== '') {
    const n = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(n) || n < 0) throw invalid('The specified nextToken is invalid.');
    start = n;
  }
  const page = items.slice(start, start + limit);
  const next = start + limit;
  return next < items.length
    ? { page, nextToken: Buffer.from(String(next)).toString('base64url') }
    : { page };
}

function tagMap(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('tags must be a map of strings');
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

/** The log group named by a `resourceArn` (TagResource, UntagResource, ListTagsForResource). */
function groupOfArn(logs: LogsBackend, arn: unknown): string {
  if (typeof arn !== 'string' || arn === '')
    throw invalid(
      "1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null",
    );
  const m = /^arn:aws:logs:([^:]+):(\d{12}):log-group:([^:]+)$/.exec(arn);
  if (!m) throw invalid(`Invalid ARN: ${arn}`);
  if (m[1] !== logs.region || m[2] !== logs.accountId || !logs.groups.has(m[3] as string))
    throw new ServiceError('ResourceNotFoundException', 'The specified resource does not exist.');
  return m[3] as string;
}

function renderGroup(logs: LogsBackend, g: LogGroup): Record<string, unknown> {
  let storedBytes = 0;
  for (const s of g.streams.values()) for (const e of s.events) storedBytes += Buffer.byteLength(e.message);
  return {
    logGroupName: g.name,
    creationTime: g.creationTime,
    ...(g.retentionInDays === undefined ? {} : { retentionInDays: g.retentionInDays }),
    metricFilterCount: 0,
    arn: `${logs.groupArn(g.name)}:*`,
    storedBytes,
    logGroupClass: 'STANDARD',
    logGroupArn: logs.groupArn(g.name),
  };
}

function renderStream(logs: LogsBackend, g: LogGroup, s: LogStream): Record<string, unknown> {
  const first = s.events[0];
  const last = s.events[s.events.length - 1];
  return {
    logStreamName: s.name,
    creationTime: s.creationTime,
    ...(first ? { firstEventTimestamp: first.timestamp } : {}),
    ...(last ? { lastEventTimestamp: last.timestamp } : {}),
    ...(s.lastIngestionTime === undefined ? {} : { lastIngestionTime: s.lastIngestionTime }),
    arn: logs.streamArn(g.name, s.name),
    storedBytes: 0,
  };
}

/**
 * CloudWatch Logs (JSON 1.1, `Logs_20140328.*`): log groups, streams, PutLogEvents,
 * GetLogEvents and FilterLogEvents (what the `awslogs` driver, Berth and `aws logs tail` call).
 */
export const logsService: ServiceFactory = (cloud) => {
  cloud.addStateDumper('logs', () => {
    const out: Record<string, unknown> = {};
    for (const key of cloud.backendKeys('logs')) {
      const [account = '', region = ''] = key.split('/');
      const logs = cloud.backend<LogsBackend>(
        'logs',
        account,
        region,
        () => new LogsBackend(cloud, account, region),
      );
      out[key] = [...logs.groups.values()].map((g) => ({
        name: g.name,
        retentionInDays: g.retentionInDays,
        tags: g.tags,
        streams: [...g.streams.values()].map((s) => ({ name: s.name, events: s.events.length })),
      }));
    }
    return out;
  });
  return {
    signingName: 'logs',
    protocol: 'json',
    jsonTargetPrefix: 'Logs_20140328',
    jsonVersion: '1.1',
    actions: {
      CreateLogGroup(params, ctx) {
        logsOf(ctx).createGroup(validateGroupName(params.logGroupName), tagMap(params.tags));
        return {};
      },

      DeleteLogGroup(params, ctx) {
        logsOf(ctx).deleteGroup(groupRef(params));
        return {};
      },

      DescribeLogGroups(params, ctx) {
        const logs = logsOf(ctx);
        if (params.logGroupNamePrefix !== undefined && params.logGroupNamePattern !== undefined)
          throw invalid('LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.');
        const prefix = typeof params.logGroupNamePrefix === 'string' ? params.logGroupNamePrefix : '';
        const pattern = typeof params.logGroupNamePattern === 'string' ? params.logGroupNamePattern : '';
        const groups = [...logs.groups.values()]
          .filter((g) => g.name.startsWith(prefix) && g.name.includes(pattern))
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        const { page, nextToken } = paginate(groups, pageLimit(params.limit, 50), params.nextToken);
        return { logGroups: page.map((g) => renderGroup(logs, g)), ...(nextToken ? { nextToken } : {}) };
      },

      PutRetentionPolicy(params, ctx) {
        logsOf(ctx).putRetention(validateGroupName(params.logGroupName), params.retentionInDays);
        return {};
      },

      DeleteRetentionPolicy(params, ctx) {
        logsOf(ctx).deleteRetention(validateGroupName(params.logGroupName));
        return {};
      },

      TagResource(params, ctx) {
        const logs = logsOf(ctx);
        logs.tag(groupOfArn(logs, params.resourceArn), tagMap(params.tags));
        return {};
      },

      UntagResource(params, ctx) {
        const logs = logsOf(ctx);
        const keys = Array.isArray(params.tagKeys) ? params.tagKeys.map(String) : [];
        logs.untag(groupOfArn(logs, params.resourceArn), keys);
        return {};
      },

      ListTagsForResource(params, ctx) {
        const logs = logsOf(ctx);
        return { tags: { ...logs.group(groupOfArn(logs, params.resourceArn)).tags } };
      },

      TagLogGroup(params, ctx) {
        logsOf(ctx).tag(validateGroupName(params.logGroupName), tagMap(params.tags));
        return {};
      },

      UntagLogGroup(params, ctx) {
        const keys = Array.isArray(params.tags) ? params.tags.map(String) : [];
        logsOf(ctx).untag(validateGroupName(params.logGroupName), keys);
        return {};
      },

      ListTagsLogGroup(params, ctx) {
        return { tags: { ...logsOf(ctx).group(validateGroupName(params.logGroupName)).tags } };
      },

      CreateLogStream(params, ctx) {
        logsOf(ctx).createStream(validateGroupName(params.logGroupName), params.logStreamName);
        return {};
      },

      DeleteLogStream(params, ctx) {
        logsOf(ctx).deleteStream(validateGroupName(params.logGroupName), String(params.logStreamName ?? ''));
        return {};
      },

      DescribeLogStreams(params, ctx) {
        const logs = logsOf(ctx);
        const g = logs.group(groupRef(params));
        const orderBy = params.orderBy ?? 'LogStreamName';
        if (orderBy !== 'LogStreamName' && orderBy !== 'LastEventTime')
          throw invalid(
            `1 validation error detected: Value '${String(orderBy)}' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]`,
          );
        const prefix =
          typeof params.logStreamNamePrefix === 'string' ? params.logStreamNamePrefix : undefined;
        if (prefix !== undefined && orderBy === 'LastEventTime')
          throw invalid('Cannot order by LastEventTime with a logStreamNamePrefix.');
        const last = (s: LogStream) => s.events[s.events.length - 1]?.timestamp ?? 0;
        const streams = [...g.streams.values()]
          .filter((s) => prefix === undefined || s.name.startsWith(prefix))
          .sort((a, b) =>
            orderBy === 'LastEventTime' ? last(a) - last(b) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
          );
        if (params.descending === true) streams.reverse();
        const { page, nextToken } = paginate(streams, pageLimit(params.limit, 50), params.nextToken);
        return {
          logStreams: page.map((s) => renderStream(logs, g, s)),
          ...(nextToken ? { nextToken } : {}),
        };
      },

      PutLogEvents(params, ctx) {
        const logs = logsOf(ctx);
        const { rejected } = logs.putEvents(
          validateGroupName(params.logGroupName),
          String(params.logStreamName ?? ''),
          params.logEvents,
        );
        // The sequence token is ignored since January 2023 but still returned (API Reference, PutLogEvents).
        return {
          nextSequenceToken: String(Date.now()).padStart(56, '0'),
          ...(rejected ? { rejectedLogEventsInfo: rejected } : {}),
        };
      },

      GetLogEvents(params, ctx) {
        const logs = logsOf(ctx);
        const out = logs.getEvents({
          group: groupRef(params),
          stream: String(params.logStreamName ?? ''),
          startTime: params.startTime,
          endTime: params.endTime,
          nextToken: params.nextToken,
          limit: params.limit,
          startFromHead: params.startFromHead,
        });
        return {
          events: out.events.map((e) => ({
            timestamp: e.timestamp,
            message: e.message,
            ingestionTime: e.ingestionTime,
          })),
          nextForwardToken: out.nextForwardToken,
          nextBackwardToken: out.nextBackwardToken,
        };
      },

      FilterLogEvents(params, ctx) {
        const logs = logsOf(ctx);
        const out = logs.filterEvents({
          group: groupRef(params),
          streamNames: params.logStreamNames,
          streamPrefix: params.logStreamNamePrefix,
          startTime: params.startTime,
          endTime: params.endTime,
          filterPattern: params.filterPattern,
          nextToken: params.nextToken,
          limit: params.limit,
        });
        return {
          events: out.events.map((e) => ({
            logStreamName: e.stream,
            timestamp: e.timestamp,
            message: e.message,
            ingestionTime: e.ingestionTime,
            eventId: eventIdOf(e),
          })),
          searchedLogStreams: out.searched.map((name) => ({ logStreamName: name, searchedCompletely: true })),
          ...(out.nextToken ? { nextToken: out.nextToken } : {}),
        };
      },
    },
  };
};
