import { createHash } from "node:crypto";
import { configure } from "safe-stable-stringify";

const stringify = configure({ deterministic: true, bigint: false, circularValue: Error });

/** Canonical JSON: keys sorted, arrays in their given order, two-space indent, trailing newline. */
export function canonicalJson(value: unknown): string {
  return `${stringify(value, null, 2)}\n`;
}

export function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}
