/*
 * The only module that imports the Tencent Cloud SDK: it turns the SDK's client into the small
 * `WedataApi` interface the rest of the deployer uses, and its exceptions into `ApiCallError`.
 */
import { WedataKitError } from "@wedata-kit/dsl";
import { existsSync, readFileSync } from "node:fs";
import { Agent } from "node:http";
import { homedir } from "node:os";
import { join } from "node:path";
import { v20250806 } from "tencentcloud-sdk-nodejs/tencentcloud/services/wedata/v20250806/index.js";
import type * as M from "tencentcloud-sdk-nodejs/tencentcloud/services/wedata/v20250806/wedata_models.js";
import { ApiCallError } from "./errors.js";

/** Request and response types of every action the deployer calls. */
export interface ActionMap {
  CreateTriggerWorkflow: [M.CreateTriggerWorkflowRequest, M.CreateTriggerWorkflowResponse];
  GetTriggerWorkflow: [M.GetTriggerWorkflowRequest, M.GetTriggerWorkflowResponse];
  ListTriggerWorkflows: [M.ListTriggerWorkflowsRequest, M.ListTriggerWorkflowsResponse];
  UpdateTriggerWorkflow: [M.UpdateTriggerWorkflowRequest, M.UpdateTriggerWorkflowResponse];
  DeleteTriggerWorkflow: [M.DeleteTriggerWorkflowRequest, M.DeleteTriggerWorkflowResponse];
  CreateTriggerTask: [M.CreateTriggerTaskRequest, M.CreateTriggerTaskResponse];
  GetTriggerTask: [M.GetTriggerTaskRequest, M.GetTriggerTaskResponse];
  ListTriggerTasks: [M.ListTriggerTasksRequest, M.ListTriggerTasksResponse];
  UpdateTriggerTask: [M.UpdateTriggerTaskRequest, M.UpdateTriggerTaskResponse];
  UpdateTriggerTaskPartially: [M.UpdateTriggerTaskPartiallyRequest, M.UpdateTriggerTaskPartiallyResponse];
  DeleteTriggerTask: [M.DeleteTriggerTaskRequest, M.DeleteTriggerTaskResponse];
  SubmitTriggerTask: [M.SubmitTriggerTaskRequest, M.SubmitTriggerTaskResponse];
  CreateWorkflowFolder: [M.CreateWorkflowFolderRequest, M.CreateWorkflowFolderResponse];
  ListWorkflowFolders: [M.ListWorkflowFoldersRequest, M.ListWorkflowFoldersResponse];
  CreateTaskFolder: [M.CreateTaskFolderRequest, M.CreateTaskFolderResponse];
  ListTaskFolders: [M.ListTaskFoldersRequest, M.ListTaskFoldersResponse];
}
export type Action = keyof ActionMap;
export type RequestOf<A extends Action> = ActionMap[A][0];
export type ResponseOf<A extends Action> = ActionMap[A][1];
export type RemoteTask = M.TriggerTask;
export type RemoteTaskBase = M.TriggerTaskBaseAttribute;
export type RemoteWorkflowDetail = M.TriggerWorkflowDetail;
export type RemoteWorkflowInfo = M.TriggerWorkflowInfo;
export type UpdateTaskBody = M.UpdateTriggerTaskBrief;

/** What the deployer needs from WeData: one typed call. Tests may swap in a fake. */
export interface WedataApi {
  call<A extends Action>(action: A, request: RequestOf<A>): Promise<ResponseOf<A>>;
}

export interface Credentials {
  readonly secretId: string;
  readonly secretKey: string;
  readonly token?: string;
}

export interface ConnectOptions {
  /** `https://wedata.tencentcloudapi.com` (default) or an emulator `http://127.0.0.1:PORT`. */
  readonly endpoint?: string;
  readonly region: string;
  readonly credentials: Credentials;
  /** Per-request timeout in seconds (default 30). */
  readonly timeoutSeconds?: number;
}

/** A credential source that exists but cannot be used: always an error, never a fall-back to another target. */
export class CredentialError extends WedataKitError {
  constructor(message: string) {
    super("E_CREDENTIALS", message);
  }
}

