import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import signModule from "tencentcloud-sdk-nodejs/tencentcloud/common/sign.js";
import { afterEach, describe, expect, it } from "vitest";
import { PROJECT, repoRootFromEmulatorTest, sdkClient, sdkError, taskBody } from "./support.js";
import { DEFAULT_KEY_PAIR, signRequest, startEmulator, type RunningEmulator } from "../src/index.js";

// The SDK's own signer (CommonJS): its class is the default export, one level deeper under some interop.
interface SignLike {
  sign3(args: {
    method: string;
    url: string;
    payload: Buffer;
    timestamp: number;
    service: string;
    secretId: string;
    secretKey: string;
    multipart: boolean;
    boundary: string;
    headers: Record<string, string>;
  }): string;
}
const Sign: SignLike = (signModule as unknown as { default?: SignLike }).default ?? (signModule as unknown as SignLike);

const running: RunningEmulator[] = [];
const tmp: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
  for (const d of tmp.splice(0)) rmSync(d, { recursive: true, force: true });
});
async function emulator(opts: Parameters<typeof startEmulator>[0] = {}) {
  const e = await startEmulator(opts);
  running.push(e);
  return e;
}
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "wedata-emu-"));
  tmp.push(d);
  return d;
};

/** Sign `signedBody` as the SDK does, then send `sentBody`: lets a test tamper with a signed request. */
async function rawCall(
  emu: RunningEmulator,
  action: string,
  signedBody: string,
  sentBody = signedBody,
  key = DEFAULT_KEY_PAIR,
) {
  const timestamp = Math.floor(Date.now() / 1000);
  const url = `${emu.url}/`;
  const authorization = Sign.sign3({
    method: "POST",
    url,
    payload: Buffer.from(signedBody),
    timestamp,
    service: "127",
    secretId: key.secretId,
    secretKey: key.secretKey,
    multipart: false,
    boundary: "",
    headers: { "Content-Type": "application/json" },
  });
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Authorization: authorization,
      "X-TC-Action": action,
      "X-TC-Version": "2025-08-06",
      "X-TC-Region": "ap-guangzhou",
      "X-TC-Timestamp": String(timestamp),
    },
    body: sentBody,
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { Response: { Error?: { Code: string }; RequestId: string } }).Response;
}

describe("TC3-HMAC-SHA256 signatures", () => {
  const body = JSON.stringify({ ProjectId: PROJECT });
  it("accepts a good signature", async () => {
    const emu = await emulator();
    expect((await rawCall(emu, "ListTriggerWorkflows", body)).Error).toBeUndefined();
    expect((await sdkClient(emu).ListTriggerWorkflows({ ProjectId: PROJECT })).Data!.TotalCount).toBe(0);
  });
  it("rejects a tampered body", async () => {
    const emu = await emulator();
    const r = await rawCall(emu, "ListTriggerWorkflows", body, JSON.stringify({ ProjectId: "1" }));
    expect(r.Error!.Code).toBe("AuthFailure.SignatureFailure");
    expect(r.RequestId).toMatch(/^[0-9a-f-]{36}$/);
  });
  it("rejects a wrong key, an unknown SecretId, an expired timestamp and a wrong token", async () => {
    const emu = await emulator();
    expect(
      (await sdkError(sdkClient(emu, { secretKey: "wrong" }).ListTriggerWorkflows({ ProjectId: PROJECT }))).code,
    ).toBe("AuthFailure.SignatureFailure");
    expect(
      (await sdkError(sdkClient(emu, { secretId: "AKIDunknown" }).ListTriggerWorkflows({ ProjectId: PROJECT }))).code,
    ).toBe("AuthFailure.SecretIdNotFound");
    expect((await sdkError(sdkClient(emu, { token: "t" }).ListTriggerWorkflows({ ProjectId: PROJECT }))).code).toBe(
      "AuthFailure.TokenFailure",
    );
    const late = await emulator({ now: () => Date.now() + 6 * 60_000 });
    expect((await sdkError(sdkClient(late).ListTriggerWorkflows({ ProjectId: PROJECT }))).code).toBe(
      "AuthFailure.SignatureExpire",
    );
    const skewOk = await emulator({ now: () => Date.now() + 4 * 60_000 });
    await expect(sdkClient(skewOk).ListTriggerWorkflows({ ProjectId: PROJECT })).resolves.toBeDefined();
  });
  it("accepts temporary credentials only with their token", async () => {
    const key = { secretId: "AKIDtemp", secretKey: "k", token: "session-token", uin: "2" };
    const emu = await emulator({ keys: [key] });
    await expect(sdkClient(emu, { ...key }).ListTriggerWorkflows({ ProjectId: PROJECT })).resolves.toBeDefined();
    expect(
      (
        await sdkError(
          sdkClient(emu, { secretId: key.secretId, secretKey: key.secretKey }).ListTriggerWorkflows({
            ProjectId: PROJECT,
          }),
        )
      ).code,
    ).toBe("AuthFailure.TokenFailure");
  });
  it("takes its key pair from WEDATA_EMULATOR_SECRET_ID/KEY", async () => {
    const { keyPairsFromEnv } = await import("../src/signature.js");
    expect(keyPairsFromEnv({ WEDATA_EMULATOR_SECRET_ID: "AKIDx", WEDATA_EMULATOR_SECRET_KEY: "y" })).toEqual([
      { secretId: "AKIDx", secretKey: "y", uin: DEFAULT_KEY_PAIR.uin },
    ]);
    expect(keyPairsFromEnv({})).toEqual([DEFAULT_KEY_PAIR]);
  });
  it("rejects other API versions", async () => {
    const emu = await emulator();
    const timestamp = Math.floor(Date.now() / 1000);
    const authorization = Sign.sign3({
      method: "POST",
      url: `${emu.url}/`,
      payload: Buffer.from(body),
      timestamp,
      service: "127",
      secretId: DEFAULT_KEY_PAIR.secretId,
      secretKey: DEFAULT_KEY_PAIR.secretKey,
      multipart: false,
      boundary: "",
      headers: { "Content-Type": "application/json" },
    });
    const res = await fetch(`${emu.url}/`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Authorization: authorization,
        "X-TC-Action": "ListTriggerWorkflows",
        "X-TC-Version": "2021-08-20",
        "X-TC-Region": "ap-guangzhou",
        "X-TC-Timestamp": String(timestamp),
      },
      body,
    });
    expect(((await res.json()) as { Response: { Error: { Code: string } } }).Response.Error.Code).toBe("NoSuchVersion");
  });
});

