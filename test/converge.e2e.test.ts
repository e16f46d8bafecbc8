/*
 * Convergence against read-backs shaped like the vendor's (the emulator's default): server-added
 * extension keys, no folder and null versions in GetTriggerTask. Through the CLI, the real SDK client
 * and loopback, from a warm machine (.wedata/ kept) and a cold one (a fresh copy, no .wedata/).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_KEY_PAIR, startEmulator, type RunningEmulator } from "@wedata-kit/emulator";
import { emulatorEnv, runCli } from "./cli.js";
import { copyExample } from "./helpers.js";
import { sdkClient } from "./sdk.js";

const running: RunningEmulator[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A second account: the console user who edits tasks by hand. */
const CONSOLE_USER = {
  secretId: "AKIDconsoleUserOfTheSameProject000000",
  secretKey: "console-user-key-0000",
  uin: "100000000777",
};

async function emulator() {
  const e = await startEmulator({ keys: [DEFAULT_KEY_PAIR, CONSOLE_USER] });
  running.push(e);
  return e;
}
function example(name: string): string {
  const p = copyExample(name);
  dirs.push(p.dir);
  return p.dir;
}
/** A fresh clone of a project: the same files, no `.wedata/` (a new CI machine). */
function coldCopy(dir: string): string {
  const to = mkdtempSync(join(tmpdir(), "wedata-cold-"));
  cpSync(dir, to, { recursive: true, filter: (src) => !src.includes(`${join(dir, ".wedata")}`) });
  dirs.push(to);
  return to;
}
const projectId = (dir: string) => /projectId: "(\d+)"/.exec(readFileSync(join(dir, "wedata.config.ts"), "utf8"))![1]!;
const run = (emu: RunningEmulator, ...args: string[]) => runCli([...args, "--no-typecheck"], emulatorEnv(emu.url));
/** Writes in the emulator's log, the deploy lock's own (taking and releasing it) aside. */
const writes = (emu: RunningEmulator) =>
  emu.log.filter(
    (e) =>
      /^(Create|Update|Delete|Submit)/.test(e.action) &&
      e.subject?.name !== "lock" &&
      !(
        e.action === "DeleteTriggerTask" &&
        e.outcome === "ok" &&
        emu.log.some((c) => c.subject?.name === "lock" && c.result?.TaskId === e.subject?.taskId)
      ),
  );

async function remoteTask(emu: RunningEmulator, project: string, name: string) {
  const c = sdkClient(emu);
  const t = (await c.ListTriggerTasks({ ProjectId: project, TaskName: name, PageSize: 200 })).Data!.Items!.find(
    (x) => x.TaskName === name,
  )!;
  return { id: t.TaskId, detail: (await c.GetTriggerTask({ ProjectId: project, TaskId: t.TaskId })).Data! };
}
const extOf = (d: {
  TriggerTaskConfiguration: { TaskExtConfigurationList?: Array<{ ParamKey: string; ParamValue?: string }> | null };
}) =>
  Object.fromEntries(
    (d.TriggerTaskConfiguration.TaskExtConfigurationList ?? []).map((e) => [e.ParamKey, e.ParamValue]),
  );

