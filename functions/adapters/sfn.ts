import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { awsErrorCode, mapAwsError } from './map-aws-error.ts';

export interface StartedExecution {
  readonly executionArn: string;
  readonly startDate?: Date;
  /** false when an execution with this name already existed and is returned instead. */
  readonly started: boolean;
}

export interface ExecutionSummary {
  readonly executionArn: string;
  readonly name: string;
  readonly status: string;
  readonly startDate?: Date;
  readonly stopDate?: Date;
}

/** Execution ARN of a named execution of a state machine (same account/region/partition). */
export function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/**
 * Step Functions access for the API, Slack and nightly handlers.
 *
 * @example
 * const sfn = new AwsSfnAdapter(sfnClient());
 * await sfn.startExecution({ stateMachineArn, name: `up-demo-${requestId}`, input: { env: 'demo' } });
 */
export class AwsSfnAdapter {
  constructor(private readonly client: SFNClient) {}

  /**
   * Starts an execution. Idempotent: when an execution with this name already exists
   * (`ExecutionAlreadyExists`), it is described and returned with `started: false`.
   */
  async startExecution(input: {
    readonly stateMachineArn: string;
    readonly name: string;
    readonly input: unknown;
  }): Promise<StartedExecution> {
    try {
      const out = await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: input.stateMachineArn,
          name: input.name,
          input: JSON.stringify(input.input),
        }),
      );
      return {
        executionArn: out.executionArn ?? executionArnFor(input.stateMachineArn, input.name),
        ...(out.startDate ? { startDate: out.startDate } : {}),
        started: true,
      };
    } catch (err) {
      if (awsErrorCode(err) !== 'ExecutionAlreadyExists') {
        throw mapAwsError(err, `sfn.StartExecution ${input.name}`);
      }
      const existing = await this.describeExecution(executionArnFor(input.stateMachineArn, input.name));
      return {
        executionArn: existing.executionArn ?? executionArnFor(input.stateMachineArn, input.name),
        ...(existing.startDate ? { startDate: existing.startDate } : {}),
        started: false,
      };
    }
  }

  /** DescribeExecution, errors mapped. */
  async describeExecution(executionArn: string): Promise<DescribeExecutionOutput> {
    try {
      return await this.client.send(new DescribeExecutionCommand({ executionArn }));
    } catch (err) {
      throw mapAwsError(err, `sfn.DescribeExecution ${executionArn}`);
    }
  }

  /** Every history event of an execution (all pages, oldest first unless `reverse`). */
  async getExecutionHistory(
    executionArn: string,
    options: { readonly reverse?: boolean; readonly maxEvents?: number } = {},
  ): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      try {
        const page = await this.client.send(
          new GetExecutionHistoryCommand({
            executionArn,
            reverseOrder: options.reverse ?? false,
            includeExecutionData: false,
            ...(nextToken ? { nextToken } : {}),
          }),
        );
        events.push(...(page.events ?? []));
        nextToken = page.nextToken;
      } catch (err) {
        throw mapAwsError(err, `sfn.GetExecutionHistory ${executionArn}`);
      }
    } while (nextToken !== undefined && events.length < (options.maxEvents ?? Infinity));
    return events;
  }

  /** The newest execution of a state machine (ListExecutions lists newest first), or undefined. */
  async latestExecution(stateMachineArn: string): Promise<ExecutionSummary | undefined> {
    try {
      const page = await this.client.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1 }));
      const e = page.executions?.[0];
      if (e === undefined) return undefined;
      return {
        executionArn: e.executionArn ?? '',
        name: e.name ?? '',
        status: e.status ?? 'UNKNOWN',
        ...(e.startDate ? { startDate: e.startDate } : {}),
        ...(e.stopDate ? { stopDate: e.stopDate } : {}),
      };
    } catch (err) {
      throw mapAwsError(err, `sfn.ListExecutions ${stateMachineArn}`);
    }
  }
}
