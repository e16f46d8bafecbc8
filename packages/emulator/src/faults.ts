/** How one action misbehaves. Rates are probabilities in [0, 1], drawn from a seeded generator. */
export interface FaultRule {
  /** Added latency: a fixed number of ms, or uniform in [min, max]. */
  readonly latencyMs?: number | { readonly min: number; readonly max: number };
  /** Error answers by code, e.g. `{ InternalError: 0.1, RequestLimitExceeded: 0.05 }`; nothing is executed. */
  readonly errors?: Readonly<Record<string, number>>;
  /** The connection is reset before the request is executed. */
  readonly resetRate?: number;
  /** The write is committed, then the response is lost: the connection is reset. */
  readonly lostResponseRate?: number;
  /** The write is committed, then the response never comes (the client times out). */
  readonly hangAfterCommitRate?: number;
  /** An update, submit or delete is answered `Data.Status: false` and not applied. */
  readonly statusFalseRate?: number;
  /**
   * At most this many faults for the same request (same action and body): its next retry goes through.
   * Makes a fault test deterministic about convergence, however the requests interleave.
   */
  readonly maxFaultsPerRequest?: number;
}

export interface FaultConfig {
  readonly seed?: number;
  /** Applies to every action without its own rule. */
  readonly default?: FaultRule;
  readonly actions?: Readonly<Record<string, FaultRule>>;
}

export type FaultDecision =
  | { readonly kind: "none" }
  | { readonly kind: "error"; readonly code: string }
  | { readonly kind: "reset" }
  | { readonly kind: "lost" }
  | { readonly kind: "hang" }
  | { readonly kind: "statusFalse" };

/** mulberry32: small, fast and seedable, so a fault run can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private random: () => number;
  constructor(private config: FaultConfig = {}) {
    this.random = mulberry32(config.seed ?? 1);
  }

  set(config: FaultConfig): void {
    this.config = config;
    this.random = mulberry32(config.seed ?? 1);
    this.faultsByRequest.clear();
  }

  private rule(action: string): FaultRule | undefined {
    return this.config.actions?.[action] ?? this.config.default;
  }

  latency(action: string): number {
    const l = this.rule(action)?.latencyMs;
    if (l === undefined) return 0;
    return typeof l === "number" ? l : l.min + this.random() * (l.max - l.min);
  }

  private readonly faultsByRequest = new Map<string, number>();

  /** What happens to this request (`fingerprint`: its action and body); one draw per configured fault, in a fixed
   * order. */
  decide(action: string, fingerprint = ""): FaultDecision {
    const r = this.rule(action);
    if (!r) return { kind: "none" };
    const decision = this.draw(r);
    if (decision.kind === "none" || r.maxFaultsPerRequest === undefined) return decision;
    const n = this.faultsByRequest.get(fingerprint) ?? 0;
    if (n >= r.maxFaultsPerRequest) return { kind: "none" };
    this.faultsByRequest.set(fingerprint, n + 1);
    return decision;
  }

  private draw(r: FaultRule): FaultDecision {
    if (r.resetRate && this.random() < r.resetRate) return { kind: "reset" };
    for (const [code, rate] of Object.entries(r.errors ?? {})) if (this.random() < rate) return { kind: "error", code };
    if (r.lostResponseRate && this.random() < r.lostResponseRate) return { kind: "lost" };
    if (r.hangAfterCommitRate && this.random() < r.hangAfterCommitRate) return { kind: "hang" };
    if (r.statusFalseRate && this.random() < r.statusFalseRate) return { kind: "statusFalse" };
    return { kind: "none" };
  }
}