describe("converges on vendor-shaped read-backs", () => {
  it.each(["daily-etl", "seed"])(
    "examples/%s: after a deploy, plans show no changes and a deploy writes nothing, warm and cold",
    async (name) => {
      const dir = example(name);
      const emu = await emulator();
      // examples/seed places its task in an existing workflow (the seed page's), made in the console.
      if (name === "seed")
        emu.addConsoleWorkflow({
          projectId: projectId(dir),
          workflowId: "d3e40dcc-bf42-4fb9-b081-b00408d478ec",
          name: "gallop",
        });
      const first = await run(emu, "deploy", "--cwd", dir, "--yes");
      expect(first.code, first.out + first.err).toBe(0);
      // Warm: the same checkout.
      const warm = await run(emu, "plan", "--cwd", dir, "--detailed-exitcode");
      expect(warm.out).toMatch(/No changes\./);
      expect(warm.code).toBe(0);
      emu.clearLog();
      const again = await run(emu, "deploy", "--cwd", dir, "--yes");
      expect(again.code).toBe(0);
      expect(writes(emu).map((e) => `${e.action} ${e.subject?.name ?? e.subject?.taskId}`)).toEqual([]);
      // Cold: a fresh clone without .wedata/ reads the deploy state instead of every task.
      const cold = coldCopy(dir);
      emu.clearLog();
      const p = await runCli(["plan", "--cwd", cold, "--no-typecheck", "--json"], emulatorEnv(emu.url));
      const parsed = JSON.parse(p.out) as {
        reads: Record<string, number>;
        plan: { tasks: Array<{ op: string; submit: boolean }> };
      };
      expect(parsed.plan.tasks.every((t) => t.op === "noop" && !t.submit)).toBe(true);
      expect(parsed.reads.GetTriggerTask).toBe(1); // the deploy state
      emu.clearLog();
      const coldDeploy = await run(emu, "deploy", "--cwd", cold, "--yes");
      expect(coldDeploy.out).toMatch(/No changes\./);
      expect(writes(emu)).toEqual([]);
    },
  );

  it(
    "a console edit of a managed setting is drift: shown with who and when, and put back by the next deploy; a " +
      "server key is never shown",
    async () => {
      const dir = example("daily-etl");
      const emu = await emulator();
      const pid = projectId(dir);
      expect((await run(emu, "deploy", "--cwd", dir, "--yes")).code).toBe(0);
      const console = sdkClient(emu, CONSOLE_USER);
      const { id } = await remoteTask(emu, pid, "publish_report");
      // The console user changes a server-added key: none of wedata-kit's business.
      await console.UpdateTriggerTaskPartially({
        ProjectId: pid,
        TaskId: id,
        NewSetting: {
          TriggerTaskConfiguration: {
            TaskExtConfigurationList: [{ ParamKey: "extraInfo", ParamValue: '{"fromMapping":true}' }],
          },
        },
      });
      // (The console's save left a draft: the plan only offers to submit it, it shows no change.)
      const quiet = await run(emu, "plan", "--cwd", dir);
      expect(quiet.out).not.toMatch(/~ update/);
      expect(quiet.out).toMatch(/\^ submit\s+daily_orders\/publish_report \(its latest version is not submitted\)/);
      expect(quiet.out).not.toContain("extraInfo");
      // Then a setting the code owns: the retry count.
      await console.UpdateTriggerTaskPartially({
        ProjectId: pid,
        TaskId: id,
        NewSetting: { TriggerTaskSchedulerConfiguration: { MaxRetryNumber: 9 } },
      });
      const p = await run(emu, "plan", "--cwd", dir);
      expect(p.out).toMatch(/~ update\s+daily_orders\/publish_report/);
      expect(p.out).toMatch(
        new RegExp(
          String.raw`changed outside wedata-kit by user_100000000777 at \d{4}-\d\d-\d\d` +
            String.raw` \d\d:\d\d:\d\d: the deploy puts back what the code says`,
        ),
      );
      expect(p.out).toContain("MaxRetryNumber: 9 -> 4");
      expect(p.out).not.toContain("extraInfo");
      const json = JSON.parse(
        (await runCli(["plan", "--cwd", dir, "--no-typecheck", "--json"], emulatorEnv(emu.url))).out,
      ) as { plan: { tasks: Array<{ key: string; drift?: { by?: string; at?: string } }> } };
      expect(json.plan.tasks.find((t) => t.key === "daily_orders/publish_report")!.drift).toMatchObject({
        by: "user_100000000777",
      });
      expect(json.plan.tasks.filter((t) => t.drift).length).toBe(1);
      expect((await run(emu, "deploy", "--cwd", dir, "--yes")).code).toBe(0);
      const after = (await remoteTask(emu, pid, "publish_report")).detail;
      expect(after.TriggerTaskSchedulerConfiguration.MaxRetryNumber).toBe(4);
      // The update sent the server's keys back as read, the console user's extraInfo included.
      expect(extOf(after)).toMatchObject({
        extraInfo: '{"fromMapping":true}',
        bucket: "wedata-resource-emulator",
        "ftp.file.name": expect.stringContaining("publish_report"),
      });
      expect((await run(emu, "plan", "--cwd", dir)).out).toMatch(/No changes\./);
    },
  );

  it("a key the code stops setting that wedata-kit wrote is removed; the server's keys stay", async () => {
    const dir = example("daily-etl");
    const emu = await emulator();
    const pid = projectId(dir);
    const file = join(dir, "pipelines/monitoring.ts");
    const original = readFileSync(file, "utf8");
    writeFileSync(file, original.replace(".timeout(10)", '.timeout(10)\n  .ext("team.label", "etl")'));
    expect((await run(emu, "deploy", "--cwd", dir, "--yes")).code).toBe(0);
    const name = /task\("([a-z_]+)"\)/.exec(original)![1]!;
    expect(extOf((await remoteTask(emu, pid, name)).detail)["team.label"]).toBe("etl");
    // Cold, too: what was written is known from the deploy state, not from this machine.
    const cold = coldCopy(dir);
    writeFileSync(join(cold, "pipelines/monitoring.ts"), original);
    const p = await run(emu, "plan", "--cwd", cold);
    expect(p.out).toContain('TaskExtConfigurationList.team.label: "etl" -> null');
    expect((await run(emu, "deploy", "--cwd", cold, "--yes")).code).toBe(0);
    const ext = extOf((await remoteTask(emu, pid, name)).detail);
    expect(ext["team.label"]).toBeUndefined();
    expect(ext).toMatchObject({
      bucket: "wedata-resource-emulator",
      region: "ap-guangzhou",
      waitExecutionTotalTTL: "-1",
      "wedata-kit.project": "daily-etl",
    });
    expect((await run(emu, "plan", "--cwd", cold)).out).toMatch(/No changes\./);
  });
});

