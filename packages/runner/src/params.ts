/*
 * WeData's parameter passing, as its "Parameter Passing" and "Scheduling Parameters" pages describe:
 * `${name}` in a task's code is replaced by the value of a parameter of that name (workflow parameters,
 * the task's scheduling parameters, its input parameters); any other `${...}` that is a time parameter
 * is replaced by its value at the data time. An output parameter is a constant or a variable over the
 * task's result: `$[n][m]` row n, column m (from 0), `$[n][*]` a row, `$[*][n]` a column, `$[*][*]` all
 * of it, `$[n]` the first column of row n.
 */
import { timeParameter, type DataTime } from "./time-params.js";

export interface Substitution {
  readonly text: string;
  /** `${...}` expressions that are neither a known parameter nor a time parameter, left as written. */
  readonly unresolved: readonly string[];
}

/** Replace `${name}` by parameter values and time parameters by their value at `base`. */
export function substitute(text: string, vars: ReadonlyMap<string, string>, base: DataTime): Substitution {
  const unresolved = new Set<string>();
  const out = text.replace(/\$\{([^{}\n]{1,200})\}/g, (whole, expr: string) => {
    const name = expr.trim();
    const v = vars.get(name);
    if (v !== undefined) return v;
    const t = timeParameter(name, base);
    if (t !== undefined) return t;
    unresolved.add(whole);
    return whole;
  });
  return { text: out, unresolved: [...unresolved] };
}

/**
 * Resolve an ordered list of parameters: each value may hold time parameters and refer to parameters
 * defined before it (or in `outer`).
 */
export function resolveParams(
  list: ReadonlyArray<readonly [string, string]>,
  base: DataTime,
  outer: ReadonlyMap<string, string> = new Map(),
): { values: Map<string, string>; unresolved: string[] } {
  const values = new Map(outer);
  const unresolved: string[] = [];
  for (const [k, v] of list) {
    const s = substitute(v, values, base);
    values.set(k, s.text);
    unresolved.push(...s.unresolved);
  }
  return { values, unresolved };
}

/** A task's result as WeData reads it: one row per line of its standard output, columns split by tab (or comma). */
export function resultTable(stdout: string): string[][] {
  const lines = stdout.replace(/\r/g, "").split("\n");
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop();
  return lines.map((l) => (l.includes("\t") ? l.split("\t") : l.split(",")).map((c) => c.trim()));
}

const index = (s: string) => (s === "*" ? "*" : Number(s));

/** The value of an output parameter definition over a task's standard output; a constant stays as it is. */
export function outputValue(definition: string, stdout: string): string {
  const m = /^\s*\$\[(\d+|\*)\](?:\[(\d+|\*)\])?\s*$/.exec(definition);
  if (!m) return definition;
  const table = resultTable(stdout);
  const row = index(m[1]!);
  const col = m[2] === undefined ? 0 : index(m[2]);
  if (row === "*" && col === "*") return JSON.stringify(table);
  if (row === "*") return table.map((r) => r[col as number] ?? "").join(",");
  const r = table[row] ?? [];
  if (col === "*") return r.join(",");
  return r[col] ?? "";
}
