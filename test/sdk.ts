import { v20250806 } from "tencentcloud-sdk-nodejs/tencentcloud/services/wedata/v20250806/index.js";
import { DEFAULT_KEY_PAIR, type RunningEmulator } from "@wedata-kit/emulator";

export type WedataClient = InstanceType<typeof v20250806.Client>;
export const PROJECT = "2378393617299558400";

/** The official SDK client pointed at an emulator over loopback. */
export function sdkClient(
  emu: { endpoint: string },
  opts: { secretId?: string; secretKey?: string; token?: string; reqTimeout?: number } = {},
): WedataClient {
  return new v20250806.Client({
    credential: {
      secretId: opts.secretId ?? DEFAULT_KEY_PAIR.secretId,
      secretKey: opts.secretKey ?? DEFAULT_KEY_PAIR.secretKey,
      ...(opts.token && { token: opts.token }),
    },
    region: "ap-guangzhou",
    profile: { httpProfile: { endpoint: emu.endpoint, protocol: "http://", reqTimeout: opts.reqTimeout ?? 10 } },
  });
}

/** The error an SDK call rejects with, or fails the test when it resolves. */
export async function sdkError(p: Promise<unknown>): Promise<{ code?: string; message: string; requestId?: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: string; message: string; requestId?: string };
  }
  throw new Error("expected the call to fail");
}

export const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

/** A minimal valid CreateTriggerTask body. */
export function taskBody(
  workflowId: string,
  name: string,
  extra: { upstream?: string[]; typeId?: string; folder?: string } = {},
) {
  return {
    ProjectId: PROJECT,
    TriggerTaskBaseAttribute: {
      TaskName: name,
      TaskTypeId: extra.typeId ?? "35",
      WorkflowId: workflowId,
      ...(extra.folder && { TaskFolderPath: extra.folder }),
    },
    TriggerTaskConfiguration: { CodeContent: b64(`echo ${name}\n`) },
    TriggerTaskSchedulerConfiguration: extra.upstream
      ? { UpstreamDependencyConfigList: extra.upstream.map((TaskId) => ({ TaskId })) }
      : {},
  };
}

export type { RunningEmulator };
