import type { SourceLocation } from "./source-location.js";

/** A misuse of the builder API that is certain at call time; thrown at once, pointing at the user's line. */
export class DslError extends Error {
  override readonly name = "DslError";
  constructor(
    readonly code: string,
    message: string,
    readonly loc: SourceLocation,
    readonly hint?: string,
  ) {
    super(message);
  }
}
