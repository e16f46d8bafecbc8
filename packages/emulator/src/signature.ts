import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { ApiError } from "./api-error.js";

/** A key pair the emulator accepts. `token` set means a temporary credential: X-TC-Token must match. */
export interface KeyPair {
  readonly secretId: string;
  readonly secretKey: string;
  readonly token?: string;
  /** The account (uin) the key belongs to; rate limits are per account. */
  readonly uin: string;
}

/** The documented default pair of the local emulator. Not a secret: it only opens a local emulator. */
export const DEFAULT_KEY_PAIR: KeyPair = {
  secretId: "AKIDwedatakitLocalEmulator0000000000",
  secretKey: "wedata-kit-local-emulator-key-0000",
  uin: "100000000001",
};

/** Key pairs from the environment, or the default one. */
export function keyPairsFromEnv(env: NodeJS.ProcessEnv = process.env): KeyPair[] {
  const id = env.WEDATA_EMULATOR_SECRET_ID;
  const key = env.WEDATA_EMULATOR_SECRET_KEY;
  if (id && key) return [{ secretId: id, secretKey: key, uin: DEFAULT_KEY_PAIR.uin }];
  return [DEFAULT_KEY_PAIR];
}

export const MAX_SKEW_SECONDS = 300;

const sha256hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

export interface SignedRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  readonly method: string;
  readonly path: string;
  readonly query: string;
}

const header = (r: SignedRequest, name: string) => {
  const v = r.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * Verify a TC3-HMAC-SHA256 signature as the real gateway does. The credential scope's service must be
 * `wedata` or, as the SDK derives it for a custom endpoint, the first label of the Host.
 */
/** `TC3-HMAC-SHA256 Credential=<id>/<date>/<service>/tc3_request, SignedHeaders=<h>, Signature=<hex>`. */
const AUTHORIZATION = new RegExp(
  "^TC3-HMAC-SHA256 Credential=([^/]+)/(\\d{4}-\\d{2}-\\d{2})/([^/]+)/tc3_request, " +
    "SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$",
);

export function verifySignature(r: SignedRequest, keys: readonly KeyPair[], nowSeconds: number): KeyPair {
  const auth = header(r, "authorization");
  const m = auth && AUTHORIZATION.exec(auth);
  if (!m)
    throw new ApiError(
      "AuthFailure.InvalidAuthorization",
      "The Authorization header is missing or malformed; expected TC3-HMAC-SHA256.",
    );
  const [, secretId, date, service, signedHeaders, signature] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const key = keys.find((k) => k.secretId === secretId);
  if (!key) throw new ApiError("AuthFailure.SecretIdNotFound", "The SecretId is not found; check the key pair.");

  const tsHeader = header(r, "x-tc-timestamp");
  const ts = Number(tsHeader);
  if (!tsHeader || !Number.isInteger(ts))
    throw new ApiError("MissingParameter", "The request is missing X-TC-Timestamp.");
  if (Math.abs(nowSeconds - ts) > MAX_SKEW_SECONDS) {
    throw new ApiError(
      "AuthFailure.SignatureExpire",
      `The signature expired: the request timestamp ${ts} is more than ${MAX_SKEW_SECONDS} seconds from the server ` +
        `time ${nowSeconds}.`,
    );
  }
  if (new Date(ts * 1000).toISOString().slice(0, 10) !== date)
    throw new ApiError("AuthFailure.SignatureFailure", "The credential date does not match X-TC-Timestamp.");

  const hostname = (header(r, "host") ?? "").replace(/:\d+$/, "");
  if (service !== "wedata" && service !== hostname.split(".")[0])
    throw new ApiError("AuthFailure.SignatureFailure", `The credential scope names service "${service}", not wedata.`);

  const names = signedHeaders.split(";");
  if (!names.includes("content-type") || !names.includes("host"))
    throw new ApiError("AuthFailure.SignatureFailure", "SignedHeaders must include content-type and host.");
  const canonicalHeaders = names
    .map((n) => `${n}:${(n === "host" ? hostname.toLowerCase() : (header(r, n) ?? "")).trim()}\n`)
    .join("");
  const canonicalRequest = [r.method, r.path, r.query, canonicalHeaders, signedHeaders, sha256hex(r.body)].join("\n");
  const stringToSign = [
    "TC3-HMAC-SHA256",
    String(ts),
    `${date}/${service}/tc3_request`,
    sha256hex(canonicalRequest),
  ].join("\n");
  const kSigning = hmac(hmac(hmac(`TC3${key.secretKey}`, date), service), "tc3_request");
  const expected = createHmac("sha256", kSigning).update(stringToSign).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) {
    throw new ApiError(
      "AuthFailure.SignatureFailure",
      "The provided credentials could not be validated: the signature does not match.",
    );
  }

  const token = header(r, "x-tc-token");
  if ((key.token ?? "") !== (token ?? ""))
    throw new ApiError("AuthFailure.TokenFailure", "The token is invalid or does not belong to this key.");
  return key;
}

/**
 * TC3 headers for a request to the emulator's own endpoints (the request log): the same signature
 * the SDK computes, over `method`, `path` and `body`.
 */
export function signRequest(
  key: Pick<KeyPair, "secretId" | "secretKey">,
  r: { host: string; method: string; path: string; body?: string; nowSeconds?: number },
): Record<string, string> {
  const ts = r.nowSeconds ?? Math.floor(Date.now() / 1000);
  const date = new Date(ts * 1000).toISOString().slice(0, 10);
  const hostname = r.host.replace(/:\d+$/, "").toLowerCase();
  const service = hostname.split(".")[0]!;
  const contentType = "application/json";
  const canonical = [
    r.method,
    r.path,
    "",
    `content-type:${contentType}\nhost:${hostname}\n`,
    "content-type;host",
    sha256hex(r.body ?? ""),
  ].join("\n");
  const toSign = ["TC3-HMAC-SHA256", String(ts), `${date}/${service}/tc3_request`, sha256hex(canonical)].join("\n");
  const kSigning = hmac(hmac(hmac(`TC3${key.secretKey}`, date), service), "tc3_request");
  const signature = createHmac("sha256", kSigning).update(toSign).digest("hex");
  return {
    "Content-Type": contentType,
    "X-TC-Timestamp": String(ts),
    Authorization:
      `TC3-HMAC-SHA256 Credential=${key.secretId}/${date}/${service}/tc3_request, ` +
      `SignedHeaders=content-type;host, Signature=${signature}`,
  };
}
