/** The words that make a key name a secret: one list for every rule below and for `isSecretKey`. */
const SECRET_WORDS = "(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential)";

/**
 * The one redactor every renderer uses (plans, diffs, markdown, JSON, progress lines): anything that
 * looks like a credential in code or parameters is replaced before it is shown or written.
 */
const RULES: ReadonlyArray<[RegExp, string | ((m: string, ...g: string[]) => string)]> = [
  // PEM private keys.
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, "[REDACTED PRIVATE KEY]"],
  // Tencent Cloud and AWS access key ids.
  [/\b(AKID[0-9A-Za-z]{12,}|AKIA[0-9A-Z]{16})\b/g, "[REDACTED]"],
  // Credentials inside URLs: scheme://user:password@host.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, (_m, head: string) => `${head}[REDACTED]@`],
  // user:password after -u / --user (curl, mysql and friends).
  [/((?:^|\s)(?:-u|--user)[\s=]+[^\s:]+:)[^\s]+/g, (_m, head: string) => `${head}[REDACTED]`],
  // Bearer tokens.
  [/\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, (_m, head: string) => `${head}[REDACTED]`],
  // key = value / key: value for secret-sounding keys (quotes kept, value replaced). Only "=" and ":"
  // separate a key from its value: prose that names a key ("set WEDATA_DB_PASSWORD, or ...") is kept.
  [
    new RegExp(
      `((?:^|[^A-Za-z0-9])(?:[A-Za-z0-9_.-]*${SECRET_WORDS}[A-Za-z0-9_.-]*)["']?\\s*[:=]\\s*["']?)` +
        `([^\\s"'&;,)}\\]]{3,})`,
      "gi",
    ),
    (_m, head: string, value: string) =>
      value.startsWith("[REDACTED") || value.startsWith("$") ? `${head}${value}` : `${head}[REDACTED]`,
  ],
  // key 'value': a quoted value after white space (SQL's PASSWORD 'x', shell's read -p "token" x is prose).
  [
    new RegExp(
      `((?:^|[^A-Za-z0-9])[A-Za-z0-9_.-]*${SECRET_WORDS}[A-Za-z0-9_.-]*\\s+(["']))([^"'\\s]{3,})(?=\\2)`,
      "gi",
    ),
    (_m, head: string, _q: string, value: string) =>
      value.startsWith("[REDACTED") || value.startsWith("$") ? `${head}${value}` : `${head}[REDACTED]`,
  ],
  // Command-line flags: --password value, --api-key value (the value follows a space).
  [
    new RegExp(
      `((?:^|\\s)--?[A-Za-z0-9_-]*${SECRET_WORDS}[A-Za-z0-9_-]*\\s+["']?)([^\\s"'&;,)}\\]-][^\\s"'&;,)}\\]]{2,})`,
      "gi",
    ),
    (_m, head: string, value: string) =>
      value.startsWith("[REDACTED") || value.startsWith("$") ? `${head}${value}` : `${head}[REDACTED]`,
  ],
];

/** Values seen under secret-named keys (and credentials of this process): hidden wherever they appear. */
const knownSecrets = new Set<string>();

/** Learn the secret values inside `value` (pairs and keys that name a secret), so text never shows them. */
export function rememberSecrets(value: unknown): void {
  // Keys repeat in every payload (TaskName, CodeContent, ...): each is tested once.
  const secretKey = new Map<string, boolean>();
  const named = (key: string) => {
    let known = secretKey.get(key);
    if (known === undefined) {
      known = isSecretKey(key);
      secretKey.set(key, known);
    }
    return known;
  };
  const walk = (v: unknown, key?: string) => {
    if (typeof v === "string") {
      if (key !== undefined && v.length >= 4 && named(key) && !v.startsWith("$") && !knownSecrets.has(v)) {
        knownSecrets.add(v);
        longestFirst = undefined;
      }
    } else if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (typeof o.ParamKey === "string" && typeof o.ParamValue === "string") walk(o.ParamValue, o.ParamKey);
      for (const k of Object.keys(o)) walk(o[k], k);
    }
  };
  walk(value);
}

/**
 * Whether a value holds a secret: a non-empty value under a secret-named key or parameter, or a value
 * declared secret elsewhere (`env()`, a secret-named parameter). Such values are kept out of every cache.
 */
export function containsSecret(value: unknown): boolean {
  const secrets = [...knownSecrets];
  const walk = (v: unknown, key?: string): boolean => {
    if (typeof v === "string")
      return (v.length > 0 && key !== undefined && isSecretKey(key)) || secrets.some((s) => v.includes(s));
    if (Array.isArray(v)) return v.some((x) => walk(x));
    if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (typeof o.ParamKey === "string" && typeof o.ParamValue === "string" && walk(o.ParamValue, o.ParamKey))
        return true;
      return Object.entries(o).some(([k, x]) => walk(x, k));
    }
    return false;
  };
  return walk(value);
}

/** The known secrets, longest first (so a secret inside another is not replaced first); sorted once per change. */
let longestFirst: string[] | undefined;

export function redactSecrets(text: string): string {
  let out = text;
  longestFirst ??= [...knownSecrets].sort((a, b) => b.length - a.length);
  for (const secret of longestFirst) if (out.includes(secret)) out = out.split(secret).join("[REDACTED]");
  return MAY_MATCH.test(out) ? byRules(out) : out;
}

/** Every rule above, in order. */
export function byRules(text: string): string {
  let out = text;
  for (const [re, replacement] of RULES) out = out.replace(re, replacement as never);
  return out;
}

/**
 * What every rule needs somewhere in the text (a PEM header, a key id's prefix, "://", "-u", "Bearer" or a
 * secret word), in one case-insensitive test: most strings of a payload have none, and are then left as they are
 * without running each rule.
 */
const MAY_MATCH = new RegExp(`BEGIN|AKI[DA]|:\\/\\/|-u|Bearer|${SECRET_WORDS}`, "i");

/** Whether a key (parameter or extension key) names a secret, so its whole value is hidden. */
const SECRET_KEY = new RegExp(SECRET_WORDS, "i");
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * Structural redaction for data (payloads, plans): `{ParamKey, ParamValue}` pairs and object keys that
 * name a secret lose their value, strings go through `redactSecrets`, and base64 code is replaced by
 * its size and hash (code is shown decoded, through the text redactor, where it is shown at all).
 */
export function redactValue<T>(value: T, codeHash?: (b64: string) => string): T {
  const walk = (v: unknown, key?: string): unknown => {
    if (typeof v === "string") {
      if (key === "CodeContent" && v.length > 0)
        return codeHash ? codeHash(v) : `[code, ${Buffer.from(v, "base64").length} bytes]`;
      return key && isSecretKey(key) ? "[REDACTED]" : redactSecrets(v);
    }
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      const secretPair = typeof o.ParamKey === "string" && isSecretKey(o.ParamKey);
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(o)) {
        const x = secretPair && k === "ParamValue" ? "[REDACTED]" : walk(o[k], k);
        // An own "__proto__" key stays a key (as Object.fromEntries keeps it), never the prototype.
        if (k === "__proto__")
          Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
        else out[k] = x;
      }
      return out;
    }
    return v;
  };
  return walk(value) as T;
}
