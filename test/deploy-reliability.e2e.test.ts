import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_KEY_PAIR, type startEmulator, type RunningEmulator } from "@wedata-kit/emulator";
import {
  applyPlan,
  connectSdk,
  fetchRemoteState,
  planDeployment,
  RateLimitedCaller,
  type WedataApi,
} from "@wedata-kit/deployer";
import { buildProject } from "../packages/cli/src/compile-project.js";
import { emulatorEnv } from "./cli.js";
import { copyExample, repoRoot, tempProject } from "./helpers.js";
import { PROJECT } from "./sdk.js";
import { remoteTasks, suiteEmulator } from "./reliability/support.js";

const running: RunningEmulator[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
async function emulator(opts: Parameters<typeof startEmulator>[0] = {}) {
  // Accepts the documented local key pair (the CLI here) and the suite's (its remote-state helper).
  const e = await suiteEmulator(opts);
  running.push(e);
  return e;
}
function projectDir(files?: Record<string, string>): string {
  const p = files ? tempProject(files) : copyExample("daily-etl");
  dirs.push(p.dir);
  return p.dir;
}

function cliEnv(emu: RunningEmulator): Record<string, string> {
  const env = { ...process.env, ...emulatorEnv(emu.url) } as unknown as Record<string, string>;
  delete env.TENCENTCLOUD_SECRET_ID;
  delete env.TENCENTCLOUD_SECRET_KEY;
  return env;
}

/** Largest number of requests for one action that arrived within any sliding 1000 ms. */
function maxInAnySecond(starts: number[]): number {
  const s = [...starts].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < s.length; i++) {
    while (s[i]! - s[j]! >= 1000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe("rate", () => {
  it("never exceeds 20 calls per action in a sliding second, and sustains at least 90% of it for 240 " +
    "tasks", async () => {
    const pipeline = `import { task, workflow } from "@wedata-kit/dsl";
export const flows = Array.from({ length: 4 }, (_, w) => {
  const roots = Array.from({ length: 6 }, (_, i) => task(\`root_\${i}\`).shell({ inline: \`echo \${i}\` }));
  const rest = Array.from({ length: 54 }, (_, i) =>
    task(\`t_\${i}\`).shell({ inline: \`echo \${i}\` }).after(roots[i % 6]!),
  );
  return workflow(\`bulk_\${w}\`, { folder: "/bulk" }).tasks(...roots, ...rest);
});
`;
    const dir = projectDir({
      "wedata.config.ts":
        `import { defineConfig } from "@wedata-kit/dsl";\nexport default defineConfig({ name: ` +
        `"bulk", pipelines: ["p.ts"], targets: { dev: { projectId: "${PROJECT}", region: "ap-guangzhou" } } });\n`,
      "p.ts": pipeline,
    });
    const emu = await emulator();
    const traceFile = join(dir, "calls.trace");
    // The CLI runs in its own process, as it would against the real service.
    const out = await new Promise<string>((resolve) => {
      const child = spawn(
        process.execPath,
        [join(repoRoot, "packages/cli/bin/wedata.js"), "deploy", "--cwd", dir, "--yes", "--no-typecheck"],
        { env: { ...cliEnv(emu), WEDATA_TRACE_CALLS: traceFile }, stdio: ["ignore", "pipe", "inherit"] },
      );
      let text = "";
      child.stdout!.on("data", (d: Buffer) => (text += d.toString()));
      child.once("exit", () => resolve(text));
    });
    expect(out.replace(/\x1b\[[0-9;]*m/g, "")).toMatch(/240 submitted, 0 failed/);
    // What the deployer controls, measured where it happens: when each request is sent. (Arrival times at
    // an emulator on a loaded machine bunch in its socket buffer, which no client can prevent.)
    const sends = readFileSync(traceFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => ({ at: Number(l.split(" ")[0]), action: l.split(" ")[1]! }));
    const byAction = new Map<string, number[]>();
    for (const e of sends) byAction.set(e.action, [...(byAction.get(e.action) ?? []), e.at]);
    for (const [action, starts] of byAction) expect(maxInAnySecond(starts), action).toBeLessThanOrEqual(20);
    expect(sends.length).toBe(emu.log.length);
    const throttled = emu.log.filter((e) => e.code === "RequestLimitExceeded").length;
    const creates = sends.filter((e) => e.action === "CreateTriggerTask").map((e) => e.at);
    const rate = (creates.length - 1) / ((Math.max(...creates) - Math.min(...creates)) / 1000);
    console.log(
      `CreateTriggerTask: ${creates.length} calls at ${rate.toFixed(1)}/s sustained (limit 20/s); ${throttled} ` +
        `answered RequestLimitExceeded at the emulator`,
    );
    expect(rate).toBeGreaterThanOrEqual(18);
  }, 120_000);
});

describe("faults", () => {
  it(
    "a permanent error on one task fails it with code, RequestId and location, skips its dependents, and deploys " +
      "the rest",
    async () => {
      const dir = projectDir();
      const emu = await emulator();
      const sdk = connectSdk({ endpoint: emu.url, region: "ap-guangzhou", credentials: DEFAULT_KEY_PAIR });
      // Corrupt one request on its way out so the emulator itself rejects it.
      const api: WedataApi = {
        call: (action, req) => {
          const r = req as { TriggerTaskBaseAttribute?: { TaskName?: string; TaskTypeId?: string } };
          if (action === "CreateTriggerTask" && r.TriggerTaskBaseAttribute?.TaskName === "extract_orders") {
            return sdk.call(action, {
              ...req,
              TriggerTaskBaseAttribute: { ...r.TriggerTaskBaseAttribute, TaskTypeId: "99" },
            } as never);
          }
          return sdk.call(action, req);
        },
      };
      const { compiled } = await buildProject({ cwd: dir, typecheck: false });
      const caller = new RateLimitedCaller(api);
      const remote = await fetchRemoteState(caller, compiled, { project: "daily-etl" });
      const summary = await applyPlan(planDeployment(compiled, remote, { project: "daily-etl" }), caller, {
        versionRemark: "test",
      });
      expect(summary.failed).toHaveLength(1);
      expect(summary.failed[0]).toMatchObject({
        key: "daily_orders/extract_orders",
        action: "CreateTriggerTask",
        code: "InvalidParameterValue",
        loc: { file: "pipelines/daily-orders.ts", line: 5 },
      });
      expect(summary.failed[0]!.requestId).toMatch(/^[0-9a-f-]{36}$/);
      const skipped = summary.skipped.map((s) => s.step);
      for (const k of ["clean_orders", "load_fact_orders", "score_customers", "publish_report", "notify"])
        expect(skipped).toContain(`create task daily_orders/${k}`);
      const { keys } = await remoteTasks(emu);
      expect(keys).toEqual([
        "daily_orders/run_dim_refresh",
        "dim_refresh/build_dim_customer",
        "dim_refresh/build_dim_product",
        "dim_refresh/check_dims",
        "dim_refresh/sync_customers",
        "hourly_monitor/alert_oncall",
        "hourly_monitor/check_freshness",
      ]);
    },
  );
});
