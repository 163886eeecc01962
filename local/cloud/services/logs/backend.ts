import type { Cloud } from '../../core/cloud.ts';
import { ServiceError } from '../../core/service-error.ts';
import { compileFilterPattern } from './filter-pattern.ts';

/**
 * CloudWatch Logs of one account and region: log groups, their streams and events.
 * Checks and error texts follow the CloudWatch Logs API Reference (CreateLogGroup,
 * CreateLogStream, PutLogEvents, GetLogEvents, FilterLogEvents, PutRetentionPolicy).
 */

/** The retention values PutRetentionPolicy accepts (API Reference, PutRetentionPolicy › retentionInDays). */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** PutLogEvents limits: 10,000 events, 1,048,576 bytes counting 26 bytes per event. */
const MAX_BATCH_EVENTS = 10_000;
const MAX_BATCH_BYTES = 1_048_576;
const EVENT_OVERHEAD = 26;
/** GetLogEvents / FilterLogEvents answer at most 10,000 events (and 1 MB). */
const MAX_PAGE_EVENTS = 10_000;
const MAX_PAGE_BYTES = 1_048_576;
/**
 * Events kept per stream in memory; older ones are dropped first. A local simplification standing
 * in for retention (health checks under the `instant` profile log many lines a second).
 */
const MAX_STREAM_EVENTS = 20_000;

export interface LogEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
  /** Ingestion order across the whole backend: breaks ties between equal timestamps. */
  seq: number;
  stream: string;
}

export interface LogStream {
  name: string;
  creationTime: number;
  /** Kept ordered by (timestamp, seq). */
  events: LogEvent[];
  lastIngestionTime?: number;
}

export interface LogGroup {
  name: string;
  creationTime: number;
  retentionInDays?: number;
  tags: Record<string, string>;
  streams: Map<string, LogStream>;
}

const invalid = (message: string) => new ServiceError('InvalidParameterException', message);
const groupNotFound = () =>
  new ServiceError('ResourceNotFoundException', 'The specified log group does not exist.');
const streamNotFound = () =>
  new ServiceError('ResourceNotFoundException', 'The specified log stream does not exist.');

