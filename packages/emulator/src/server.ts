import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { addConsoleTask, addConsoleWorkflow, HANDLERS, type ActionContext } from "./actions.js";
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
  /** How long a client may take to send its headers and its whole request (default 10 s and 30 s). */
  readonly timeouts?: { readonly headersMs?: number; readonly requestMs?: number };
  /**
   * Behave like a service that differs from the documented one, for `wedata doctor`'s tests: accept a
   * second task of the same name in a workflow, answer duplicates with another code, drop unknown
   * extension keys.
   */
  readonly behaviour?: EmulatorBehaviour;
}

export interface ConsoleTask {
  readonly projectId: string;
  readonly workflowId: string;
  readonly name: string;
  readonly typeId: number;
  readonly ext?: ReadonlyArray<{ ParamKey: string; ParamValue: string }>;
  /** The program, as text. */
  readonly code?: string;
  readonly upstream?: readonly string[];
}

export interface EmulatorBehaviour {
  /** `allow`: a second task of the same name in a workflow is created (no atomic uniqueness). */
  readonly duplicateTaskNames?: "refuse" | "allow";
  /** The error code a duplicate name gets (default `InvalidParameter.DuplicateName`). */
  readonly duplicateCode?: string;
  /** Extension keys outside the documented ones are dropped when a task is saved. */
  readonly dropUnknownExtKeys?: boolean;
  /** A created task appears in ListTriggerTasks only this many ms later (an eventually consistent list). */
  readonly listLagMs?: number;
  /** Run Workflow (140) tasks name the workflow they run in these extension keys; others are dropped. */
  readonly runWorkflowKeys?: { readonly id: string; readonly name: string };
  /** A workflow's BundleInfo is kept only together with a BundleId. */
  readonly dropBundleInfoWithoutId?: boolean;
}

/** What a request was about: names and ids only, never its body (which may hold programs and secrets). */
export interface RequestSubject {
  /** The TaskName, WorkflowName or folder name the request names. */
  readonly name?: string;
  readonly taskId?: string;
  readonly workflowId?: string;
  /** Upstream TaskIds a task write declares. */
  readonly upstream?: readonly string[];
  /** Every id (WorkflowId UUID or numeric TaskId) the request mentions, at most 64. */
  readonly ids?: readonly string[];
}

/** One request as the emulator saw it. */
export interface RequestLogEntry {
  readonly seq: number;
  readonly action: string;
  /** ms since epoch when the request arrived, and when it was answered (or dropped). */
  readonly start: number;
  readonly end: number;
  readonly outcome: "ok" | "error" | "reset" | "lost" | "hang" | "aborted";
  readonly code?: string;
  readonly requestId: string;
  /** What the request was about (names and ids, no body), when it was JSON. */
  readonly subject?: RequestSubject;
  /** The ids a successful answer gave out (TaskId, WorkflowId, VersionId, FolderId). */
  readonly result?: Readonly<Record<string, string>>;
}

/** The log keeps the latest requests only: a long-running emulator's memory stays bounded. */
export const LOG_LIMIT = 20_000;

const ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{17,20})$/i;

function subjectOf(body: Record<string, any>): RequestSubject {
  const base =
    body.TriggerTaskBaseAttribute ?? body.Task?.TriggerTaskBaseAttribute ?? body.NewSetting?.TriggerTaskBaseAttribute;
  const sched = body.TriggerTaskSchedulerConfiguration ?? body.Task?.TriggerTaskSchedulerConfiguration;
  const name = base?.TaskName ?? body.WorkflowName ?? body.FolderName ?? body.TaskFolderName;
  const ids = new Set<string>();
  const walk = (v: unknown, depth: number) => {
    if (ids.size >= 64 || depth > 8) return;
    if (typeof v === "string") {
      if (ID.test(v)) ids.add(v);
    } else if (Array.isArray(v)) for (const x of v.slice(0, 1000)) walk(x, depth + 1);
    else if (v && typeof v === "object") for (const x of Object.values(v)) walk(x, depth + 1);
  };
  walk(body, 0);
  const upstream = Array.isArray(sched?.UpstreamDependencyConfigList)
    ? sched.UpstreamDependencyConfigList.map((u: { TaskId?: unknown }) => String(u?.TaskId))
    : undefined;
  const workflowId =
    typeof body.WorkflowId === "string"
      ? body.WorkflowId
      : typeof base?.WorkflowId === "string"
        ? base.WorkflowId
        : undefined;
  return {
    ...(typeof name === "string" && { name }),
    ...(typeof body.TaskId === "string" && { taskId: body.TaskId }),
    ...(workflowId !== undefined && { workflowId }),
    ...(upstream && { upstream }),
    ...(ids.size > 0 && { ids: [...ids] }),
  };
}

