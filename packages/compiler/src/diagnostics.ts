import { WedataKitError } from "@wedata-kit/dsl";
import type { SourceLocation } from "@wedata-kit/dsl";

/** One problem found while compiling, pointing at the user's builder call. */
export interface Diagnostic {
  /** Stable code, e.g. `E_CYCLE`; tests match on it. */
  readonly code: string;
  readonly message: string;
  readonly loc: SourceLocation;
  readonly hint?: string;
  /** Path inside the payload, when the problem is a payload field. */
  readonly path?: string;
  /** A warning does not stop the compile; default an error. */
  readonly severity?: "error" | "warning";
}

/** `file:line:col error[code]: message`, then the payload path and a hint, indented. */
export function formatDiagnostic(d: Diagnostic): string {
  const lines = [`${d.loc.file}:${d.loc.line}:${d.loc.column} ${d.severity ?? "error"}[${d.code}]: ${d.message}`];
  if (d.path) lines.push(`  at payload ${d.path}`);
  if (d.hint) lines.push(`  hint: ${d.hint}`);
  return lines.join("\n");
}

/** Thrown when compilation found problems; nothing was written. */
export class CompileError extends WedataKitError {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(
      "E_COMPILE",
      `${diagnostics.length} problem${diagnostics.length === 1 ? "" : "s"} ` +
        `found:\n${diagnostics.map(formatDiagnostic).join("\n")}`,
    );
  }
}