const GROUP_NAME = /^[.\-_/#A-Za-z0-9]+$/;

/** Validates a log group name (1–512 characters of `[.-_/#A-Za-z0-9]`). */
export function validateGroupName(name: unknown, field = 'logGroupName'): string {
  if (typeof name !== 'string' || name === '') {
    throw invalid(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  if (name.length > 512)
    throw invalid(
      `1 validation error detected: Value '${name}' at '${field}' failed to satisfy constraint: Member must have length less than or equal to 512`,
    );
  if (!GROUP_NAME.test(name))
    throw invalid(
      `1 validation error detected: Value '${name}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+`,
    );
  return name;
}

/** Validates a log stream name (1–512 characters, no `:` or `*`). */
function validateStreamName(name: unknown): string {
  if (typeof name !== 'string' || name === '') {
    throw invalid(
      "1 validation error detected: Value null at 'logStreamName' failed to satisfy constraint: Member must not be null",
    );
  }
  if (name.length > 512 || /[:*]/.test(name))
    throw invalid(
      `1 validation error detected: Value '${name}' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*`,
    );
  return name;
}

/** A position between events: everything strictly after (forward) or before (backward) it. */
interface Cursor {
  timestamp: number;
  seq: number;
}

const compare = (a: Cursor, b: Cursor): number => a.timestamp - b.timestamp || a.seq - b.seq;

/** `f/` or `b/` followed by 56 digits, the shape of AWS's GetLogEvents tokens. */
function encodeToken(direction: 'f' | 'b', c: Cursor): string {
  return `${direction}/${String(Math.max(0, c.timestamp)).padStart(20, '0')}${String(Math.max(0, c.seq)).padStart(36, '0')}/s`;
}

function decodeToken(token: string): { direction: 'f' | 'b'; cursor: Cursor } {
  const m = /^([fb])\/(\d{20})(\d{36})\/s$/.exec(token);
  if (!m) throw invalid('The specified nextToken is invalid.');
  return {
    direction: m[1] as 'f' | 'b',
    cursor: { timestamp: Number(m[2]), seq: Number(m[3]) },
  };
}

/** The event id AWS prints: 56 digits. */
export function eventIdOf(e: LogEvent): string {
  return `${String(e.timestamp).padStart(20, '0')}${String(e.seq).padStart(36, '0')}`;
}

/** A request's `limit`: `max` when absent, else an integer from 1 to `max` (InvalidParameterException otherwise). */
export function pageLimit(limit: unknown, max: number): number {
  if (limit === undefined || limit === null) return max;
  const n = Number(limit);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw invalid(
      `1 validation error detected: Value '${String(limit)}' at 'limit' failed to satisfy constraint: Member must have value between 1 and ${max}`,
    );
  return n;
}

function optionalTime(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw invalid(
      `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: Member must have value greater than or equal to 0`,
    );
  return n;
}

/** Takes events while the page stays within its count and byte limits. */
function takePage(events: LogEvent[], limit: number): LogEvent[] {
  const out: LogEvent[] = [];
  let bytes = 0;
  for (const e of events) {
    const size = Buffer.byteLength(e.message) + EVENT_OVERHEAD;
    if (out.length >= limit || (out.length > 0 && bytes + size > MAX_PAGE_BYTES)) break;
    out.push(e);
    bytes += size;
  }
  return out;
}

/** The CloudWatch Logs state of one account and region. */
export class LogsBackend {
  readonly accountId: string;
  readonly region: string;
  readonly groups = new Map<string, LogGroup>();
  readonly #cloud: Cloud;
  #seq = 0;

  constructor(cloud: Cloud, accountId: string, region: string) {
    this.#cloud = cloud;
    this.accountId = accountId;
    this.region = region;
  }

  #now(): number {
    return this.#cloud.clock.now().getTime();
  }

  /** `arn:aws:logs:<region>:<account>:log-group:<name>` (the `logGroupArn`, without `:*`). */
  groupArn(name: string): string {
    return `arn:aws:logs:${this.region}:${this.accountId}:log-group:${name}`;
  }

  streamArn(group: string, stream: string): string {
    return `${this.groupArn(group)}:log-stream:${stream}`;
  }

  /** The group by name or ARN (`logGroupIdentifier` accepts either); throws ResourceNotFoundException. */
  group(nameOrArn: string): LogGroup {
    const prefix = `arn:aws:logs:${this.region}:${this.accountId}:log-group:`;
    const name = nameOrArn.startsWith('arn:')
      ? nameOrArn.startsWith(prefix)
        ? nameOrArn.slice(prefix.length).replace(/:\*$/, '')
        : ''
      : nameOrArn;
    const g = this.groups.get(name);
    if (!g) throw groupNotFound();
    return g;
  }

  stream(group: string, name: string): LogStream {
    const s = this.group(group).streams.get(name);
    if (!s) throw streamNotFound();
    return s;
  }

  /** CreateLogGroup. */
  createGroup(name: string, tags: Record<string, string> = {}): LogGroup {
    validateGroupName(name);
    if (this.groups.has(name))
      throw new ServiceError('ResourceAlreadyExistsException', 'The specified log group already exists');
    validateTags(tags);
    const g: LogGroup = { name, creationTime: this.#now(), tags: { ...tags }, streams: new Map() };
    this.groups.set(name, g);
    return g;
  }

  /** DeleteLogGroup: the group and every stream and event in it. */
  deleteGroup(name: string): void {
    const g = this.group(name);
    this.groups.delete(g.name);
  }

  /** PutRetentionPolicy. */
  putRetention(name: string, days: unknown): void {
    const g = this.group(name);
    const n = Number(days);
    if (!(RETENTION_DAYS as readonly number[]).includes(n))
      throw invalid(
        `1 validation error detected: Value '${String(days)}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`,
      );
    g.retentionInDays = n;
  }

  /** DeleteRetentionPolicy: events never expire again. */
  deleteRetention(name: string): void {
    const g = this.group(name);
    delete g.retentionInDays;
  }

  /** TagResource / TagLogGroup: merges tags (at most 50 per resource). */
  tag(name: string, tags: Record<string, string>): void {
    const g = this.group(name);
    validateTags(tags);
    const merged = { ...g.tags, ...tags };
    if (Object.keys(merged).length > 50)
      throw new ServiceError('TooManyTagsException', 'A resource can have no more than 50 tags.');
    g.tags = merged;
  }

  /** UntagResource / UntagLogGroup. */
  untag(name: string, keys: string[]): void {
    const g = this.group(name);
    for (const k of keys) delete g.tags[k];
  }

  /** CreateLogStream. */
  createStream(group: string, name: string): LogStream {
    const g = this.group(group);
    validateStreamName(name);
    if (g.streams.has(name))
      throw new ServiceError('ResourceAlreadyExistsException', 'The specified log stream already exists');
    const s: LogStream = { name, creationTime: this.#now(), events: [] };
    g.streams.set(name, s);
    return s;
  }

  /** DeleteLogStream. */
  deleteStream(group: string, name: string): void {
    const g = this.group(group);
    if (!g.streams.delete(name)) throw streamNotFound();
  }

  /**
   * PutLogEvents: events in chronological order within 24 hours; events more than 2 hours in the
   * future, older than 14 days or older than the retention are rejected (reported by index)
   * while the others are stored.
   */
  putEvents(
    group: string,
    streamName: string,
    events: Array<{ timestamp: unknown; message: unknown }>,
  ): { rejected?: Record<string, number> } {
    if (!Array.isArray(events) || events.length === 0)
      throw invalid(
        "1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    if (events.length > MAX_BATCH_EVENTS)
      throw invalid(
        `1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to ${MAX_BATCH_EVENTS}`,
      );
    const g = this.group(group);
    const stream = g.streams.get(streamName);
    if (!stream) throw streamNotFound();
    let bytes = 0;
    const parsed = events.map((e, i) => {
      const timestamp = Number(e?.timestamp);
      if (!Number.isInteger(timestamp) || timestamp < 0)
        throw invalid(
          `1 validation error detected: Value null at 'logEvents.${i + 1}.member.timestamp' failed to satisfy constraint: Member must not be null`,
        );
      if (typeof e?.message !== 'string' || e.message === '')
        throw invalid(
          `1 validation error detected: Value null at 'logEvents.${i + 1}.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1`,
        );
      bytes += Buffer.byteLength(e.message) + EVENT_OVERHEAD;
      return { timestamp, message: e.message };
    });
    if (bytes > MAX_BATCH_BYTES)
      throw invalid(`Upload too large: ${bytes} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
    for (let i = 1; i < parsed.length; i++) {
      if ((parsed[i]?.timestamp ?? 0) < (parsed[i - 1]?.timestamp ?? 0))
        throw invalid('Log events in a single PutLogEvents request must be in chronological order.');
    }
    const first = parsed[0]?.timestamp ?? 0;
    const last = parsed[parsed.length - 1]?.timestamp ?? 0;
    if (last - first > DAY)
      throw invalid(
        'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.',
      );
    const now = this.#now();
    const rejected: Record<string, number> = {};
    const retentionStart = g.retentionInDays === undefined ? undefined : now - g.retentionInDays * DAY;
    parsed.forEach((e, i) => {
      if (e.timestamp > now + 2 * HOUR) {
        rejected.tooNewLogEventStartIndex ??= i;
        return;
      }
      if (retentionStart !== undefined && e.timestamp < retentionStart) {
        rejected.expiredLogEventEndIndex = i;
        return;
      }
      if (e.timestamp < now - 14 * DAY) {
        rejected.tooOldLogEventEndIndex = i + 1;
        return;
      }
      this.#seq += 1;
      insertSorted(stream.events, {
        timestamp: e.timestamp,
        message: e.message,
        ingestionTime: now,
        seq: this.#seq,
        stream: stream.name,
      });
      stream.lastIngestionTime = now;
    });
    if (stream.events.length > MAX_STREAM_EVENTS)
      stream.events.splice(0, stream.events.length - MAX_STREAM_EVENTS);
    return Object.keys(rejected).length > 0 ? { rejected } : {};
  }

  /**
   * GetLogEvents: one stream, oldest first within a page. Without a token it starts from the
   * newest events unless `startFromHead`; `f/…` pages forward, `b/…` backward; at either end the
   * token given comes back unchanged.
   */
  getEvents(input: {
    group: string;
    stream: string;
    startTime?: unknown;
    endTime?: unknown;
    nextToken?: unknown;
    limit?: unknown;
    startFromHead?: unknown;
  }): { events: LogEvent[]; nextForwardToken: string; nextBackwardToken: string } {
    const stream = this.stream(input.group, input.stream);
    const limit = pageLimit(input.limit, MAX_PAGE_EVENTS);
    const start = optionalTime(input.startTime, 'startTime');
    const end = optionalTime(input.endTime, 'endTime');
    // startTime inclusive, endTime exclusive (API Reference, GetLogEvents).
    const inRange = stream.events.filter(
      (e) => (start === undefined || e.timestamp >= start) && (end === undefined || e.timestamp < end),
    );
    let page: LogEvent[];
    let token: ReturnType<typeof decodeToken> | undefined;
    if (typeof input.nextToken === 'string' && input.nextToken !== '') {
      token = decodeToken(input.nextToken);
      const cursor = token.cursor;
      if (token.direction === 'f')
        page = takePage(
          inRange.filter((e) => compare(e, cursor) > 0),
          limit,
        );
      else page = takePage(inRange.filter((e) => compare(e, cursor) < 0).reverse(), limit).reverse();
    } else if (input.startFromHead === true) {
      page = takePage(inRange, limit);
    } else {
      page = takePage([...inRange].reverse(), limit).reverse();
    }
    const firstEvent = page[0];
    const lastEvent = page[page.length - 1];
    if (!firstEvent || !lastEvent) {
      // Nothing in this direction: hand the caller's token back (that is how the end is detected).
      const given = typeof input.nextToken === 'string' ? input.nextToken : undefined;
      const edge: Cursor =
        token?.cursor ?? (input.startFromHead === true ? { timestamp: 0, seq: 0 } : endCursor(inRange));
      return {
        events: [],
        nextForwardToken: given?.startsWith('f/') ? given : encodeToken('f', edge),
        nextBackwardToken: given?.startsWith('b/') ? given : encodeToken('b', edge),
      };
    }
    return {
      events: page,
      nextForwardToken: encodeToken('f', lastEvent),
      nextBackwardToken: encodeToken('b', firstEvent),
    };
  }

  /**
   * FilterLogEvents: events of every stream (or the named ones, or those with the prefix) between
   * `startTime` and `endTime` (both inclusive) matching the filter pattern, in time order, paged
   * by an opaque `nextToken`.
   */
  filterEvents(input: {
    group: string;
    streamNames?: unknown;
    streamPrefix?: unknown;
    startTime?: unknown;
    endTime?: unknown;
    filterPattern?: unknown;
    nextToken?: unknown;
    limit?: unknown;
  }): { events: LogEvent[]; searched: string[]; nextToken?: string } {
    const g = this.group(input.group);
    if (input.streamNames !== undefined && input.streamPrefix !== undefined)
      throw invalid('Cannot specify both logStreamNames and logStreamNamePrefix');
    const limit = pageLimit(input.limit, MAX_PAGE_EVENTS);
    const start = optionalTime(input.startTime, 'startTime');
    const end = optionalTime(input.endTime, 'endTime');
    const match = compileFilterPattern(
      typeof input.filterPattern === 'string' ? input.filterPattern : undefined,
    );
    let streams = [...g.streams.values()];
    if (Array.isArray(input.streamNames)) {
      if (input.streamNames.length === 0 || input.streamNames.length > 100)
        throw invalid(
          "1 validation error detected: Value at 'logStreamNames' failed to satisfy constraint: Member must have length between 1 and 100",
        );
      const wanted = new Set(input.streamNames.map(String));
      streams = streams.filter((s) => wanted.has(s.name));
    } else if (typeof input.streamPrefix === 'string') {
      const prefix = input.streamPrefix;
      streams = streams.filter((s) => s.name.startsWith(prefix));
    }
    let after: Cursor | undefined;
    if (typeof input.nextToken === 'string' && input.nextToken !== '')
      after = decodeFilterToken(input.nextToken);
    const matching = streams
      .flatMap((s) => s.events)
      .filter(
        (e) =>
          (start === undefined || e.timestamp >= start) &&
          (end === undefined || e.timestamp <= end) &&
          (after === undefined || compare(e, after) > 0) &&
          match(e.message),
      )
      .sort(compare);
    const page = takePage(matching, limit);
    const last = page[page.length - 1];
    const out: { events: LogEvent[]; searched: string[]; nextToken?: string } = {
      events: page,
      searched: streams.map((s) => s.name),
    };
    if (last && page.length < matching.length) out.nextToken = encodeFilterToken(last);
    return out;
  }
}

function endCursor(events: LogEvent[]): Cursor {
  const last = events[events.length - 1];
  return last ? { timestamp: last.timestamp, seq: last.seq } : { timestamp: 0, seq: 0 };
}

function encodeFilterToken(c: Cursor): string {
  return Buffer.from(JSON.stringify({ t: c.timestamp, s: c.seq })).toString('base64url');
}

function decodeFilterToken(token: string): Cursor {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { t?: unknown; s?: unknown };
    if (typeof v.t === 'number' && typeof v.s === 'number') return { timestamp: v.t, seq: v.s };
  } catch {
    // fall through
  }
  throw invalid('The specified nextToken is invalid.');
}

function insertSorted(events: LogEvent[], e: LogEvent): void {
  let i = events.length;
  while (i > 0 && compare(events[i - 1] as LogEvent, e) > 0) i -= 1;
  events.splice(i, 0, e);
}

function validateTags(tags: Record<string, string>): void {
  for (const [k, v] of Object.entries(tags)) {
    if (k.length === 0 || k.length > 128 || k.startsWith('aws:')) throw invalid(`Invalid tag key: ${k}`);
    if (typeof v !== 'string' || v.length > 256) throw invalid(`Invalid tag value for key ${k}`);
  }
}
