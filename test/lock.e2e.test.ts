/**
 * One deployer at a time: the deploy lock on the target. A held lock refuses a second deployer (who is
 * named), status and release show and break it, an expired lock and one whose process is gone are
 * broken, and two deploys of different code started together never interleave.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { acquireLock, connectSdk, RateLimitedCaller, readLock } from "@wedata-kit/deployer";
import { DEFAULT_KEY_PAIR, startEmulator, type RunningEmulator } from "@wedata-kit/emulator";
import { afterEach, describe, expect, it } from "vitest";
import { emulatorEnv, runCli } from "./cli.js";
import { copyExample } from "./helpers.js";
import { PROJECT, sdkClient } from "./sdk.js";

const running: RunningEmulator[] = [];
const dirs: Array<{ cleanup: () => void }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
  for (const d of dirs.splice(0)) d.cleanup();
});

async function setup() {
  const emu = await startEmulator();
  running.push(emu);
  const p = copyExample("daily-etl");
  dirs.push(p);
  const caller = new RateLimitedCaller(
    connectSdk({ endpoint: emu.url, region: "ap-guangzhou", credentials: DEFAULT_KEY_PAIR }),
  );
  return { emu, dir: p.dir, place: { caller, projectId: PROJECT, project: "daily-etl" } };
}
const deploy = (dir: string, emu: RunningEmulator, ...extra: string[]) =>
  runCli(["deploy", "--cwd", dir, "--yes", "--no-typecheck", ...extra], emulatorEnv(emu.url));

describe("the deploy lock", () => {
  it("a held lock refuses a second deployer, naming the holder; status shows it; release needs --force", async () => {
    const { emu, dir, place } = await setup();
    const other = await acquireLock(place, { command: "wedata deploy (another laptop)" });
    const refused = await deploy(dir, emu);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(
      new RegExp(
        String.raw`another deploy holds the lock of this project on the target: .* \(wedata` +
          String.raw` deploy \(another laptop\)\), since .*, until .*\. Wait for it to finish`,
      ),
    );
    expect(
      emu.log.some(
        (e) =>
          /^(Create|Update|Submit)/.test(e.action) &&
          e.subject?.name !== "lock" &&
          e.subject?.name !== "wedata-kit" &&
          !(e.subject?.name ?? "").startsWith("wedata_kit_lock_"),
      ),
    ).toBe(false);
    const status = await runCli(["lock", "status", "--cwd", dir], emulatorEnv(emu.url));
    expect(status.out).toMatch(/Locked by .* \(wedata deploy \(another laptop\)\) since .*, until /);
    const soft = await runCli(["lock", "release", "--cwd", dir], emulatorEnv(emu.url));
    expect(soft.code).toBe(1);
    expect(soft.err).toMatch(/the lock is held by .* if that deploy was killed, release it with --force/);
    const forced = await runCli(["lock", "release", "--cwd", dir, "--force"], emulatorEnv(emu.url));
    expect(forced.out).toMatch(/Released the lock held by /);
    const d = await deploy(dir, emu);
    expect(d.code, d.out + d.err).toBe(0);
    // The deploy released its lock when done.
    expect(await readLock(place)).toBeUndefined();
    await other.release(); // no longer ours: nothing happens
    expect((await runCli(["lock", "status", "--cwd", dir], emulatorEnv(emu.url))).out).toMatch(
      /No deploy holds the lock/,
    );
  });

  it("an expired lock, and one taken here by a process that is gone, are broken by the next deploy", async () => {
    const { emu, dir, place } = await setup();
    await acquireLock(place, { command: "killed", ttlMs: 1000, now: () => Date.now() - 60_000 });
    expect((await deploy(dir, emu)).code).toBe(0);
    // A lock of a dead process on this machine, not yet expired.
    const wf = (await sdkClient(emu).ListTriggerWorkflows({ ProjectId: PROJECT, Keyword: "wedata_kit_lock_daily-etl" }))
      .Data!.Items![0]!.WorkflowId!;
    const owner = `ci@${hostname()} pid 999999`;
    await sdkClient(emu).CreateTriggerTask({
      ProjectId: PROJECT,
      TriggerTaskBaseAttribute: {
        TaskName: "lock",
        TaskTypeId: "35",
        WorkflowId: wf,
        TaskDescription: JSON.stringify({
          owner,
          token: "t",
          command: "wedata deploy",
          started: new Date().toISOString(),
          expires: new Date(Date.now() + 3_600_000).toISOString(),
        }),
      },
      TriggerTaskConfiguration: {},
      TriggerTaskSchedulerConfiguration: {},
    });
    const script = join(dir, "jobs/publish_report.sh");
    writeFileSync(script, `${readFileSync(script, "utf8")}echo again\n`);
    const d = await deploy(dir, emu);
    expect(d.code, d.err).toBe(0);
    expect(d.out).toMatch(/1 updated/);
  });

  it("two deploys of different code started together: one applies, the other is refused; the remote is one branch, " +
    "never a mix", async () => {
    for (let round = 0; round < 2; round++) {
      const { emu, dir } = await setup();
      const b = copyExample("daily-etl");
      dirs.push(b);
      writeFileSync(join(b.dir, "jobs/publish_report.sh"), "#!/bin/bash\necho branch-b\n");
      writeFileSync(join(b.dir, "jobs/alert.sh"), "#!/bin/bash\necho branch-b\n");
      const [ra, rb] = await Promise.all([deploy(dir, emu, "--rate", "5"), deploy(b.dir, emu, "--rate", "5")]);
      const codes = [ra.code, rb.code].sort();
      expect(codes, ra.err + rb.err).toEqual([0, 1]);
      const loser = ra.code === 1 ? ra : rb;
      expect(loser.err).toMatch(/another deploy holds the lock/);
      const winnerIsB = rb.code === 0;
      const c = sdkClient(emu);
      const tasks = (await c.ListTriggerTasks({ ProjectId: PROJECT, PageSize: 200 })).Data!.Items!;
      const code = async (name: string) =>
        Buffer.from(
          (await c.GetTriggerTask({ ProjectId: PROJECT, TaskId: tasks.find((t) => t.TaskName === name)!.TaskId })).Data!
            .TriggerTaskConfiguration.CodeContent!,
          "base64",
        ).toString();
      for (const name of ["publish_report", "alert_oncall"])
        expect((await code(name)).includes("branch-b")).toBe(winnerIsB);
      await Promise.all(running.splice(0).map((e) => e.stop()));
    }
  }, 120_000);
});
