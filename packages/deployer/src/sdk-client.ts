/*
 * The only module that imports the Tencent Cloud SDK: it turns the SDK's client into the small
 * `WedataApi` interface the rest of the deployer uses, and its exceptions into `ApiCallError`.
 */
import { existsSync } from "node:fs";
import { Agent } from "node:http";
import { homedir } from "node:os";
import { join } from "node:path";
import { v20250806 } from "tencentcloud-sdk-nodejs/tencentcloud/services/wedata/v20250806/index.js";
import { ProfileCredential } from "tencentcloud-sdk-nodejs/tencentcloud/common/credential.js";
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

/** Credentials from TENCENTCLOUD_SECRET_ID/KEY (+ SESSION_TOKEN), or the SDK's profile file. */
export async function credentialsFromEnvironment(env: NodeJS.ProcessEnv = process.env): Promise<Credentials | undefined> {
  const id = env.TENCENTCLOUD_SECRET_ID?.trim();
  const key = env.TENCENTCLOUD_SECRET_KEY?.trim();
  if (Boolean(id) !== Boolean(key)) {
    throw new Error(`${id ? "TENCENTCLOUD_SECRET_ID" : "TENCENTCLOUD_SECRET_KEY"} is set but ${id ? "TENCENTCLOUD_SECRET_KEY" : "TENCENTCLOUD_SECRET_ID"} is empty or missing: set both (or neither, to use the embedded emulator)`);
  }
  if (id && key && (/\s/.test(env.TENCENTCLOUD_SECRET_ID!.trim()) || /\s/.test(env.TENCENTCLOUD_SECRET_KEY!.trim()))) {
    throw new Error("white space found inside the key pair (TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY): copy it again");
  }
  if (env.TENCENTCLOUD_SECRET_ID && env.TENCENTCLOUD_SECRET_KEY) {
    return { secretId: env.TENCENTCLOUD_SECRET_ID, secretKey: env.TENCENTCLOUD_SECRET_KEY, ...(env.TENCENTCLOUD_SESSION_TOKEN && { token: env.TENCENTCLOUD_SESSION_TOKEN }) };
  }
  const files = [join(homedir(), ".tencentcloud", "credentials"), "/etc/tencentcloud/credentials"];
  if (!files.some((f) => existsSync(f))) return undefined;
  try {
    const c = await new ProfileCredential().getCredential();
    return c.secretId && c.secretKey ? { secretId: c.secretId, secretKey: c.secretKey, ...(c.token && { token: c.token }) } : undefined;
  } catch {
    return undefined;
  }
}

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
  const errno = typeof err?.code === "string" && /^E[A-Z_]+$/.test(err.code) ? err.code : (/\b(E[A-Z]{4,}[A-Z_]*)\b/.exec(String(err?.message ?? ""))?.[1] ?? undefined);
  const apiCode = typeof err?.code === "string" && err.code.length > 0 && !/^E[A-Z_]+$/.test(err.code) ? err.code : undefined;
  const code = apiCode;
  const transport = errno && TRANSPORT[errno] ? `${TRANSPORT[errno]} ${host} (${errno}); ` : "";
  const message = `${transport}${String(err?.message ?? e)}`;
  // InternalError may have been executed before it failed; transport errors carry no code at all.
  // A connection that was never made carried no request: safe to repeat, even for a create.
  const notSent = errno === "ECONNREFUSED" || errno === "ENOTFOUND" || errno === "EAI_AGAIN" || errno === "EHOSTUNREACH";
  const ambiguous = (code === undefined && !notSent) || code === "InternalError" || (code?.startsWith("InternalError.") ?? false);
  return new ApiCallError(action, code, message, err?.requestId || undefined, ambiguous, err?.httpCode);
}

/** A `WedataApi` over the official SDK client. */
export function connectSdk(options: ConnectOptions): WedataApi {
  const url = new URL(options.endpoint ?? "https://wedata.tencentcloudapi.com");
  const client = new v20250806.Client({
    credential: { secretId: options.credentials.secretId, secretKey: options.credentials.secretKey, ...(options.credentials.token && { token: options.credentials.token }) },
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
      try {
        return (await client.request(action, request as unknown as Record<string, unknown>)) as never;
      } catch (e) {
        throw toApiCallError(action, e, url.host);
      }
    },
  };
}
