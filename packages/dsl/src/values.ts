import { DslError } from "./errors.js";
import type { KeyValue } from "./ir.js";
import type { SourceLocation } from "./source-location.js";

/** A value as a message shows it: NaN and Infinity as themselves, strings quoted, objects as JSON. */
export function describeValue(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean" || value === undefined)
    return String(value);
  if (typeof value === "function" || typeof value === "symbol") return `a ${typeof value}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** `yyyy-MM-dd HH:mm:ss` naming a real calendar time (no 30 February, no hour 24). */
export function isCalendarDateTime(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = mo === 2 && leap ? 29 : DAYS[mo - 1];
  return mo >= 1 && mo <= 12 && d >= 1 && days !== undefined && d <= days && h <= 23 && mi <= 59 && se <= 59;
}

export function requireInt(
  value: unknown,
  what: string,
  loc: SourceLocation,
  min: number,
  max: number,
  allowMinusOne = false,
): number {
  const ok =
    typeof value === "number" &&
    Number.isInteger(value) &&
    ((value >= min && value <= max) || (allowMinusOne && value === -1));
  if (!ok) {
    const range = `${allowMinusOne ? "-1 or " : ""}an integer from ${min} to ${max}`;
    throw new DslError("E_RANGE", `${what} must be ${range}, got ${describeValue(value)}`, loc, `pass ${range}`);
  }
  return value;
}

export function requireOneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  what: string,
  loc: SourceLocation,
): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new DslError(
      "E_ENUM",
      `${what} must be one of ${allowed.join(", ")}; got ${describeValue(value)}`,
      loc,
      `use one of: ${allowed.join(", ")}`,
    );
  }
  return value as T;
}

export function requireString(value: unknown, what: string, loc: SourceLocation): string {
  if (typeof value !== "string") {
    throw new DslError(
      "E_TYPE",
      `${what} must be a string, got ${value === null ? "null" : typeof value}`,
      loc,
      "pass a string; ids are strings because they exceed 2^53",
    );
  }
  return value;
}

/** Object entries as an ordered key/value list, checking every value is a string. */
export function toKeyValues(
  record: Readonly<Record<string, string | number | boolean>>,
  what: string,
  loc: SourceLocation,
): KeyValue[] {
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    throw new DslError(
      "E_TYPE",
      `${what} must be an object of key/value pairs`,
      loc,
      `write ${what} as { key: "value" }`,
    );
  }
  return Object.entries(record).map(([k, v]) => {
    if (!["string", "number", "boolean"].includes(typeof v)) {
      throw new DslError(
        "E_TYPE",
        `${what}.${k} must be a string, number or boolean`,
        loc,
        "values are sent as strings",
      );
    }
    return Object.freeze([k, String(v)] as const);
  });
}

/** Insert or replace one key in an ordered key/value list, keeping first-declared order. */
export function upsert(list: readonly KeyValue[] | undefined, entries: readonly KeyValue[]): readonly KeyValue[] {
  const out = [...(list ?? [])];
  for (const [k, v] of entries) {
    const i = out.findIndex(([key]) => key === k);
    if (i >= 0) out[i] = Object.freeze([k, v] as const);
    else out.push(Object.freeze([k, v] as const));
  }
  return Object.freeze(out);
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
