import { enterCall, leaveCall, type SourceLocation } from "./source-location.js";

/**
 * The base of every error wedata-kit raises on purpose (the emulator, independent by design, keeps its
 * own; the deployer's ApiCallError carries the service's code instead): `name` is the class's, `code` a
 * stable identifier that tests and tools match on.
 */
export class WedataKitError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A misuse of the builder API that is certain at call time; thrown at once, pointing at the user's line. */
export class DslError extends WedataKitError {
  constructor(
    code: string,
    message: string,
    readonly loc: SourceLocation,
    readonly hint?: string,
  ) {
    super(code, message);
  }
}

/** A builder misuse recorded on the node instead of thrown, so every one in a file is reported at once. */
export interface DslProblem {
  readonly code: string;
  readonly message: string;
  readonly loc: SourceLocation;
  readonly hint?: string;
}

export const isDslError = (e: unknown): e is DslError =>
  e instanceof DslError || (e instanceof Error && e.name === "DslError");

export const problemOf = (e: DslError): DslProblem =>
  Object.freeze({ code: e.code, message: e.message, loc: e.loc, ...(e.hint !== undefined && { hint: e.hint }) });

/**
 * Make every public method of a builder class record a misuse on the node it returns (leaving that
 * setting as it was) instead of throwing: a module keeps loading, and the compiler reports every
 * problem of every file together, each at its own line.
 */
export function recordMisuse<B extends object>(
  proto: B,
  skip: readonly string[],
  withProblem: (self: B, problem: DslProblem) => B,
): void {
  for (const name of Object.getOwnPropertyNames(proto)) {
    const d = Object.getOwnPropertyDescriptor(proto, name);
    if (name === "constructor" || skip.includes(name) || !d || typeof d.value !== "function") continue;
    const method = d.value as (...args: unknown[]) => B;
    // Where it was called from is captured here, once, for the method and what it calls (see `enterCall`).
    const recorded = function (this: B, ...args: unknown[]): B {
      const outer = enterCall(recorded);
      try {
        return method.apply(this, args);
      } catch (e) {
        if (isDslError(e)) return withProblem(this, problemOf(e));
        throw e;
      } finally {
        leaveCall(outer);
      }
    };
    Object.defineProperty(proto, name, { ...d, value: recorded });
  }
}

/** Run a check and keep its problem instead of throwing; undefined when it failed. */
export function attempt<T>(problems: DslProblem[], f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (!isDslError(e)) throw e;
    problems.push(problemOf(e));
    return undefined;
  }
}

/**
 * A value the surrounding code guarantees (a map entry added a few lines before, a list item found by a
 * key that came from the same list): returns it, or throws a `WedataKitError` `E_INTERNAL` naming what was
 * missing, instead of carrying `undefined` on to fail somewhere unrelated.
 */
export function must<T>(value: T | undefined, what: string): T {
  if (value === undefined)
    throw new WedataKitError("E_INTERNAL", `internal error: ${what} is missing; please report it`);
  return value;
}
