import { sleep } from "@wedata-kit/compiler";
import PQueue from "p-queue";
import { ApiCallError } from "./errors.js";
import type { Action, RequestOf, ResponseOf, WedataApi } from "./sdk-client.js";

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 10, baseDelayMs: 200, maxDelayMs: 8000 };

export interface CallerOptions {
  /** Requests per second per action (default 20, WeData's documented limit). */
  readonly rate?: number;
  /** Requests in flight per action (default: the rate). */
  readonly concurrency?: number;
  readonly retry?: RetryPolicy;
  /** Source of jitter; injectable for tests. */
  readonly random?: () => number;
  readonly onRetry?: (action: Action, error: ApiCallError, attempt: number, delayMs: number) => void;
  /** Called as each request is sent (after pacing), with its time in ms. */
  readonly onSend?: (action: Action, at: number) => void;
}

export interface CallOptions {
  /**
   * Retry also when the outcome is unknown (timeout, reset, InternalError). True for reads and for
   * writes that are safe to repeat; a create passes false and resolves the ambiguity itself.
   */
  readonly retryAmbiguous: boolean;
  /** Retry API error codes too (throttling, ...); false retries only transport failures (default true). */
  readonly retryCodes?: boolean;
}

/**
 * Requests are spaced 4% wider than the limit allows (52 ms at 20/s) on a fixed grid of slots: a start
 * that fires late does not push the next slot, so the rate stays at 0.96 of the limit, and 21 slots span
 * 1,040 ms, so up to 40 ms of lateness and network jitter cannot bunch 21 starts into one server second.
 */
export const PACING_MARGIN = 1.04;

/**
 * Every call goes through one p-queue per action: at most `concurrency` in flight and, as a hard cap,
 * at most `rate` starts in any sliding second (`strict`). Inside it, starts are paced evenly on the slot
 * grid above, since bursts of `rate` at once would fit a client window but, delayed unevenly on the
 * way, could overflow the server's. Retryable failures back off exponentially with jitter and go
 * through the queue again.
 */
export class RateLimitedCaller {
  private readonly queues = new Map<Action, PQueue>();
  /** The next free start slot (ms since epoch) per action. */
  private readonly nextSlot = new Map<Action, number>();
  private readonly spacingMs: number;
  private readonly sent = new Map<Action, number>();
  readonly rate: number;
  private readonly concurrency: number;
  private readonly retry: RetryPolicy;
  private readonly random: () => number;

  constructor(
    private readonly api: WedataApi,
    private readonly options: CallerOptions = {},
  ) {
    this.rate = options.rate ?? 20;
    this.concurrency = options.concurrency ?? this.rate;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.random = options.random ?? Math.random;
    this.spacingMs = (1000 * PACING_MARGIN) / this.rate;
  }

  private queue(action: Action): PQueue {
    let q = this.queues.get(action);
    if (!q) {
      q = new PQueue({
        concurrency: this.concurrency,
        intervalCap: Math.max(1, Math.floor(this.rate)),
        interval: 1000,
        strict: true,
      });
      this.queues.set(action, q);
    }
    return q;
  }

  /** Wait for this action's next slot on the grid; slots are taken in queue order. */
  private async slot(action: Action): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.nextSlot.get(action) ?? 0);
    this.nextSlot.set(action, at + this.spacingMs);
    if (at > now) await sleep(at - now);
    // The hard cap, where it matters: at the moment of sending. A timer that fired late lets the next
    // slots come due together; no more than `rate` sends may fall in any sliding second, however late.
    const sends = this.sends.get(action) ?? [];
    this.sends.set(action, sends);
    const cap = Math.max(1, Math.floor(this.rate));
    for (;;) {
      const t = Date.now();
      while (sends.length > 0 && sends[0]! <= t - 1000) sends.shift();
      if (sends.length < cap) {
        sends.push(t);
        this.options.onSend?.(action, t);
        return;
      }
      await sleep(sends[0]! + 1001 - t);
    }
  }
  /** When the recent requests of each action were sent (the last second's worth). */
  private readonly sends = new Map<Action, number[]>();

  /** Requests actually sent per action, retries included. */
  get counts(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.sent);
  }

  backoff(attempt: number): number {
    const cap = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
    return Math.round(cap / 2 + (this.random() * cap) / 2);
  }

  async call<A extends Action>(action: A, request: RequestOf<A>, options: CallOptions): Promise<ResponseOf<A>> {
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.queue(action).add(async () => {
          await this.slot(action);
          this.sent.set(action, (this.sent.get(action) ?? 0) + 1);
          return this.api.call(action, request);
        })) as ResponseOf<A>;
      } catch (e) {
        const err =
          e instanceof ApiCallError
            ? e
            : new ApiCallError(action, undefined, String((e as Error)?.message ?? e), undefined, true);
        const again =
          err.retryable &&
          (!err.ambiguous || options.retryAmbiguous) &&
          (options.retryCodes !== false || err.code === undefined || err.code.startsWith("RequestLimitExceeded")) &&
          attempt + 1 < this.retry.attempts;
        if (!again) {
          // A give-up after retries says so, and keeps the last error's code and message.
          if (attempt > 0)
            throw new ApiCallError(
              err.action,
              err.code,
              `${err.message} (gave up after ${attempt + 1} attempts)`,
              err.requestId,
              err.ambiguous,
              err.httpCode,
            );
          throw err;
        }
        const delay = this.backoff(attempt);
        this.options.onRetry?.(action, err, attempt + 1, delay);
        await sleep(delay);
      }
    }
  }
}