/** Header-safe printable ASCII, checked on exactly what is sent (nothing is trimmed). */
const CREDENTIAL_VALUE = /^[\x21-\x7e]+$/;

function checkValue(value: string, name: string, source: string): string {
  if (value.length === 0)
    throw new CredentialError(`${name} is empty in ${source}: set it, or remove it to use no credentials`);
  if (!CREDENTIAL_VALUE.test(value)) {
    const bad = [...value].find((c) => !CREDENTIAL_VALUE.test(c)) ?? "";
    const what =
      bad === "\n" || bad === "\r"
        ? "a line break"
        : /\s/.test(bad)
          ? "white space"
          : "a character that cannot be sent in a header";
    throw new CredentialError(
      `${name} in ${source} contains ${what} (${JSON.stringify(bad)}); copy the key again without it`,
    );
  }
  return value;
}

/** The SDK's profile files, in the order it reads them. */
export function profileFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  return [join(env.HOME || homedir(), ".tencentcloud", "credentials"), "/etc/tencentcloud/credentials"];
}

/** The `[default]` section of a Tencent Cloud profile file (INI), parsed strictly. */
function parseProfile(text: string, file: string): Credentials {
  const section = new Map<string, string>();
  let current: string | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const [, head] = /^\[([^\]]+)\]$/.exec(line) ?? [];
    if (head !== undefined) {
      current = head.trim();
      return;
    }
    const [, k, v = ""] = /^([A-Za-z_]+)\s*=\s*(.*)$/.exec(line) ?? [];
    if (k === undefined)
      throw new CredentialError(
        `${file}:${i + 1} cannot be parsed (expected "key = value" or "[section]"); fix the file or remove it`,
      );
    if (current === "default") section.set(k, v);
  });
  const id = section.get("secret_id");
  const key = section.get("secret_key");
  if (id === undefined || key === undefined) {
    throw new CredentialError(
      `${file} has no [default] section with secret_id and secret_key; fix the file, or remove it to use no ` +
        `credentials`,
    );
  }
  const token = section.get("token");
  return {
    secretId: checkValue(id, "secret_id", file),
    secretKey: checkValue(key, "secret_key", file),
    ...(token && { token: checkValue(token, "token", file) }),
  };
}

/**
 * Credentials from TENCENTCLOUD_SECRET_ID/KEY (+ SESSION_TOKEN), or the SDK's profile file. Undefined
 * only when no credential source exists at all; a source that exists but cannot be used (half a key
 * pair, a value with white space or a line break, a profile file that does not parse) is an error, so
 * a user who meant the cloud never lands on the embedded emulator.
 */
export async function credentialsFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): Promise<Credentials | undefined> {
  const id = env.TENCENTCLOUD_SECRET_ID;
  const key = env.TENCENTCLOUD_SECRET_KEY;
  const token = env.TENCENTCLOUD_SESSION_TOKEN;
  const source = "the environment";
  if (id !== undefined || key !== undefined || token !== undefined) {
    if (id === undefined || key === undefined || id === "" || key === "") {
      const [set, unset] = id
        ? ["TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"]
        : key
          ? ["TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_SECRET_ID"]
          : ["TENCENTCLOUD_SESSION_TOKEN", "TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY"];
      throw new CredentialError(
        `${set} is set but ${unset} is empty or missing: set both (or neither, to use the embedded emulator)`,
      );
    }
    return {
      secretId: checkValue(id, "TENCENTCLOUD_SECRET_ID", source),
      secretKey: checkValue(key, "TENCENTCLOUD_SECRET_KEY", source),
      ...(token !== undefined && token !== "" && { token: checkValue(token, "TENCENTCLOUD_SESSION_TOKEN", source) }),
    };
  }
  for (const file of profileFiles(env)) {
    if (!existsSync(file)) continue;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new CredentialError(
        `${file} exists but cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); fix its ` +
          `permissions or remove it`,
      );
    }
    return parseProfile(text, file);
  }
  return undefined;
}

/** An endpoint URL as the SDK can use it: http(s), host and port only (a path, query or user would be dropped
 * silently). */
