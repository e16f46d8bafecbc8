import { createHash } from "node:crypto";
import { configure } from "safe-stable-stringify";

const stringify = configure({ deterministic: true, bigint: false, circularValue: Error });

/** Texts of frozen values, worked out once: a compile hashes each payload's text and `compile --out` writes it. */
const texts = new WeakMap<object, string>();

/**
 * Canonical JSON: keys sorted, arrays in their given order, two-space indent, trailing newline. A value frozen
 * with `freezeDeep` is written once and its text reused.
 */
export function canonicalJson(value: unknown): string {
  if (value !== null && typeof value === "object") {
    const known = texts.get(value);
    if (known !== undefined) return known;
  }
  return `${stringify(value, null, 2)}\n`;
}

/** Freeze a plain JSON value all the way down and remember its canonical text: it can no longer change. */
export function freezeDeep<T extends object>(value: T): T {
  const freeze = (v: unknown) => {
    if (v === null || typeof v !== "object") return;
    Object.freeze(v);
    for (const x of Object.values(v)) freeze(x);
  };
  freeze(value);
  texts.set(value, `${stringify(value, null, 2)}\n`);
  return value;
}

export function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}
