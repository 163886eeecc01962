/** Request counters per `service:action`, read by benchmarks through `/_berth/metrics`. */
export interface ActionMetrics {
  requests: number;
  throttles: number;
  serverErrors: number;
  clientErrors: number;
}

export class Metrics {
  #byAction = new Map<string, ActionMetrics>();

  #entry(key: string): ActionMetrics {
    let m = this.#byAction.get(key);
    if (!m) {
      m = { requests: 0, throttles: 0, serverErrors: 0, clientErrors: 0 };
      this.#byAction.set(key, m);
    }
    return m;
  }

  /** Counts one request. */
  request(service: string, action: string): void {
    this.#entry(`${service}:${action}`).requests++;
  }

  /** Counts one throttled answer. */
  throttle(service: string, action: string): void {
    this.#entry(`${service}:${action}`).throttles++;
  }

  /** Counts one error answer by its status. */
  error(service: string, action: string, status: number): void {
    const m = this.#entry(`${service}:${action}`);
    if (status >= 500) m.serverErrors++;
    else m.clientErrors++;
  }

  /** Totals and per-action counters. */
  snapshot(): { totals: ActionMetrics; actions: Record<string, ActionMetrics> } {
    const totals: ActionMetrics = { requests: 0, throttles: 0, serverErrors: 0, clientErrors: 0 };
    const actions: Record<string, ActionMetrics> = {};
    for (const [k, v] of [...this.#byAction.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      actions[k] = { ...v };
      totals.requests += v.requests;
      totals.throttles += v.throttles;
      totals.serverErrors += v.serverErrors;
      totals.clientErrors += v.clientErrors;
    }
    return { totals, actions };
  }

  reset(): void {
    this.#byAction.clear();
  }
}
