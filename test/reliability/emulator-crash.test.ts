/**
 * The service goes away mid-deploy: the emulator process is killed with SIGKILL and started again on the
 * same data. A short outage is waited out; a long one is reported clearly, and the re-run converges.
 * Either way, every write that was answered is still there.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  applyPlan,
  connectSdk,
  fetchRemoteState,
  planDeployment,
  RateLimitedCaller,
  type WedataApi,
} from "@wedata-kit/deployer";
import { buildProject } from "../../packages/cli/src/compile-project.js";
import { repoRoot } from "../helpers.js";
import { cleanupDirs, cli, FULL, keepOutput, record, remoteTasks, SUITE_KEY, syntheticProject } from "./support.js";

const children: ChildProcess[] = [];
const dataDirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
  for (const d of dataDirs.splice(0)) rmSync(d, { recursive: true, force: true });
  cleanupDirs();
});

const TASKS = FULL ? 120 : 40;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The emulator as its own process (so it can be killed), on a fixed port and data folder. */
async function emulatorProcess(port: number, data: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [join(repoRoot, "packages/cli/bin/wedata.js"), "emulator", "--port", String(port), "--data", data, "--rate", "40"],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        WEDATA_EMULATOR_SECRET_ID: SUITE_KEY.secretId,
        WEDATA_EMULATOR_SECRET_KEY: SUITE_KEY.secretKey,
      },
    },
  );
  children.push(child);
  child.stderr!.on("data", (d: Buffer) => keepOutput(d.toString()));
  await new Promise<void>((resolve, reject) => {
    let text = "";
    child.stdout!.on("data", (d: Buffer) => {
      text += d.toString();
      keepOutput(d.toString());
      if (text.includes("listening on")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`emulator exited ${code}: ${text}`)));
  });
  return child;
}

const kill = (c: ChildProcess) => new Promise((r) => (c.kill("SIGKILL"), c.once("exit", r)));

describe("the emulator is killed and restarted mid-deploy", () => {
  it("a short outage is waited out; nothing answered is lost", async () => {
    const port = await freePort();
    const data = mkdtempSync(join(tmpdir(), "wedata-emu-"));
    dataDirs.push(data);
    let emu = await emulatorProcess(port, data);
    const { dir, keys } = await syntheticProject(TASKS, 4, 5);
    const { compiled } = await buildProject({ cwd: dir, typecheck: false });
    const sdk = connectSdk({
      endpoint: `http://127.0.0.1:${port}`,
      region: "ap-guangzhou",
      credentials: SUITE_KEY,
      timeoutSeconds: 5,
    });
    const answered: string[] = [];
    const api: WedataApi = {
      call: async (action, req) => {
        const res = await sdk.call(action, req);
        if (action === "CreateTriggerTask") answered.push((res as { Data?: { TaskId?: string } }).Data!.TaskId!);
        return res;
      },
    };
    const caller = new RateLimitedCaller(api, { rate: 40 });
    const plan = planDeployment(compiled, await fetchRemoteState(caller, compiled, { project: "bench" }), {
      project: "bench",
    });
    let done = 0;
    let outage: Promise<void> | undefined;
    const applying = applyPlan(plan, caller, {
      versionRemark: "crash",
      onEvent: (e) => {
        if (e.type === "done" && ++done === Math.floor(TASKS / 2) && !outage) {
          outage = (async () => {
            await kill(emu);
            await new Promise((r) => setTimeout(r, 1000));
            emu = await emulatorProcess(port, data);
          })();
        }
      },
    });
    const summary = await applying;
    await outage;
    expect(summary.failed).toEqual([]);
    const endpoint = { endpoint: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}` };
    const remote = await remoteTasks(endpoint as never);
    const ids = new Set(remote.rows.map((r) => r.id));
    expect(answered.filter((id) => !ids.has(id))).toEqual([]);
    expect(remote.duplicates).toEqual([]);
    expect(remote.keys).toEqual(keys);
    record("emulator crash", { "outages waited out": 1, "answered writes lost": 0, "duplicates found": 0 });
  }, 180_000);

  it("a long outage is reported clearly, and the re-run converges", async () => {
    const port = await freePort();
    const data = mkdtempSync(join(tmpdir(), "wedata-emu-"));
    dataDirs.push(data);
    const emu = await emulatorProcess(port, data);
    const { dir, keys } = await syntheticProject(TASKS, 4, 5);
    const url = `http://127.0.0.1:${port}`;
    // Kill the service once the deploy is writing, and keep it down until the deploy gives up.
    const deploying = cli(["deploy", "--cwd", dir, "--yes", "--no-typecheck", "--rate", "40", "--retries", "3"], url);
    const sdk = connectSdk({ endpoint: url, region: "ap-guangzhou", credentials: SUITE_KEY });
    for (let i = 0; i < 400; i++) {
      const n = await sdk.call("ListTriggerTasks", { ProjectId: "2378393617299558400", PageSize: 10 }).then(
        (r) => r.Data?.TotalCount ?? 0,
        () => 0,
      );
      if (n >= 5) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await kill(emu);
    const r = await deploying;
    expect(r.code).toBe(1);
    expect(r.out + r.err).toMatch(new RegExp(`connection refused: nothing is listening at 127\\.0\\.0\\.1:${port}`));
    await emulatorProcess(port, data);
    const again = await cli(["deploy", "--cwd", dir, "--yes", "--no-typecheck", "--rate", "40"], url);
    expect(again.code, again.out.slice(-2000) + again.err).toBe(0);
    const remote = await remoteTasks({ endpoint: `127.0.0.1:${port}`, url } as never);
    expect(remote.duplicates).toEqual([]);
    expect(remote.keys).toEqual(keys);
    record("emulator crash", { "outages reported": 1, "duplicates found": 0 });
  }, 180_000);
});
