import { hash } from "node:crypto";
import { configure } from "safe-stable-stringify";

const stringify = configure({ deterministic: true, bigint: false, circularValue: Error });

/** Texts of frozen values, worked out once: a compile hashes each payload's text and `compile --out` writes it. */
const texts = new WeakMap<object, string>();

/**
 * Canonical JSON: keys sorted, arrays in their given order, two-space indent, trailing newline. A value frozen
 * with `freezeCanonical` is written once and its text reused.
 */
export function canonicalJson(value: unknown): string {
  if (value !== null && typeof value === "object") {
    const known = texts.get(value);
    if (known !== undefined) return known;
  }
  return written(value);
}

/** The canonical writer itself: sorted keys, two-space indent, trailing newline. */
const written = (value: unknown) => `${stringify(value, null, 2)}\n`;

/**
 * Freeze a plain JSON value all the way down and remember its canonical text: it can no longer change. Objects
 * whose keys are out of order are replaced by sorted copies first (where they are not frozen already), so that
 * for the usual payload the text is native `JSON.stringify`'s, which writes exactly what `canonicalJson` does for
 * plain data with sorted keys, about four times faster. Anything else is written as `canonicalJson` writes it.
 * Returns the value to keep: the same one, or its copy when the value itself was out of order.
 */
export function freezeCanonical<T extends object>(value: T): T {
  const { kept, text } = settled(value);
  texts.set(kept, text);
  return kept;
}

/**
 * The canonical text of a value built to be written once (the manifest, a snapshot file): frozen and put in
 * order as `freezeCanonical` does, its text returned and not kept.
 */
export function canonicalText(value: object): string {
  return settled(value).text;
}

function settled<T extends object>(value: T): { kept: T; text: string } {
  const state = { sortedPlain: true };
  const kept = settle(value, state) as T;
  return { kept, text: state.sortedPlain ? `${JSON.stringify(kept, null, 2)}\n` : written(kept) };
}

/**
 * `freezeCanonical`'s walk: the value frozen (or its sorted copy), and whether everything met is plain and in order.
 * (It runs over every payload of a compile: primitives are not recursed into, and whether a value was frozen
 * already is asked only when something in it has to change.)
 */
function settle(v: unknown, state: { sortedPlain: boolean }): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (x === null || typeof x !== "object") continue;
      const y = settle(x, state);
      if (y === x) continue;
      if (Object.isFrozen(v)) state.sortedPlain = false;
      else v[i] = y;
    }
    return Object.freeze(v);
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  let ordered = true;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (i > 0 && !(keys[i - 1]! < k)) ordered = false;
    const x = o[k];
    if (x === null || typeof x !== "object") continue;
    const y = settle(x, state);
    if (y === x) continue;
    if (Object.isFrozen(o)) state.sortedPlain = false;
    else o[k] = y;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) {
    state.sortedPlain = false;
    return Object.freeze(v);
  }
  if (ordered) return Object.freeze(v);
  if (Object.isFrozen(o)) {
    state.sortedPlain = false;
    return v;
  }
  const copy: Record<string, unknown> = {};
  for (const k of keys.sort()) copy[k] = o[k];
  // Keys that are array indices ("2", "10") keep their numeric order in any object: then it cannot be sorted.
  if (!inOrder(Object.keys(copy))) state.sortedPlain = false;
  return Object.freeze(copy);
}

function inOrder(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (!(keys[i - 1]! < keys[i]!)) return false;
  return true;
}

export function sha256(text: string | Buffer): string {
  return hash("sha256", text, "hex");
}
