/**
 * Step Functions Standard bills per state transition: "each time a step of your workflow is executed", retries
 * included (AWS Step Functions pricing; Developer Guide, "Quotas related to state transitions"). From an execution's
 * history: one transition per `…StateEntered` event, plus one per retry of a Task — a Task state entered once but
 * scheduled n times (`LambdaFunctionScheduled`, `TaskScheduled`, `ActivityScheduled`) was retried n − 1 times.
 *
 * @example stateTransitionsOf(['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'SucceedStateEntered']) // 2
 */
export function stateTransitionsOf(eventTypes: readonly (string | undefined)[]): number {
  let entered = 0;
  let tasksEntered = 0;
  let scheduled = 0;
  for (const type of eventTypes) {
    if (type === undefined) continue;
    if (type.endsWith('StateEntered')) {
      entered += 1;
      if (type === 'TaskStateEntered') tasksEntered += 1;
    } else if (SCHEDULED.has(type)) {
      scheduled += 1;
    }
  }
  return entered + Math.max(0, scheduled - tasksEntered);
}

const SCHEDULED: ReadonlySet<string> = new Set([
  'LambdaFunctionScheduled',
  'TaskScheduled',
  'ActivityScheduled',
]);