describe("rate limit: a true sliding window per action and account", () => {
  it("fails the 21st call within one second and passes spaced calls", async () => {
    const emu = await emulator();
    const c = sdkClient(emu);
    const results = await Promise.allSettled(
      Array.from({ length: 21 }, () => c.ListTriggerWorkflows({ ProjectId: PROJECT })),
    );
    const rejected = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason.code).toBe("RequestLimitExceeded");
    // Another action has its own window.
    await expect(c.ListTriggerTasks({ ProjectId: PROJECT })).resolves.toBeDefined();
    await new Promise((r) => setTimeout(r, 1050));
    for (let i = 0; i < 5; i++) {
      await c.ListTriggerWorkflows({ ProjectId: PROJECT });
      await new Promise((r) => setTimeout(r, 60));
    }
  });
  it("counts a window that slides, not fixed seconds", async () => {
    const { SlidingWindowLimiter } = await import("../src/rate-limit.js");
    const l = new SlidingWindowLimiter(2, 1000);
    expect([
      l.tryAcquire("k", 0),
      l.tryAcquire("k", 900),
      l.tryAcquire("k", 999),
      l.tryAcquire("k", 1000),
      l.tryAcquire("k", 1899),
      l.tryAcquire("k", 1900),
    ]).toEqual([true, true, false, true, false, true]);
  });
});

