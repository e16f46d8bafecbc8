/** Words that cannot name a variable (reserved, strict-mode, or confusing), and the DSL's own imports. */
const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in " +
    "instanceof new null return super switch this throw true try typeof var void while with implements interface let " +
    "package private " +
    "protected public static yield await async of arguments eval undefined NaN Infinity globalThis " +
    "task workflow existingWorkflow"
  ).split(" "),
);
const IDENT = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;

/** Whether `s` can be used as a variable name as it is. */
export const isIdentifier = (s: string) => IDENT.test(s) && !RESERVED.has(s);

/**
 * A readable, unique variable name for a WeData name: `load-orders` -> `loadOrders`, `1st_step` ->
 * `_1stStep`, `delete` -> `delete_`, `数据加载` stays as it is. `taken` is updated.
 */
export function variableName(name: string, taken: Set<string>): string {
  const parts = name.split(/[^\p{ID_Continue}$]+|_+/u).filter(Boolean);
  let base = parts.map((p, i) => (i === 0 ? p : p[0]!.toUpperCase() + p.slice(1))).join("") || "t";
  if (!/^[\p{ID_Start}$_]/u.test(base)) base = `_${base}`;
  if (!isIdentifier(base)) base = `${base}_`;
  let id = base;
  for (let i = 2; taken.has(id); i++) id = `${base}${i}`;
  taken.add(id);
  return id;
}

const WINDOWS_DEVICES = /^(con|prn|aux|nul|com\d|lpt\d)$/i;

/**
 * A file-name-safe, unique (case-insensitively, for macOS and Windows checkouts) base name for a
 * WeData name. `taken` holds lower-cased names and is updated.
 */
export function fileBase(name: string, taken: Set<string>): string {
  let base = name.replace(/[^\p{L}\p{N}_-]/gu, "_") || "_";
  if (WINDOWS_DEVICES.test(base)) base = `${base}_`;
  let out = base;
  for (let i = 2; taken.has(out.toLowerCase()); i++) out = `${base}_${i}`;
  taken.add(out.toLowerCase());
  return out;
}
