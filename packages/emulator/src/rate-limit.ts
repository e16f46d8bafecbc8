/** A true sliding-window limiter: at most `limit` accepted requests in any `windowMs`, per key. */
export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();
  constructor(
    private readonly limit: number,
    private readonly windowMs = 1000,
  ) {}

  /** Records and accepts a request at `now`, or returns false when the window is full. */
  tryAcquire(key: string, now: number): boolean {
    const list = this.hits.get(key) ?? [];
    let drop = 0;
    while (drop < list.length && list[drop]! <= now - this.windowMs) drop++;
    if (drop > 0) list.splice(0, drop);
    if (list.length >= this.limit) {
      this.hits.set(key, list);
      return false;
    }
    list.push(now);
    this.hits.set(key, list);
    return true;
  }
}
