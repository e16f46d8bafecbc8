import { ApiError, badType, badValue, missing } from "./api-error.js";

/**
 * Request shapes, written from the API documentation. Deliberately independent of the compiler's
 * schemas, so the emulator can catch the compiler's mistakes.
 */
export type Spec =
  | { readonly t: "string"; readonly enum?: readonly string[]; readonly pattern?: RegExp; readonly max?: number }
  | { readonly t: "int"; readonly min?: number; readonly max?: number; readonly enum?: readonly number[] }
  | { readonly t: "bool" }
  | { readonly t: "base64" }
  | { readonly t: "object"; readonly fields: Readonly<Record<string, Field>> }
  | { readonly t: "array"; readonly of: Spec; readonly length?: number };

export type Field = Spec & { readonly req?: boolean };

export const str = (o: Omit<Extract<Spec, { t: "string" }>, "t"> = {}): Spec => ({ t: "string", ...o });
export const int = (o: Omit<Extract<Spec, { t: "int" }>, "t"> = {}): Spec => ({ t: "int", ...o });
export const bool: Spec = { t: "bool" };
export const base64: Spec = { t: "base64" };
export const obj = (fields: Record<string, Field>): Spec => ({ t: "object", fields });
export const arr = (of: Spec, length?: number): Spec => ({ t: "array", of, ...(length !== undefined && { length }) });
export const req = (s: Spec): Field => ({ ...s, req: true });

/**
 * Standard base64 with padding, checked in one pass over the characters: a regular expression with a
 * repeated group overflows the stack on a program of a few megabytes.
 */
export function isBase64(s: string): boolean {
  if (s.length % 4 !== 0) return false;
  const pad = s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0;
  for (let i = 0; i < s.length - pad; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
    if (!ok) return false;
  }
  return true;
}

/** Check `value` against `spec`; throws the error code the real API uses for each kind of problem. */
export function check(value: unknown, spec: Spec, path: string): void {
  switch (spec.t) {
    case "string":
      if (typeof value !== "string") throw badType(path, "a string");
      if (spec.enum && !spec.enum.includes(value)) throw badValue(path, `must be one of ${spec.enum.join(", ")}`);
      if (spec.pattern && !spec.pattern.test(value)) throw badValue(path, `does not match ${spec.pattern}`);
      if (spec.max !== undefined && value.length > spec.max)
        throw badValue(path, `is longer than ${spec.max} characters`);
      return;
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value)) throw badType(path, "an integer");
      if (spec.enum && !spec.enum.includes(value)) throw badValue(path, `must be one of ${spec.enum.join(", ")}`);
      if (spec.min !== undefined && value < spec.min) throw badValue(path, `is below ${spec.min}`);
      if (spec.max !== undefined && value > spec.max) throw badValue(path, `is above ${spec.max}`);
      return;
    case "bool":
      if (typeof value !== "boolean") throw badType(path, "a boolean");
      return;
    case "base64":
      if (typeof value !== "string") throw badType(path, "a string");
      if (!isBase64(value)) throw badValue(path, "is not valid base64");
      return;
    case "array":
      if (!Array.isArray(value)) throw badType(path, "an array");
      if (spec.length !== undefined && value.length !== spec.length)
        throw badValue(path, `must hold exactly ${spec.length} items`);
      for (const [i, v] of value.entries()) check(v, spec.of, `${path}.${i}`);
      return;
    case "object": {
      if (value === null || typeof value !== "object" || Array.isArray(value)) throw badType(path, "an object");
      const rec = value as Record<string, unknown>;
      for (const k of Object.keys(rec)) {
        if (!(k in spec.fields))
          throw new ApiError("UnknownParameter", `The parameter \`${path ? `${path}.` : ""}${k}\` is not recognized.`);
      }
      for (const [k, f] of Object.entries(spec.fields)) {
        const p = path ? `${path}.${k}` : k;
        if (rec[k] === undefined || rec[k] === null) {
          if (f.req) throw missing(p);
          continue;
        }
        check(rec[k], f, p);
      }
      return;
    }
  }
}