function resultOf(data: unknown): Record<string, string> | undefined {
  if (!data || typeof data !== "object") return undefined;
  const out: Record<string, string> = {};
  for (const k of ["TaskId", "WorkflowId", "VersionId", "FolderId", "TaskFolderId"]) {
    const v = (data as Record<string, unknown>)[k];
    if (typeof v === "string") out[k] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

export interface RunningEmulator {
  readonly url: string;
  readonly port: number;
  /** `host:port`, for the SDK's `httpProfile.endpoint`. */
  readonly endpoint: string;
  readonly log: readonly RequestLogEntry[];
  setFaults(config: FaultConfig): void;
  /**
   * Store a task as the console makes it, of any kind, including kinds the API's create does not take
   * (real projects hold type ids such as 34 and 43 beside the documented fourteen). Returns its TaskId.
   */
  addConsoleTask(task: ConsoleTask): string;
  /** Store a workflow as the console makes it, with a given WorkflowId (to place tasks of an example in it). */
  addConsoleWorkflow(workflow: { projectId: string; workflowId: string; name: string; folder?: string }): void;
  clearLog(): void;
  stop(): Promise<void>;
}

/** The request was larger than the API accepts: counted before anything else is done with it. */
class TooLarge extends Error {}
/** The client went away before its request was complete. */
class Aborted extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > MAX_BODY) {
      reject(new TooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (f: () => void) => {
      if (done) return;
      done = true;
      f();
    };
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) finish(() => reject(new TooLarge()));
      else chunks.push(c);
    });
    req.on("end", () => finish(() => resolve(Buffer.concat(chunks))));
    req.on("aborted", () => finish(() => reject(new Aborted())));
    req.on("error", () => finish(() => reject(new Aborted())));
    req.on("close", () => finish(() => reject(new Aborted())));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start a local WeData (trigger workflow API 2025-08-06) on 127.0.0.1. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const store = new Store(options.dataDir, { uniqueTaskNames: options.behaviour?.duplicateTaskNames !== "allow" });
  /** When each task was created (ms), for a list that lags behind (`listLagMs`). */
  const createdAt = new Map<string, number>();
  const keys = options.keys ?? keyPairsFromEnv();
  const limiter = new SlidingWindowLimiter(options.rateLimit ?? 20);
  const faults = new FaultInjector(options.faults);
  const now = options.now ?? Date.now;
  const log: RequestLogEntry[] = [];
  const sockets = new Set<Socket>();
  let seq = 0;

  const send = (res: ServerResponse, requestId: string, payload: Record<string, unknown>) => {
    const body = JSON.stringify({ Response: { ...payload, RequestId: requestId } });
    res.writeHead(200, {
      "Content-Type": "application/json",
      "X-TC-RequestId": requestId,
      "Content-Length": Buffer.byteLength(body),
    });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const start = now();
    const requestId = randomUUID();
    const action = String(req.headers["x-tc-action"] ?? "").slice(0, 100);
    let subject: RequestSubject | undefined;
    const record = (outcome: RequestLogEntry["outcome"], extra: Partial<RequestLogEntry> = {}) => {
      log.push({ seq: ++seq, action, start, end: now(), outcome, requestId, ...(subject && { subject }), ...extra });
      if (log.length > LOG_LIMIT) log.splice(0, log.length - LOG_LIMIT);
    };
    let raw: Buffer;
    try {
      // Bytes are counted first: an oversized request is refused before its signature is even looked at.
      raw = await readBody(req);
    } catch (e) {
      if (e instanceof TooLarge) {
        record("error", { code: "RequestSizeLimitExceeded" });
        res.setHeader("Connection", "close");
        send(res, requestId, {
          Error: {
            Code: "RequestSizeLimitExceeded",
            Message: `The request body is larger than ${MAX_BODY} bytes (10 MB).`,
          },
        });
        res.on("finish", () => req.socket.destroy());
      } else {
        record("aborted");
        req.socket.destroy();
      }
      return;
    }
    let body: Record<string, unknown> | undefined;
    try {
      if (req.method !== "POST")
        throw new ApiError("UnsupportedProtocol", "Only POST with a JSON body is supported (TC3-HMAC-SHA256).");
      const url = new URL(req.url ?? "/", "http://x");
      const account = verifySignature(
        { headers: req.headers, body: raw, method: "POST", path: url.pathname, query: url.search.slice(1) },
        keys,
        Math.floor(now() / 1000),
      );
      if (!action) throw new ApiError("MissingParameter", "The request is missing X-TC-Action.");
      if (req.headers["x-tc-version"] !== API_VERSION)
        throw new ApiError(
          "NoSuchVersion",
          `Version ${String(req.headers["x-tc-version"])} is not supported; use ${API_VERSION}.`,
        );
      if (!req.headers["x-tc-region"]) throw new ApiError("MissingParameter", "The request is missing X-TC-Region.");
      const handler = HANDLERS[action];
      if (!handler)
        throw new ApiError(
          "InvalidAction",
          `The action ${action} does not exist or is not supported by this emulator of the WeData trigger-workflow ` +
            `API.`,
        );
      if (!limiter.tryAcquire(`${account.uin}|${action}`, start)) {
        throw new ApiError(
          "RequestLimitExceeded",
          `Your request rate for ${action} exceeds the limit of ${options.rateLimit ?? 20} per second.`,
        );
      }
      try {
        body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
      } catch {
        throw new ApiError("InvalidParameter", "The request body is not valid JSON.");
      }
      if (body === null || typeof body !== "object" || Array.isArray(body))
        throw new ApiError("InvalidParameter", "The request body must be a JSON object.");
      subject = subjectOf(body);
      const delay = faults.latency(action);
      if (delay > 0) await sleep(delay);
      const decision = faults.decide(action, `${action}:${createHash("sha256").update(raw).digest("hex")}`);
      if (decision.kind === "reset") {
        record("reset");
        req.socket.destroy();
        return;
      }
      if (decision.kind === "error") throw new ApiError(decision.code, `Injected fault: ${decision.code}.`);
      if (decision.kind === "statusFalse" && /^(Update|Submit|Delete)/.test(action)) {
        record("ok", { code: "StatusFalse" });
        send(res, requestId, { Data: { Status: false } });
        return;
      }
      check(body, REQUEST_SPECS[action]!, "");
      const ctx: ActionContext = {
        store,
        account,
        now,
        createdAt,
        ...(options.projects && { projects: options.projects }),
        ...(options.behaviour && { behaviour: options.behaviour }),
      };
      const result = store.transaction(() => handler(body!, ctx));
      if (decision.kind === "lost") {
        record("lost", { ...(resultOf(result.Data) && { result: resultOf(result.Data)! }) });
        req.socket.destroy();
        return;
      }
      if (decision.kind === "hang") {
        // Committed, never answered: the client's timeout fires; the socket closes when the server stops.
        record("hang", { ...(resultOf(result.Data) && { result: resultOf(result.Data)! }) });
        return;
      }
      record("ok", { ...(resultOf(result.Data) && { result: resultOf(result.Data)! }) });
      send(res, requestId, result);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError("InternalError", `Internal error: ${(e as Error).message}`);
      record("error", { code: err.code });
      send(res, requestId, { Error: { Code: err.code, Message: err.message } });
    }
  };

  // Slow or stalled clients are cut off: headers within 10 s, the whole request within 30 s.
  const headersTimeout = options.timeouts?.headersMs ?? 10_000;
  const requestTimeout = Math.max(headersTimeout, options.timeouts?.requestMs ?? 30_000);
  const checkEvery = Math.min(1_000, Math.max(50, Math.floor(headersTimeout / 4)));
  const server: Server = createServer(
    { headersTimeout, requestTimeout, keepAliveTimeout: 5_000, connectionsCheckingInterval: checkEvery },
    (req, res) => {
      if (req.url === "/_emulator/log") {
        serveLog(req, res);
        return;
      }
      handle(req, res).catch((e: unknown) => {
        // Nothing a client sends may stop the emulator: the request fails, the server goes on.
        record500(res, e);
      });
    },
  );
  // A malformed request line or header: answer 400 when the socket still can, never crash.
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });
  const record500 = (res: ServerResponse, e: unknown) => {
    log.push({
      seq: ++seq,
      action: "",
      start: now(),
      end: now(),
      outcome: "error",
      code: "InternalError",
      requestId: randomUUID(),
    });
    if (!res.headersSent && res.writable)
      send(res, randomUUID(), {
        Error: { Code: "InternalError", Message: `Internal error: ${(e as Error)?.message ?? String(e)}` },
      });
  };
  /** The request log, for tools and tests: signed with an accepted key pair, like any API call. */
  const serveLog = (req: IncomingMessage, res: ServerResponse) => {
    try {
      if (req.method !== "GET") throw new ApiError("UnsupportedProtocol", "GET /_emulator/log only.");
      verifySignature(
        { headers: req.headers, body: Buffer.alloc(0), method: "GET", path: "/_emulator/log", query: "" },
        keys,
        Math.floor(now() / 1000),
      );
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError("InternalError", String(e));
      res.writeHead(401, { "Content-Type": "application/json" });
      res.end(
        JSON.stringify({
          Error: {
            Code: err.code,
            Message: `${err.message} The request log needs a TC3 signature with an accepted key pair (signRequest).`,
          },
        }),
      );
      return;
    }
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify(log));
  };
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
    addConsoleTask: (t) => addConsoleTask(store, t, now()),
    addConsoleWorkflow: (w) => addConsoleWorkflow(store, w, now()),
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
