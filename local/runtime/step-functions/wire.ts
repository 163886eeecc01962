/**
 * The AWS JSON 1.0 wire protocol of the Step Functions emulator: one operation's parameters in
 * (`X-Amz-Target: AWSStepFunctions.<op>`), its JSON body out, dates as epoch seconds, pages with `nextToken`.
 */
import type { StepFunctionsEmulator } from './emulator.ts';
import {
  type ExecutionRecord,
  type ExecutionStatus,
  type HistoryEvent,
  SfnServiceError,
} from './execution.ts';

type Json = Record<string, unknown>;

const toEpochSeconds = (date: Date | undefined): number | undefined =>
  date === undefined ? undefined : date.getTime() / 1000;

function summary(record: ExecutionRecord): Json {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: toEpochSeconds(record.startDate),
    stopDate: toEpochSeconds(record.stopDate),
  };
}

function page<T>(items: T[], params: Json): { items: T[]; nextToken?: string } {
  const max =
    typeof params['maxResults'] === 'number' && params['maxResults'] > 0 ? params['maxResults'] : 1000;
  const start = typeof params['nextToken'] === 'string' ? Number.parseInt(params['nextToken'], 10) || 0 : 0;
  const slice = items.slice(start, start + max);
  return start + max < items.length ? { items: slice, nextToken: String(start + max) } : { items: slice };
}

function serializeEvent(event: HistoryEvent, includeData: boolean): Json {
  const out: Json = { ...event, timestamp: toEpochSeconds(event.timestamp) };
  if (!includeData) {
    for (const [key, value] of Object.entries(out)) {
      if (key.endsWith('EventDetails') && value && typeof value === 'object') {
        const copy: Json = { ...(value as Json) };
        delete copy['input'];
        delete copy['output'];
        out[key] = copy;
      }
    }
  }
  return out;
}

/**
 * Answers one AWS JSON 1.0 Step Functions operation (`op` from `X-Amz-Target: AWSStepFunctions.<op>`).
 * Returns the JSON body; throws {@link SfnServiceError} for API errors.
 */
export function handleStepFunctionsOperation(sfn: StepFunctionsEmulator, op: string, params: Json): Json {
  switch (op) {
    case 'StartExecution': {
      const started = sfn.startExecution({
        stateMachineArn: String(params['stateMachineArn'] ?? ''),
        ...(typeof params['name'] === 'string' ? { name: params['name'] } : {}),
        ...(typeof params['input'] === 'string' ? { input: params['input'] } : {}),
      });
      return { executionArn: started.executionArn, startDate: toEpochSeconds(started.startDate) };
    }
    case 'DescribeExecution': {
      const record = sfn.getExecution(String(params['executionArn'] ?? ''));
      const out: Json = {
        ...summary(record),
        input: record.input,
        inputDetails: { included: true },
        redriveCount: 0,
        redriveStatus: 'NOT_REDRIVABLE',
      };
      if (record.output !== undefined) {
        out['output'] = record.output;
        out['outputDetails'] = { included: true };
      }
      if (record.error !== undefined) out['error'] = record.error;
      if (record.cause !== undefined) out['cause'] = record.cause;
      if (record.parentExecutionArn) out['parentExecutionArn'] = record.parentExecutionArn;
      return out;
    }
    case 'ListExecutions': {
      const statusFilter = typeof params['statusFilter'] === 'string' ? params['statusFilter'] : undefined;
      const validStatuses = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
      if (statusFilter !== undefined && !validStatuses.includes(statusFilter)) {
        throw new SfnServiceError(
          'ValidationException',
          `statusFilter must be one of ${validStatuses.join(', ')}`,
        );
      }
      const records = sfn.listExecutions({
        ...(typeof params['stateMachineArn'] === 'string'
          ? { stateMachineArn: params['stateMachineArn'] }
          : {}),
        ...(statusFilter ? { statusFilter: statusFilter as ExecutionStatus } : {}),
      });
      const { items, nextToken } = page(records.map(summary), params);
      return nextToken ? { executions: items, nextToken } : { executions: items };
    }
    case 'GetExecutionHistory': {
      const record = sfn.getExecution(String(params['executionArn'] ?? ''));
      const includeData = params['includeExecutionData'] !== false;
      const ordered = params['reverseOrder'] === true ? [...record.events].reverse() : [...record.events];
      const { items, nextToken } = page(
        ordered.map((e) => serializeEvent(e, includeData)),
        params,
      );
      return nextToken ? { events: items, nextToken } : { events: items };
    }
    case 'StopExecution': {
      const { stopDate } = sfn.stopExecution(
        String(params['executionArn'] ?? ''),
        typeof params['error'] === 'string' ? params['error'] : undefined,
        typeof params['cause'] === 'string' ? params['cause'] : undefined,
      );
      return { stopDate: toEpochSeconds(stopDate) };
    }
    case 'ListStateMachines': {
      const machines = sfn.listStateMachines().map((m) => ({
        stateMachineArn: m.stateMachineArn,
        name: m.name,
        type: 'STANDARD',
        creationDate: toEpochSeconds(m.creationDate),
      }));
      const { items, nextToken } = page(machines, params);
      return nextToken ? { stateMachines: items, nextToken } : { stateMachines: items };
    }
    case 'DescribeStateMachine': {
      const machine = sfn.describeStateMachine(String(params['stateMachineArn'] ?? ''));
      return {
        stateMachineArn: machine.stateMachineArn,
        name: machine.name,
        status: 'ACTIVE',
        definition: machine.definition,
        roleArn: 'arn:aws:iam::000000000000:role/berth-local-states',
        type: 'STANDARD',
        creationDate: toEpochSeconds(machine.creationDate),
      };
    }
    default:
      throw new SfnServiceError('UnknownOperationException', `Unknown operation ${op}`);
  }
}