describe("what a plan does not own", () => {
  it(
    "a task of a kind wedata-kit does not model (made in the console) is listed, never touched, and import says it " +
      "cannot be imported",
    async () => {
      const dir = example("daily-etl");
      const emu = await emulator();
      const pid = projectId(dir);
      expect((await run(emu, "deploy", "--cwd", dir, "--yes")).code).toBe(0);
      const wf = (await sdkClient(emu).ListTriggerWorkflows({ ProjectId: pid, Keyword: "daily_orders" })).Data!
        .Items![0]!.WorkflowId!;
      const upstream = (await remoteTask(emu, pid, "load_fact_orders")).id;
      const dq = emu.addConsoleTask({
        projectId: pid,
        workflowId: wf,
        name: "dq_orders",
        typeId: 43,
        upstream: [upstream],
        ext: [{ ParamKey: "ruleGroupId", ParamValue: "77" }],
      });
      const p = await run(emu, "plan", "--cwd", dir, "--prune", "--detailed-exitcode");
      expect(p.out).toMatch(/No changes\./);
      expect(p.code).toBe(0);
      expect(p.out).toContain("daily_orders/dq_orders (type id 43, a kind wedata-kit does not model)");
      emu.clearLog();
      expect((await run(emu, "deploy", "--cwd", dir, "--yes", "--prune")).code).toBe(0);
      expect(
        emu.log
          .filter((e) => e.subject?.taskId === dq || e.subject?.ids?.includes(dq))
          .map((e) => e.action)
          .filter((a) => !a.startsWith("Get") && !a.startsWith("List")),
      ).toEqual([]);
      // A code task of the same name is refused, naming both.
      const file = join(dir, "pipelines/daily-orders.ts");
      writeFileSync(file, readFileSync(file, "utf8").replace('task("notify")', 'task("dq_orders")'));
      const clash = await run(emu, "plan", "--cwd", dir);
      expect(clash.code).toBe(1);
      expect(clash.err).toMatch(
        new RegExp(
          String.raw`holds a task named "dq_orders" \(\d+\) of a kind wedata-kit does not model \(type id` +
            String.raw` 43\); it is never touched, so give the task of pipelines\/daily-orders.ts:\d+ another name`,
        ),
      );
      // Import lists it as not importable and writes the rest.
      const into = example("daily-etl");
      rmSync(join(into, "pipelines"), { recursive: true });
      const imp = await runCli(
        ["import", "--cwd", into, "--workflow", "daily_orders", "--out", "imported"],
        emulatorEnv(emu.url),
      );
      expect(imp.code, imp.out + imp.err).toBe(0);
      expect(imp.out).toContain(
        "not importable: daily_orders/dq_orders is of a kind wedata-kit does not model (TaskTypeId 43)",
      );
      expect(imp.out).toMatch(/proof.*shows no changes/);
      // Keys doctor saw the server add on this target stay out of imported code.
      const consoleShell = emu.addConsoleTask({
        projectId: pid,
        workflowId: wf,
        name: "console_shell",
        typeId: 35,
        code: "echo hi\n",
        ext: [
          { ParamKey: "x.server.key", ParamValue: "1" },
          { ParamKey: "team", ParamValue: "etl" },
        ],
      });
      expect(consoleShell).toMatch(/^\d+$/);
      const into2 = example("daily-etl");
      rmSync(join(into2, "pipelines"), { recursive: true });
      writeFileSync(
        join(into2, "wedata.doctor.json"),
        JSON.stringify({
          generatedBy: "wedata doctor",
          format: 1,
          targets: {
            dev: { projectId: pid, checkedAt: "2026-11-29T00:00:00Z", serverKeys: { "35": ["x.server.key"] } },
          },
        }),
      );
      const imp2 = await runCli(
        ["import", "--cwd", into2, "--workflow", "daily_orders", "--out", "imported"],
        emulatorEnv(emu.url),
      );
      expect(imp2.code, imp2.out + imp2.err).toBe(0);
      const code = readFileSync(join(into2, "imported/daily_orders.ts"), "utf8");
      expect(code).toContain('.ext("team", "etl")');
      expect(code).not.toContain("x.server.key");
      // destroy deletes the project's tasks and leaves the console's task alone: what it depends on, and its
      // workflow, are kept and said why.
      const d = await run(emu, "destroy", "--cwd", dir, "--yes");
      expect(d.code, d.out + d.err).toBe(0);
      expect(d.out).toContain(
        "= keep    daily_orders/load_fact_orders: daily_orders/dq_orders depends on it, and is not this project's to " +
          "change",
      );
      expect(d.out).toContain(
        "= keep    daily_orders/clean_orders: daily_orders/load_fact_orders, which is kept, depends on it",
      );
      expect(d.out).toContain("= keep    daily_orders: it still holds daily_orders/dq_orders");
      const left = (await sdkClient(emu).ListTriggerTasks({ ProjectId: pid, WorkflowId: wf }))
        .Data!.Items!.map((t) => t.TaskName)
        .sort();
      expect(left).toEqual([
        "clean_orders",
        "console_shell",
        "dq_orders",
        "extract_orders",
        "load_fact_orders",
        "run_dim_refresh",
      ]);
    },
  );

  it(
    "a workflow whose BundleInfo the code sets is still the project's: pruned when it leaves the code, from a cold " +
      "machine too",
    async () => {
      const dir = example("daily-etl");
      const emu = await emulator();
      const pid = projectId(dir);
      const file = join(dir, "pipelines/monitoring.ts");
      writeFileSync(
        file,
        readFileSync(file, "utf8").replace(
          'folder: "/ops",',
          'folder: "/ops",\n  bundleId: "b-7",\n  bundleInfo: "{\\"team\\":\\"ops\\"}",',
        ),
      );
      expect((await run(emu, "deploy", "--cwd", dir, "--yes")).code).toBe(0);
      const got = (await sdkClient(emu).ListTriggerWorkflows({ ProjectId: pid, Keyword: "hourly_monitor" })).Data!
        .Items![0]!;
      expect(
        (await sdkClient(emu).GetTriggerWorkflow({ ProjectId: pid, WorkflowId: got.WorkflowId! })).Data!.BundleInfo,
      ).toBe('{"team":"ops"}');
      const cold = coldCopy(dir);
      writeFileSync(
        join(cold, "wedata.config.ts"),
        readFileSync(join(cold, "wedata.config.ts"), "utf8").replace(', "pipelines/monitoring.ts"', ""),
      );
      const p = await run(emu, "plan", "--cwd", cold, "--prune");
      expect(p.out).toMatch(/hourly_monitor/);
      expect(p.out).toMatch(/- delete\s+hourly_monitor \(2 task\(s\) and the workflow\)/);
      const d = await run(emu, "deploy", "--cwd", cold, "--yes", "--prune", "--allow-delete", "hourly_monitor");
      expect(d.code, d.out + d.err).toBe(0);
      expect(
        (await sdkClient(emu).ListTriggerWorkflows({ ProjectId: pid, Keyword: "hourly_monitor" })).Data!.Items!,
      ).toEqual([]);
    },
  );
});