export function checkEndpoint(endpoint: string, from: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  const shown = JSON.stringify(endpoint.replace(/\/\/[^/@]*@/, "//***@"));
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.username || url.password) {
    throw new CredentialError(
      `${from} must be an http(s) URL without user or password, like http://127.0.0.1:9460; got ${shown}`,
    );
  }
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash || /[?#]/.test(endpoint)) {
    throw new CredentialError(
      `${from} must name only a scheme, host and port, like https://wedata.tencentcloudapi.com; got ${shown}, whose ` +
        `path, query or fragment the API client would drop: remove it`,
    );
  }
  return url;
}

/** The code given to an answer whose `Data.Status` is false (not a code the service sends). */
export const STATUS_FALSE = "FailedOperation.StatusFalse";

const TRANSPORT: Record<string, string> = {
  ECONNREFUSED: "connection refused: nothing is listening at",
  ECONNRESET: "the connection was reset by",
  ENOTFOUND: "host not found:",
  EAI_AGAIN: "host name lookup failed for",
  ETIMEDOUT: "no answer (timed out) from",
  EHOSTUNREACH: "host unreachable:",
};

function toApiCallError(action: string, e: unknown, host: string): ApiCallError {
  const err = e as { code?: string; message?: string; requestId?: string; httpCode?: number; type?: string };
  // The SDK passes transport errnos (ECONNREFUSED, ...) through as `code`: those are not API codes.
  const errno =
    typeof err?.code === "string" && /^E[A-Z_]+$/.test(err.code)
      ? err.code
      : (/\b(E[A-Z]{4,}[A-Z_]*)\b/.exec(String(err?.message ?? ""))?.[1] ?? undefined);
  const apiCode =
    typeof err?.code === "string" && err.code.length > 0 && !/^E[A-Z_]+$/.test(err.code) ? err.code : undefined;
  const code = apiCode;
  const transport = errno && TRANSPORT[errno] ? `${TRANSPORT[errno]} ${host} (${errno}); ` : "";
  const message = `${transport}${String(err?.message ?? e)}`;
  // InternalError may have been executed before it failed; transport errors carry no code at all.
  // A connection that was never made carried no request: safe to repeat, even for a create.
  const notSent =
    errno === "ECONNREFUSED" || errno === "ENOTFOUND" || errno === "EAI_AGAIN" || errno === "EHOSTUNREACH";
  const ambiguous =
    (code === undefined && !notSent) || code === "InternalError" || (code?.startsWith("InternalError.") ?? false);
  return new ApiCallError(action, code, message, err?.requestId || undefined, ambiguous, err?.httpCode);
}

/** A `WedataApi` over the official SDK client. */
export function connectSdk(options: ConnectOptions): WedataApi {
  const url = checkEndpoint(options.endpoint ?? "https://wedata.tencentcloudapi.com", "the endpoint");
  const client = new v20250806.Client({
    credential: {
      secretId: options.credentials.secretId,
      secretKey: options.credentials.secretKey,
      ...(options.credentials.token && { token: options.credentials.token }),
    },
    region: options.region,
    profile: {
      httpProfile: {
        endpoint: url.host,
        protocol: `${url.protocol}//`,
        reqTimeout: options.timeoutSeconds ?? 30,
        // An explicit agent keeps an http_proxy in the environment away from loopback emulators.
        ...(url.protocol === "http:" && { agent: new Agent({ keepAlive: true }) }),
      },
    },
  });
  return {
    async call(action, request) {
      let r: { Data?: { Status?: boolean } | null; RequestId?: string };
      try {
        r = (await client.request(action, request as unknown as Record<string, unknown>)) as typeof r;
      } catch (e) {
        throw toApiCallError(action, e, url.host);
      }
      // An update, submit or delete answered with Data.Status false did not take effect: a failure, retried as such.
      if (/^(Update|Submit|Delete)/.test(action) && r?.Data?.Status === false) {
        throw new ApiCallError(
          action,
          STATUS_FALSE,
          `${action} answered Data.Status false: the service did not apply it`,
          r.RequestId,
          false,
        );
      }
      return r as never;
    },
  };
}
