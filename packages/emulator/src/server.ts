import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { HANDLERS, type ActionContext } from "./actions.js";
import { ApiError } from "./api-error.js";
import { FaultInjector, type FaultConfig } from "./faults.js";
import { SlidingWindowLimiter } from "./rate-limit.js";
import { check } from "./spec.js";
import { REQUEST_SPECS } from "./specs.js";
import { keyPairsFromEnv, verifySignature, type KeyPair } from "./signature.js";
import { Store } from "./store.js";

export const API_VERSION = "2025-08-06";
const MAX_BODY = 10 * 1024 * 1024;

export interface EmulatorOptions {
  /** Port; 0 (default) picks a free one. */
  readonly port?: number;
  /** Bind address; default 127.0.0.1. */
  readonly host?: string;
  /** Folder for the SQLite database; unset keeps everything in memory. */
  readonly dataDir?: string;
  /** Accepted key pairs; default from WEDATA_EMULATOR_SECRET_ID/KEY or the documented local pair. */
  readonly keys?: readonly KeyPair[];
  /** Requests per second per action and account (default 20). */
  readonly rateLimit?: number;
  /** Fixed project list; unset, a project exists from its first use. */
  readonly projects?: readonly string[];
  readonly faults?: FaultConfig;
  /** Server clock in ms (tests shift it to exercise signature expiry). */
  readonly now?: () => number;
}

/** One request as the emulator saw it. */
export interface RequestLogEntry {
  readonly seq: number;
  readonly action: string;
  /** ms since epoch when the request arrived, and when it was answered (or dropped). */
  readonly start: number;
  readonly end: number;
  readonly outcome: "ok" | "error" | "reset" | "lost" | "hang";
  readonly code?: string;
  readonly requestId: string;
  /** Request body, parsed (for ordering assertions); undefined when it was not JSON. */
  readonly body?: Record<string, unknown>;
  /** The `Data` of a successful answer. */
  readonly data?: unknown;
}

export interface RunningEmulator {
  readonly url: string;
  readonly port: number;
  /** `host:port`, for the SDK's `httpProfile.endpoint`. */
  readonly endpoint: string;
  readonly log: readonly RequestLogEntry[];
  setFaults(config: FaultConfig): void;
  clearLog(): void;
  stop(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start a local WeData (trigger workflow API 2025-08-06) on 127.0.0.1. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const store = new Store(options.dataDir);
  const keys = options.keys ?? keyPairsFromEnv();
  const limiter = new SlidingWindowLimiter(options.rateLimit ?? 20);
  const faults = new FaultInjector(options.faults);
  const now = options.now ?? Date.now;
  const log: RequestLogEntry[] = [];
  const sockets = new Set<Socket>();
  let seq = 0;

  const send = (res: ServerResponse, requestId: string, payload: Record<string, unknown>) => {
    const body = JSON.stringify({ Response: { ...payload, RequestId: requestId } });
    res.writeHead(200, { "Content-Type": "application/json", "X-TC-RequestId": requestId, "Content-Length": Buffer.byteLength(body) });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const start = now();
    const requestId = randomUUID();
    const action = String(req.headers["x-tc-action"] ?? "");
    const raw = await readBody(req);
    let body: Record<string, unknown> | undefined;
    const record = (outcome: RequestLogEntry["outcome"], extra: Partial<RequestLogEntry> = {}) =>
      log.push({ seq: ++seq, action, start, end: now(), outcome, requestId, ...(body && { body }), ...extra });
    try {
      if (req.method !== "POST") throw new ApiError("UnsupportedProtocol", "Only POST with a JSON body is supported (TC3-HMAC-SHA256).");
      if (raw.length > MAX_BODY) throw new ApiError("RequestSizeLimitExceeded", "The request body is larger than 10 MB.");
      const url = new URL(req.url ?? "/", "http://x");
      const account = verifySignature({ headers: req.headers, body: raw, method: "POST", path: url.pathname, query: url.search.slice(1) }, keys, Math.floor(now() / 1000));
      if (!action) throw new ApiError("MissingParameter", "The request is missing X-TC-Action.");
      if (req.headers["x-tc-version"] !== API_VERSION) throw new ApiError("NoSuchVersion", `Version ${String(req.headers["x-tc-version"])} is not supported; use ${API_VERSION}.`);
      if (!req.headers["x-tc-region"]) throw new ApiError("MissingParameter", "The request is missing X-TC-Region.");
      const handler = HANDLERS[action];
      if (!handler) throw new ApiError("InvalidAction", `The action ${action} does not exist or is not supported by this emulator of the WeData trigger-workflow API.`);
      if (!limiter.tryAcquire(`${account.uin}|${action}`, start)) {
        throw new ApiError("RequestLimitExceeded", `Your request rate for ${action} exceeds the limit of ${options.rateLimit ?? 20} per second.`);
      }
      try {
        body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
      } catch {
        throw new ApiError("InvalidParameter", "The request body is not valid JSON.");
      }
      const delay = faults.latency(action);
      if (delay > 0) await sleep(delay);
      const decision = faults.decide(action);
      if (decision.kind === "reset") {
        record("reset");
        req.socket.destroy();
        return;
      }
      if (decision.kind === "error") throw new ApiError(decision.code, `Injected fault: ${decision.code}.`);
      check(body, REQUEST_SPECS[action]!, "");
      const ctx: ActionContext = { store, account, now, ...(options.projects && { projects: options.projects }) };
      const result = store.transaction(() => handler(body!, ctx));
      if (decision.kind === "lost") {
        record("lost", { data: result.Data });
        req.socket.destroy();
        return;
      }
      if (decision.kind === "hang") {
        // Committed, never answered: the client's timeout fires; the socket closes when the server stops.
        record("hang", { data: result.Data });
        return;
      }
      record("ok", { data: result.Data });
      send(res, requestId, result);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError("InternalError", `Internal error: ${(e as Error).message}`);
      record("error", { code: err.code });
      send(res, requestId, { Error: { Code: err.code, Message: err.message } });
    }
  };

  const server: Server = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/_emulator/log") {
      const body = JSON.stringify(log);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(body);
      return;
    }
    void handle(req, res);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  let stopped = false;
  return {
    url: `http://${host}:${port}`,
    port,
    endpoint: `${host}:${port}`,
    log,
    setFaults: (c) => faults.set(c),
    clearLog: () => {
      log.length = 0;
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      store.close();
    },
  };
}
