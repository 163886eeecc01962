/**
 * An AWS API error as the emulator answers it. `code` is the AWS error shape name
 * (`ClusterNotFoundException`, `InvalidGroup.NotFound`, `AlreadyExists`); the protocol
 * layer renders it in the service's wire format.
 */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status = 400) {
    super(message);
    this.code = code;
    this.status = status;
  }

  /** `Sender` for 4xx (the caller's fault), `Receiver` for 5xx. */
  get faultType(): 'Sender' | 'Receiver' {
    return this.status >= 500 ? 'Receiver' : 'Sender';
  }
}
