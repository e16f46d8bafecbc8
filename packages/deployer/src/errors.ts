/** An API call that failed, with what the cloud said and what the deployer makes of it. */
export class ApiCallError extends Error {
  override readonly name = "ApiCallError";
  constructor(
    readonly action: string,
    /** The API error code; undefined for transport failures (timeouts, resets, HTTP errors). */
    readonly code: string | undefined,
    message: string,
    readonly requestId: string | undefined,
    /** True when the request may or may not have been executed (timeout, reset, InternalError). */
    readonly ambiguous: boolean,
    readonly httpCode?: number,
  ) {
    super(message);
  }

  /** Worth trying again: throttling, server trouble, or a transport failure. */
  get retryable(): boolean {
    if (this.code === undefined) return true;
    return (
      RETRYABLE.some((c) => this.code === c || this.code!.startsWith(`${c}.`)) ||
      this.code === "InvalidParameter.ServiceIsBusy"
    );
  }
}

// FailedOperation.StatusFalse: an update, submit or delete answered Data.Status false (see sdk-client.ts).
const RETRYABLE = [
  "RequestLimitExceeded",
  "InternalError",
  "ServiceUnavailable",
  "ResourceUnavailable",
  "ResourceInUse",
  "FailedOperation.StatusFalse",
];