describe("persistence", () => {
  it("keeps data across a restart", async () => {
    const dir = tempDir();
    const first = await startEmulator({ dataDir: dir });
    const wf = (
      await sdkClient(first).CreateTriggerWorkflow({ ProjectId: PROJECT, WorkflowName: "kept", ParentFolderPath: "/" })
    ).Data!.WorkflowId!;
    const task = (await sdkClient(first).CreateTriggerTask(taskBody(wf, "t"))).Data!.TaskId!;
    await first.stop();
    const second = await emulator({ dataDir: dir });
    expect(
      (await sdkClient(second).GetTriggerTask({ ProjectId: PROJECT, TaskId: task })).Data!.TriggerTaskBaseAttribute
        .TaskName,
    ).toBe("t");
    const next = (await sdkClient(second).CreateTriggerTask(taskBody(wf, "u"))).Data!.TaskId!;
    expect(BigInt(next) > BigInt(task)).toBe(true);
  });

  it("keeps every answered write when the process is killed with SIGKILL", async () => {
    const dir = tempDir();
    const start = async () => {
      const child = spawn(
        process.execPath,
        [join(repoRootFromEmulatorTest, "packages/cli/bin/wedata.js"), "emulator", "--port", "0", "--data", dir],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      const line = await new Promise<string>((resolve) =>
        createInterface({ input: child.stdout! }).once("line", resolve),
      );
      expect(line).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
      return { child, endpoint: line.replace("listening on http://", "") };
    };
    const a = await start();
    try {
      const c = sdkClient(a);
      const wf = (
        await c.CreateTriggerWorkflow({ ProjectId: PROJECT, WorkflowName: "survivor", ParentFolderPath: "/" })
      ).Data!.WorkflowId!;
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push((await c.CreateTriggerTask(taskBody(wf, `t${i}`))).Data!.TaskId!);
      a.child.kill("SIGKILL");
      await new Promise((r) => a.child.once("exit", r));
      const b = await start();
      try {
        const listed = await sdkClient(b).ListTriggerTasks({ ProjectId: PROJECT, WorkflowId: wf, PageSize: 50 });
        expect(listed.Data!.Items!.map((t) => t.TaskId).sort()).toEqual(ids.sort());
      } finally {
        b.child.kill("SIGKILL");
      }
    } finally {
      a.child.kill("SIGKILL");
    }
  });
});

describe("fault injection", () => {
  it("injects error codes without executing the request", async () => {
    const emu = await emulator({ faults: { actions: { CreateTriggerWorkflow: { errors: { InternalError: 1 } } } } });
    const c = sdkClient(emu);
    expect(
      (await sdkError(c.CreateTriggerWorkflow({ ProjectId: PROJECT, WorkflowName: "w", ParentFolderPath: "/" }))).code,
    ).toBe("InternalError");
    emu.setFaults({});
    expect((await c.ListTriggerWorkflows({ ProjectId: PROJECT })).Data!.TotalCount).toBe(0);
  });
  it("resets the connection before executing", async () => {
    const emu = await emulator({ faults: { actions: { CreateTriggerWorkflow: { resetRate: 1 } } } });
    const c = sdkClient(emu);
    const e = await sdkError(c.CreateTriggerWorkflow({ ProjectId: PROJECT, WorkflowName: "w", ParentFolderPath: "/" }));
    expect(e.code).toBeUndefined();
    expect(e.message).toMatch(/socket hang up|ECONNRESET/);
    expect((await c.ListTriggerWorkflows({ ProjectId: PROJECT })).Data!.TotalCount).toBe(0);
  });
  it("commits the write, then loses the response (reset): a blind retry would duplicate", async () => {
    const emu = await emulator({ faults: { actions: { CreateTriggerWorkflow: { lostResponseRate: 1 } } } });
    const c = sdkClient(emu);
    const e = await sdkError(c.CreateTriggerWorkflow({ ProjectId: PROJECT, WorkflowName: "w", ParentFolderPath: "/" }));
    expect(e.code).toBeUndefined();
    expect((await c.ListTriggerWorkflows({ ProjectId: PROJECT })).Data!.Items!.map((w) => w.WorkflowName)).toEqual([
      "w",
    ]);
    expect(emu.log.at(-2)).toMatchObject({ action: "CreateTriggerWorkflow", outcome: "lost" });
  });
  it("commits the write, then never answers: the client times out", async () => {
    const emu = await emulator({ faults: { actions: { CreateTriggerWorkflow: { hangAfterCommitRate: 1 } } } });
    const c = sdkClient(emu, { reqTimeout: 0.5 });
    const e = await sdkError(c.CreateTriggerWorkflow({ ProjectId: PROJECT, WorkflowName: "w", ParentFolderPath: "/" }));
    expect(e.message).toMatch(/timeout/);
    expect((await c.ListTriggerWorkflows({ ProjectId: PROJECT })).Data!.TotalCount).toBe(1);
  });
  it("adds latency and draws from a seeded generator, so a run replays", async () => {
    const emu = await emulator({ faults: { seed: 7, actions: { ListTriggerWorkflows: { latencyMs: 150 } } } });
    const t0 = Date.now();
    await sdkClient(emu).ListTriggerWorkflows({ ProjectId: PROJECT });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    const { FaultInjector } = await import("../src/faults.js");
    const draw = () => {
      const f = new FaultInjector({ seed: 42, default: { errors: { InternalError: 0.3 }, lostResponseRate: 0.3 } });
      return Array.from({ length: 30 }, () => f.decide("X").kind).join(",");
    };
    expect(draw()).toBe(draw());
    expect(new Set(draw().split(","))).toEqual(new Set(["none", "error", "lost"]));
  });
  it("keeps a request log readable in process and over HTTP", async () => {
    const emu = await emulator();
    const c = sdkClient(emu);
    await c.ListTriggerWorkflows({ ProjectId: PROJECT });
    await sdkError(c.GetTriggerWorkflow({ ProjectId: PROJECT, WorkflowId: "nope" }));
    expect(emu.log.map((l) => [l.action, l.outcome, l.code])).toEqual([
      ["ListTriggerWorkflows", "ok", undefined],
      ["GetTriggerWorkflow", "error", "ResourceNotFound"],
    ]);
    const anonymous = await fetch(`${emu.url}/_emulator/log`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).toMatch(/AuthFailure/);
    const signed = await fetch(`${emu.url}/_emulator/log`, {
      headers: signRequest(DEFAULT_KEY_PAIR, { host: emu.endpoint, method: "GET", path: "/_emulator/log" }),
    });
    const overHttp = (await signed.json()) as Array<{ action: string }>;
    expect(overHttp.map((l) => l.action)).toEqual(["ListTriggerWorkflows", "GetTriggerWorkflow"]);
  });
});
