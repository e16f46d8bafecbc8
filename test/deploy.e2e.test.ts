import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "@wedata-kit/emulator";
import { emulatorEnv, runCli } from "./cli.js";
import { copyExample as copyExampleProject, tempProject } from "./helpers.js";
import { PROJECT, sdkClient } from "./sdk.js";

const running: RunningEmulator[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function copyExample(): string {
  const p = copyExampleProject("daily-etl");
  dirs.push(p.dir);
  return p.dir;
}

async function emulator(opts: Parameters<typeof startEmulator>[0] = {}) {
  const e = await startEmulator(opts);
  running.push(e);
  return e;
}

async function remoteTasks(emu: RunningEmulator) {
  const c = sdkClient(emu);
  const items = (await c.ListTriggerTasks({ ProjectId: PROJECT, PageSize: 200 })).Data!.Items!;
  const workflows = (await c.ListTriggerWorkflows({ ProjectId: PROJECT, PageSize: 200 })).Data!.Items!;
  const wname = new Map(workflows.map((w) => [w.WorkflowId, w.WorkflowName]));
  // The project's bookkeeping workflow (deploy lock and deploy state) is not among what the project deploys.
  return items
    .filter((t) => !wname.get(t.WorkflowId)?.startsWith("wedata_kit_lock_"))
    .map((t) => ({
      key: `${wname.get(t.WorkflowId)}/${t.TaskName}`,
      id: t.TaskId,
      submit: t.Submit,
      version: t.TaskLatestVersionNo,
    }));
}

const deploy = (dir: string, emu: RunningEmulator, ...extra: string[]) =>
  runCli(["deploy", "--cwd", dir, "--yes", "--no-typecheck", ...extra], emulatorEnv(emu.url));
/** The emulator's log without the bookkeeping calls: the deploy lock (taking, renewing, releasing) and the deploy
 * state. */
function withoutLock(emu: RunningEmulator) {
  const bookkeeping = (n: string | undefined) => n === "lock" || /^state_\d+$/.test(n ?? "");
  const lockTasks = new Set(emu.log.filter((e) => bookkeeping(e.subject?.name)).map((e) => e.result?.TaskId));
  return emu.log.filter(
    (e) =>
      !bookkeeping(e.subject?.name) &&
      !lockTasks.has(e.subject?.taskId) &&
      !(e.subject?.name ?? "").startsWith("wedata_kit_lock_") &&
      e.subject?.name !== "wedata-kit",
  );
}
const plan = (dir: string, emu: RunningEmulator, ...extra: string[]) =>
  runCli(["plan", "--cwd", dir, "--no-typecheck", "--detailed-exitcode", ...extra], emulatorEnv(emu.url));

describe("deploy examples/daily-etl end to end, through the SDK, to the emulator", () => {
  it("creates everything, submits it, converges, and orders creates after their upstreams", async () => {
    const dir = copyExample();
    const emu = await emulator();
    const first = await deploy(dir, emu);
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/16 created, 0 updated, 0 deleted, 13 submitted, 0 failed/);
    const tasks = await remoteTasks(emu);
    expect(tasks.map((t) => t.key).sort()).toEqual([
      "daily_orders/clean_orders",
      "daily_orders/extract_orders",
      "daily_orders/load_fact_orders",
      "daily_orders/notify",
      "daily_orders/publish_report",
      "daily_orders/run_dim_refresh",
      "daily_orders/score_customers",
      "dim_refresh/build_dim_customer",
      "dim_refresh/build_dim_product",
      "dim_refresh/check_dims",
      "dim_refresh/sync_customers",
      "hourly_monitor/alert_oncall",
      "hourly_monitor/check_freshness",
    ]);
    expect(tasks.every((t) => t.submit)).toBe(true);

    // Ordering, from the emulator's own log: a task's upstream ids were answered before it was sent.
    const answered = new Map<string, number>();
    for (const e of withoutLock(emu)) {
      if (e.action === "CreateTriggerTask" && e.outcome === "ok") {
        const ups = e.subject?.upstream ?? [];
        for (const u of ups)
          expect(answered.get(u), `upstream ${u} created before its dependent`).toBeLessThanOrEqual(e.start);
        answered.set(e.result!.TaskId!, e.end);
      }
    }
    expect(answered.size).toBe(13);
    const run = emu.log.find((e) => e.action === "CreateTriggerTask" && e.subject?.name === "run_dim_refresh")!;
    const dims = emu.log.find((e) => e.action === "CreateTriggerWorkflow" && e.subject?.name === "dim_refresh")!;
    expect(run.subject!.ids).toContain(dims.result!.WorkflowId);

    const again = await plan(dir, emu);
    expect(again.out).toMatch(/No changes\./);
    expect(again.code).toBe(0);
    const second = await deploy(dir, emu);
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/No changes\./);
    expect((await remoteTasks(emu)).map((t) => t.version)).toEqual(tasks.map((t) => t.version));
  });

  it("reads the remote with list calls, and Gets only what its cache cannot vouch for", async () => {
    const dir = copyExample();
    const emu = await emulator();
    await deploy(dir, emu);
    await sdkClient(emu).CreateTriggerWorkflow({
      ProjectId: PROJECT,
      WorkflowName: "unrelated",
      ParentFolderPath: "/",
    });
    // ModifyTime counts seconds: details read within 3 s of a change are read again next time.
    await new Promise((r) => setTimeout(r, 3000));
    const reads = async () =>
      (
        JSON.parse((await runCli(["plan", "--cwd", dir, "--no-typecheck", "--json"], emulatorEnv(emu.url))).out) as {
          reads: Record<string, number>;
        }
      ).reads;
    const first = await reads();
    // The deploy state on the target lists the project's workflows: "unrelated" is not read at all.
    expect(first).toMatchObject({ ListTriggerWorkflows: 1, ListTriggerTasks: 1, GetTriggerWorkflow: 3 });
    const second = await reads();
    expect(second).toMatchObject({ ListTriggerWorkflows: 1, ListTriggerTasks: 1 });
    expect(second.GetTriggerWorkflow ?? 0).toBe(0);
    // One Get: the deploy state itself.
    expect(second.GetTriggerTask ?? 0).toBe(1);
    // Folders holding remote workflows and tasks exist: nothing to list.
    expect((second.ListWorkflowFolders ?? 0) + (second.ListTaskFolders ?? 0)).toBe(0);
    // A console edit of a workflow moves its ModifyTime: that workflow, and only that one, is read again.
    const wf = (await sdkClient(emu).ListTriggerWorkflows({ ProjectId: PROJECT, Keyword: "hourly_monitor" })).Data!
      .Items![0]!;
    await sdkClient(emu).UpdateTriggerWorkflow({
      ProjectId: PROJECT,
      WorkflowId: wf.WorkflowId!,
      WorkflowName: "hourly_monitor",
      WorkflowDesc: "edited in the console",
    } as never);
    expect((await reads()).GetTriggerWorkflow).toBe(1);
    expect((await plan(dir, emu)).out).toMatch(/WorkflowDesc: "edited in the console" -> /);
    // A remote save bumps the version: that task, and only that task, is read again.
    const c = sdkClient(emu);
    const t = (await c.ListTriggerTasks({ ProjectId: PROJECT, TaskName: "notify" })).Data!.Items![0]!;
    await c.UpdateTriggerTaskPartially({
      ProjectId: PROJECT,
      TaskId: t.TaskId,
      NewSetting: { TriggerTaskBaseAttribute: { TaskDescription: "edited in the console" } },
    });
    // That task and the deploy state.
    expect((await reads()).GetTriggerTask).toBe(2);
    expect((await plan(dir, emu)).out).toMatch(/TaskDescription: "edited in the console" -> null/);
  });

  it("an edit to one task updates exactly that task, with a readable diff", async () => {
    const dir = copyExample();
    const emu = await emulator();
    await deploy(dir, emu);
    const before = await remoteTasks(emu);
    writeFileSync(
      join(dir, "jobs/publish_report.sh"),
      `${readFileSync(join(dir, "jobs/publish_report.sh"), "utf8")}echo "report published"\n`,
    );
    const p = await plan(dir, emu);
    expect(p.code).toBe(2);
    expect(p.out).toMatch(/update\s+daily_orders\/publish_report/);
    expect(p.out).toContain('+echo "report published"');
    expect(p.out).not.toMatch(/[A-Za-z0-9+/]{60,}={0,2}/);
    emu.clearLog();
    const d = await deploy(dir, emu);
    expect(d.out).toMatch(/0 created, 1 updated, 0 deleted, 1 submitted/);
    const writes = withoutLock(emu).filter((e) => /^(Create|Update|Delete|Submit)/.test(e.action));
    const target = before.find((t) => t.key === "daily_orders/publish_report")!.id;
    expect(writes.map((e) => [e.action, e.subject!.taskId])).toEqual([
      ["UpdateTriggerTask", target],
      ["SubmitTriggerTask", target],
    ]);
    expect((await plan(dir, emu)).code).toBe(0);
  });

  it("deletes a removed task only with --prune, and only tasks it created", async () => {
    const dir = copyExample();
    const emu = await emulator();
    await deploy(dir, emu);
    // A task someone added by hand in a managed workflow is never pruned.
    const c = sdkClient(emu);
    const wf = (await c.ListTriggerWorkflows({ ProjectId: PROJECT, Keyword: "hourly_monitor" })).Data!.Items![0]!
      .WorkflowId!;
    await c.CreateTriggerTask({
      ProjectId: PROJECT,
      TriggerTaskBaseAttribute: { TaskName: "hand_made", TaskTypeId: "35", WorkflowId: wf },
      TriggerTaskConfiguration: {},
      TriggerTaskSchedulerConfiguration: {},
    });
    const src = readFileSync(join(dir, "pipelines/daily-orders.ts"), "utf8");
    writeFileSync(
      join(dir, "pipelines/daily-orders.ts"),
      src
        .replace("const notify = task(", "const notifyGone = task(")
        .replace(
          ".tasks(extract, clean, runDims, loadFact, score, publish, notify)",
          ".tasks(extract, clean, runDims, loadFact, score, publish)",
        ),
    );
    const p = await plan(dir, emu);
    expect(p.out).toMatch(/Tasks removed from the code \(deleted only with --prune\)/);
    expect(p.out).toMatch(/delete\s+daily_orders\/notify/);
    expect(p.out).toMatch(/Left alone .*hourly_monitor\/hand_made/);
    // --detailed-exitcode: 3 says deletions are waiting.
    expect(p.code).toBe(3);
    const noPrune = await deploy(dir, emu);
    expect(noPrune.out).toMatch(/No changes\./);
    expect((await remoteTasks(emu)).some((t) => t.key === "daily_orders/notify")).toBe(true);
    const pruned = await deploy(dir, emu, "--prune");
    expect(pruned.out).toMatch(/1 deleted/);
    const keys = (await remoteTasks(emu)).map((t) => t.key);
    expect(keys).not.toContain("daily_orders/notify");
    expect(keys).toContain("hourly_monitor/hand_made");
  });

  it("prunes a task in the middle of a chain in one run: the delete waits for the update that drops it", async () => {
    const dir = copyExample();
    const emu = await emulator();
    await deploy(dir, emu);
    // publish_report sits between score_customers and notify; remove it and run notify after score_customers.
    const src = readFileSync(join(dir, "pipelines/daily-orders.ts"), "utf8");
    writeFileSync(
      join(dir, "pipelines/daily-orders.ts"),
      src
        .replace("const publish = task(", "const publishGone = task(")
        .replace(".after(publish)", ".after(score)")
        .replace(", publish, notify)", ", notify)"),
    );
    const pruned = await deploy(dir, emu, "--prune");
    expect(pruned.code, pruned.out).toBe(0);
    expect(pruned.out).toMatch(/0 created, 1 updated, 1 deleted, 1 submitted/);
    const own = withoutLock(emu);
    const updateAt = own.findIndex((e) => e.action === "UpdateTriggerTask" && e.outcome === "ok");
    const deleteAt = own.findIndex((e) => e.action === "DeleteTriggerTask" && e.outcome === "ok");
    expect(updateAt).toBeGreaterThanOrEqual(0);
    expect(deleteAt).toBeGreaterThan(updateAt);
    expect((await remoteTasks(emu)).map((t) => t.key)).not.toContain("daily_orders/publish_report");
    expect((await plan(dir, emu)).out).toMatch(/No changes\./);
  });

  it(
    "a workflow gone from the code (a missing export) is deleted only when named, and a mass deletion only when " +
      "confirmed",
    async () => {
      const dir = copyExample();
      const emu = await emulator();
      await deploy(dir, emu);
      const file = join(dir, "pipelines/monitoring.ts");
      writeFileSync(file, readFileSync(file, "utf8").replace("export const monitoring", "const monitoring"));
      const p = await plan(dir, emu);
      expect(p.code).toBe(3);
      expect(p.err).toMatch(
        new RegExp(
          String.raw`pipelines\/monitoring\.ts:1:1 warning\[W_NO_WORKFLOW\]: pipeli` +
            String.raw`nes\/monitoring\.ts exports no workflow, so it deploys nothing`,
        ),
      );
      expect(p.err).toMatch(
        new RegExp(
          String.raw`pipelines\/monitoring\.ts:4:\d+ warning\[W_UNPLACED_TASK\]: ta` +
            String.raw`sk "check_freshness" is created here but placed in no workflow`,
        ),
      );
      expect(p.out).toMatch(/Whole workflows going away/);
      expect(p.out).toMatch(
        new RegExp(
          String.raw`delete\s+hourly_monitor \(2 task\(s\) and the workflow\): it is no longer declared: is it stil` +
            String.raw`l exported from its pipeline file, and is that file listed in pipelines of wedata\.config\.ts\?`,
        ),
      );
      expect(p.out).toMatch(/held back: deleting a whole workflow needs --prune --allow-delete hourly_monitor/);
      const held = await deploy(dir, emu, "--prune");
      expect(held.code).toBe(0);
      expect(held.out).toMatch(/No changes\./);
      expect((await remoteTasks(emu)).filter((t) => t.key.startsWith("hourly_monitor/"))).toHaveLength(2);
      // Named, but more than the threshold: refused until confirmed.
      const refused = await deploy(dir, emu, "--prune", "--allow-delete", "hourly_monitor", "--max-deletes", "1");
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(
        new RegExp(
          String.raw`refusing to deploy: this plan deletes 2 task\(s\), 15% of the 13 this project has deployed` +
            String.raw` \(the limits are 1 tasks and 20%\); if that is intended, run again with --allow-mass-delete`,
        ),
      );
      expect((await remoteTasks(emu)).filter((t) => t.key.startsWith("hourly_monitor/"))).toHaveLength(2);
      const named = await deploy(
        dir,
        emu,
        "--prune",
        "--allow-delete",
        "hourly_monitor",
        "--max-deletes",
        "1",
        "--allow-mass-delete",
      );
      expect(named.code, named.out).toBe(0);
      expect(named.out).toMatch(/0 created, 0 updated, 3 deleted/);
      expect((await remoteTasks(emu)).filter((t) => t.key.startsWith("hourly_monitor/"))).toHaveLength(0);
    },
  );

  it("a workflow left with no tasks is held back the same way", async () => {
    const dir = copyExample();
    const emu = await emulator();
    await deploy(dir, emu);
    const file = join(dir, "pipelines/monitoring.ts");
    writeFileSync(file, readFileSync(file, "utf8").replace(".tasks(freshness, alert)", ".tasks()"));
    const p = await plan(dir, emu, "--prune");
    expect(p.err).toMatch(
      /pipelines\/monitoring\.ts:\d+:\d+ warning\[W_EMPTY_WORKFLOW\]: workflow "hourly_monitor" has no tasks/,
    );
    expect(p.out).toMatch(
      /delete\s+hourly_monitor \(2 task\(s\)\): it is declared with no tasks: did its \.tasks\(\.\.\.\) lose them\?/,
    );
    const d = await deploy(dir, emu, "--prune");
    expect(d.code).toBe(0);
    expect((await remoteTasks(emu)).filter((t) => t.key.startsWith("hourly_monitor/"))).toHaveLength(2);
  });

  it("a task moved into another existing workflow shows both workflows by name and its dependency change", async () => {
    const dir = copyExample();
    const emu = await emulator();
    await deploy(dir, emu);
    const dims = join(dir, "pipelines/dimensions.ts");
    writeFileSync(
      dims,
      readFileSync(dims, "utf8").replace(
        ".tasks(syncCustomers, dimCustomer, dimProduct, checkDims)",
        ".tasks(syncCustomers, dimCustomer, dimProduct)",
      ),
    );
    const mon = join(dir, "pipelines/monitoring.ts");
    writeFileSync(
      mon,
      readFileSync(mon, "utf8")
        .replace(
          "const alert = task(",
          'const checkDims = task("check_dims").python("jobs/check_dims.py", { version: "python3.11" })' +
            ".owner(OWNER).resourceGroup(RESOURCE_GROUP);\n\nconst alert = task(",
        )
        .replace(".tasks(freshness, alert)", ".tasks(freshness, alert, checkDims)"),
    );
    const p = await plan(dir, emu);
    expect(p.out).toMatch(
      new RegExp(
        String.raw`-\/\+ replace hourly_monitor\/check_dims \(a task cannot mov` +
          String.raw`e from workflow "dim_refresh" to "hourly_monitor" in place\)`,
      ),
    );
    expect(p.out).toContain('Workflow: "dim_refresh" -> "hourly_monitor"');
    expect(p.out).toContain('Upstream: ["build_dim_customer","build_dim_product"] -> []');
    expect(p.out).not.toMatch(/new id of hourly_monitor/);
    const d = await deploy(dir, emu);
    expect(d.code, d.out).toBe(0);
    expect(d.out).toMatch(/ok\s+delete task dim_refresh\/check_dims/);
    expect((await remoteTasks(emu)).map((t) => t.key)).toContain("hourly_monitor/check_dims");
    expect((await plan(dir, emu)).out).toMatch(/No changes\./);
  });

  it("never takes over a task another wedata-kit project owns, unless told to", async () => {
    const dir = copyExample();
    const emu = await emulator();
    await deploy(dir, emu);
    // The same code under another project name: every task carries the first project's mark.
    const cfg = join(dir, "wedata.config.ts");
    writeFileSync(cfg, readFileSync(cfg, "utf8").replace('name: "daily-etl"', 'name: "other-team"'));
    writeFileSync(
      join(dir, "jobs/publish_report.sh"),
      `${readFileSync(join(dir, "jobs/publish_report.sh"), "utf8")}echo changed\n`,
    );
    const p = await plan(dir, emu);
    expect(p.out).toMatch(/Owned by another wedata-kit project .*daily_orders\/publish_report \(project "daily-etl"\)/);
    const refused = await deploy(dir, emu);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(
      new RegExp(
        String.raw`refusing to deploy: daily_orders\/publish_report belongs to wedata-kit project "d` +
          String.raw`aily-etl"\. If this project should own it from now on, run again with --take-over`,
      ),
    );
    const taken = await deploy(dir, emu, "--take-over");
    expect(taken.code, taken.out).toBe(0);
    expect(taken.out).toMatch(/0 created, 1 updated/);
  });

  it(
    "plans read by name: dependencies by task name, enum numbers with labels, creates with their key " + "settings",
    async () => {
      const dir = copyExample();
      const emu = await emulator();
      const first = await plan(dir, emu);
      expect(first.out).toMatch(
        new RegExp(
          String.raw`\+ create\s+daily_orders\/load_fact_orders.*\n\s+kind: DLC SQL \(32\); ` +
            String.raw`upstream: clean_orders, run_dim_refresh; folder: \/dw; retries: 4; priority: high \(4\); ` +
            String.raw`code: \d+ bytes\n\s+\| INSERT OVERWRITE TABLE dw\.fact_orders`,
        ),
      );
      expect(first.out).toMatch(
        new RegExp(
          String.raw`\+ create\s+daily_orders .*\n\s+folder: \/etl\/daily; sched` +
            String.raw`ule: 0 0 2 \* \* \? \* \(UTC\+8, from 2026-01-01 00:00:00\)`,
        ),
      );
      const md = await runCli(["plan", "--cwd", dir, "--no-typecheck", "--format", "markdown"], emulatorEnv(emu.url));
      expect(md.out).toContain("| Setting | Value |");
      expect(md.out).toContain('| upstream | `["clean_orders","run_dim_refresh"]` |');
      const json = JSON.parse(
        (await runCli(["plan", "--cwd", dir, "--no-typecheck", "--json"], emulatorEnv(emu.url))).out,
      ) as { plan: { tasks: Array<{ key: string; summary?: { upstream?: string[] } }> } };
      expect(json.plan.tasks.find((t) => t.key === "daily_orders/load_fact_orders")!.summary!.upstream).toEqual([
        "clean_orders",
        "run_dim_refresh",
      ]);
      await deploy(dir, emu);
      const src = readFileSync(join(dir, "pipelines/daily-orders.ts"), "utf8");
      writeFileSync(
        join(dir, "pipelines/daily-orders.ts"),
        src.replace('  .priority("high")\n', "").replace(".after(publish)", ".after(score)"),
      );
      const p = await plan(dir, emu);
      expect(p.out).toContain('RunPriorityType: "high (4)" -> "low (6)"');
      expect(p.out).toContain('UpstreamDependencyConfigList: ["publish_report"] -> ["score_customers"]');
      expect(p.out.replace(/project \d+/, "")).not.toMatch(/\b\d{17}\b/);
    },
  );

  it(
    "renames a task and a workflow in place: same ids, versions and history; the renamedFrom can then " + "go",
    async () => {
      const dir = copyExample();
      const emu = await emulator();
      await deploy(dir, emu);
      const before = new Map((await remoteTasks(emu)).map((t) => [t.key, t.id]));
      const c = sdkClient(emu);
      const wfId = (await c.ListTriggerWorkflows({ ProjectId: PROJECT, Keyword: "hourly_monitor" })).Data!.Items![0]!
        .WorkflowId!;
      const mon = join(dir, "pipelines/monitoring.ts");
      const original = readFileSync(mon, "utf8");
      writeFileSync(
        mon,
        original
          .replace('task("alert_oncall")', 'task("page_oncall").renamedFrom("alert_oncall")')
          .replace('workflow("hourly_monitor", {', 'workflow("hourly_checks", {')
          .replace(".tasks(freshness, alert)", '.tasks(freshness, alert).renamedFrom("hourly_monitor")'),
      );
      const p = await plan(dir, emu);
      expect(p.out).toMatch(/~ update\s+hourly_checks \(renamed from "hourly_monitor", in place\)/);
      expect(p.out).toContain('WorkflowName: "hourly_monitor" -> "hourly_checks"');
      expect(p.out).toMatch(
        /~ update\s+hourly_checks\/page_oncall \(renamed from "alert_oncall", in place \(same TaskId\)\)/,
      );
      expect(p.out).toContain('TaskName: "alert_oncall" -> "page_oncall"');
      expect(p.out).not.toMatch(/[+-] (create|delete)\s/);
      const d = await deploy(dir, emu, "--prune");
      expect(d.code, d.out).toBe(0);
      expect(d.out).toMatch(/0 created, 2 updated, 0 deleted/);
      const after = new Map((await remoteTasks(emu)).map((t) => [t.key, t.id]));
      expect(after.get("hourly_checks/page_oncall")).toBe(before.get("hourly_monitor/alert_oncall"));
      expect(after.get("hourly_checks/check_freshness")).toBe(before.get("hourly_monitor/check_freshness"));
      expect(
        (await c.ListTriggerWorkflows({ ProjectId: PROJECT, Keyword: "hourly_checks" })).Data!.Items![0]!.WorkflowId,
      ).toBe(wfId);
      expect((await plan(dir, emu)).out).toMatch(/No changes\./);
      // Once deployed, the renamedFrom can go: nothing changes.
      writeFileSync(
        mon,
        readFileSync(mon, "utf8")
          .replace('.renamedFrom("alert_oncall")', "")
          .replace('.renamedFrom("hourly_monitor")', ""),
      );
      expect((await plan(dir, emu)).out).toMatch(/No changes\./);
    },
  );

  it("moving a task to another task folder is an in-place update (same id)", async () => {
    const dir = copyExample();
    const emu = await emulator();
    await deploy(dir, emu);
    const before = new Map((await remoteTasks(emu)).map((t) => [t.key, t.id]));
    const src = readFileSync(join(dir, "pipelines/daily-orders.ts"), "utf8");
    writeFileSync(
      join(dir, "pipelines/daily-orders.ts"),
      src.replace('.folder("/ods")\n  .schedulingParams', '.folder("/staging")\n  .schedulingParams'),
    );
    const p = await plan(dir, emu);
    expect(p.out).toMatch(/\+ create\s+GENERAL task folder \/staging in daily_orders/);
    expect(p.out).toMatch(/~ update\s+daily_orders\/extract_orders/);
    expect(p.out).toContain('TaskFolderPath: "/ods" -> "/staging"');
    expect((await deploy(dir, emu)).code).toBe(0);
    expect((await remoteTasks(emu)).find((t) => t.key === "daily_orders/extract_orders")!.id).toBe(
      before.get("daily_orders/extract_orders"),
    );
    expect((await plan(dir, emu)).out).toMatch(/No changes\./);
  });

  it(
    "creates a file-arrival workflow without its trigger (the create takes TIME_TRIGGER only), then sets it by an " +
      "update",
    async () => {
      const dir = copyExample();
      const emu = await emulator();
      const mon = join(dir, "pipelines/monitoring.ts");
      writeFileSync(
        mon,
        readFileSync(mon, "utf8").replace(
          'schedule: { cron: "0 5 * * * ? *", cycle: "HOUR_CYCLE", start: START },',
          'schedule: { fileArrival: "cosn://acme-raw/landing/", pattern: "*.csv", ' +
            "minIntervalMinutes: 10, batchWaitMinutes: 5 },",
        ),
      );
      const d = await deploy(dir, emu);
      expect(d.code, d.out + d.err).toBe(0);
      const create = emu.log.find((e) => e.action === "CreateTriggerWorkflow" && e.subject?.name === "hourly_monitor")!;
      expect(create.outcome).toBe("ok");
      const c = sdkClient(emu);
      const id = (await c.ListTriggerWorkflows({ ProjectId: PROJECT, Keyword: "hourly_monitor" })).Data!.Items![0]!
        .WorkflowId!;
      const detail = (await c.GetTriggerWorkflow({ ProjectId: PROJECT, WorkflowId: id })).Data!;
      expect(detail.TriggerMode).toBe("FILE_ARRIVAL");
      expect(detail.TriggerWorkflowSchedulerConfigurations![0]).toMatchObject({
        TriggerMode: "FILE_ARRIVAL",
        FileArrivalPath: "cosn://acme-raw/landing/",
        FileNamePattern: "*.csv",
        TriggerMinimumInterval: 10,
        TriggerWaitTime: 5,
      });
      expect((await plan(dir, emu)).out).toMatch(/No changes\./);
    },
  );

  it("replaces a task whose kind changed and points its dependents at the new id", async () => {
    const dir = copyExample();
    const emu = await emulator();
    await deploy(dir, emu);
    const before = new Map((await remoteTasks(emu)).map((t) => [t.key, t.id]));
    const src = readFileSync(join(dir, "pipelines/daily-orders.ts"), "utf8");
    writeFileSync(
      join(dir, "pipelines/daily-orders.ts"),
      src.replace('.shell("jobs/publish_report.sh")', '.python({ inline: "print(1)\\n" })'),
    );
    const p = await plan(dir, emu);
    expect(p.out).toMatch(/-\/\+ replace daily_orders\/publish_report \(a task's kind cannot change in place\)/);
    expect(p.out).toMatch(/update\s+daily_orders\/notify/);
    const d = await deploy(dir, emu);
    expect(d.code).toBe(0);
    const after = new Map((await remoteTasks(emu)).map((t) => [t.key, t.id]));
    expect(after.get("daily_orders/publish_report")).not.toBe(before.get("daily_orders/publish_report"));
    expect(after.get("daily_orders/notify")).toBe(before.get("daily_orders/notify"));
    const notify = (
      await sdkClient(emu).GetTriggerTask({ ProjectId: PROJECT, TaskId: after.get("daily_orders/notify")! })
    ).Data!;
    expect(notify.TriggerTaskSchedulerConfiguration.UpstreamDependencyConfigList).toEqual([
      { TaskId: after.get("daily_orders/publish_report") },
    ]);
    expect((await plan(dir, emu)).code).toBe(0);
  });

  it(
    "replaces a workflow moved to another folder: its tasks are recreated and the Run Workflow task " + "follows",
    async () => {
      const dir = copyExample();
      const emu = await emulator();
      await deploy(dir, emu);
      const c = sdkClient(emu);
      const oldId = (await c.ListTriggerWorkflows({ ProjectId: PROJECT, Keyword: "dim_refresh" })).Data!.Items![0]!
        .WorkflowId!;
      const src = readFileSync(join(dir, "pipelines/dimensions.ts"), "utf8");
      writeFileSync(
        join(dir, "pipelines/dimensions.ts"),
        src.replace('folder: "/etl/dims"', 'folder: "/etl/dimensions"'),
      );
      const p = await plan(dir, emu);
      expect(p.out).toMatch(/-\/\+ replace dim_refresh \(a workflow cannot move to another folder in place\)/);
      expect(p.out).toMatch(/ParentFolderPath: "\/etl\/dims" -> "\/etl\/dimensions"/);
      expect(p.out).toMatch(/replace dim_refresh\/check_dims/);
      expect(p.out).toMatch(/update\s+daily_orders\/run_dim_refresh/);
      const d = await deploy(dir, emu);
      expect(d.code, d.out + d.err).toBe(0);
      const moved = (await c.ListTriggerWorkflows({ ProjectId: PROJECT, ParentFolderPath: "/etl/dimensions" })).Data!
        .Items!;
      expect(moved.map((w) => w.WorkflowName)).toEqual(["dim_refresh"]);
      expect(moved[0]!.WorkflowId).not.toBe(oldId);
      const run = (await c.ListTriggerTasks({ ProjectId: PROJECT, TaskName: "run_dim_refresh" })).Data!.Items![0]!;
      const ext = (await c.GetTriggerTask({ ProjectId: PROJECT, TaskId: run.TaskId })).Data!.TriggerTaskConfiguration
        .TaskExtConfigurationList!;
      expect(ext).toContainEqual({ ParamKey: "subWorkflowId", ParamValue: moved[0]!.WorkflowId });
      expect((await remoteTasks(emu)).filter((t) => t.key.startsWith("dim_refresh/"))).toHaveLength(4);
      expect((await plan(dir, emu)).code).toBe(0);
    },
  );

  it("--no-submit leaves drafts, and the next deploy submits them without new save versions", async () => {
    const dir = copyExample();
    const emu = await emulator();
    const d = await deploy(dir, emu, "--no-submit");
    expect(d.out).toMatch(/16 created, 0 updated, 0 deleted, 0 submitted/);
    const drafts = await remoteTasks(emu);
    expect(drafts.every((t) => !t.submit && t.version === "V1")).toBe(true);
    const p = await plan(dir, emu);
    expect(p.out).toMatch(/submit\s+daily_orders\/notify \(its latest version is not submitted\)/);
    const s = await deploy(dir, emu);
    expect(s.out).toMatch(/0 created, 0 updated, 0 deleted, 13 submitted/);
    expect((await remoteTasks(emu)).every((t) => t.submit && t.version === "V1")).toBe(true);
  });

  it("destroy deletes everything the project created, and only that", async () => {
    const dir = copyExample();
    const emu = await emulator();
    await deploy(dir, emu);
    const c = sdkClient(emu);
    const other = (
      await c.CreateTriggerWorkflow({ ProjectId: PROJECT, WorkflowName: "someone_elses", ParentFolderPath: "/" })
    ).Data!.WorkflowId!;
    await c.CreateTriggerTask({
      ProjectId: PROJECT,
      TriggerTaskBaseAttribute: { TaskName: "theirs", TaskTypeId: "35", WorkflowId: other },
      TriggerTaskConfiguration: {},
      TriggerTaskSchedulerConfiguration: {},
    });
    const r = await runCli(["destroy", "--cwd", dir, "--yes", "--no-typecheck"], emulatorEnv(emu.url));
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/Destroyed in [\d.]+ s: 0 created, 0 updated, 16 deleted/);
    expect(r.out).toMatch(/To delete \(everything this project created on the target\)/);
    expect(r.out).not.toMatch(/--prune|Deployed in/);
    const help = await runCli(["destroy", "--help"], emulatorEnv(emu.url));
    expect(help.out).not.toMatch(/--prune|--no-submit|--allow-delete/);
    expect((await remoteTasks(emu)).map((t) => t.key)).toEqual(["someone_elses/theirs"]);
    expect((await c.ListTriggerWorkflows({ ProjectId: PROJECT })).Data!.Items!.map((w) => w.WorkflowName)).toEqual([
      "someone_elses",
    ]);
  });

  it("import writes deployed workflows back as DSL code that type-checks and plans with no changes", async () => {
    const dir = copyExample();
    const emu = await emulator();
    await deploy(dir, emu);
    const fresh = tempProject({
      "wedata.config.ts":
        `import { defineConfig } from "@wedata-kit/dsl";\nexport default defineConfig({\n  name: ` +
        `"daily-etl",\n  pipelines: [],\n  targets: { dev: { projectId: "${PROJECT}", region: "ap-guangzhou" } ` +
        `},\n});\n`,
    });
    dirs.push(fresh.dir);
    const r = await runCli(["import", "--cwd", fresh.dir], emulatorEnv(emu.url));
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/read 3 workflow\(s\) and 13 task\(s\)/);
    expect(r.out).toMatch(
      /proof: the code type-checks and compiles, and a plan of it against project \d+ shows no changes/,
    );
    const source = readFileSync(join(fresh.dir, "pipelines/daily_orders.ts"), "utf8");
    expect(source).toContain('import { dimRefresh } from "./dim_refresh.js";');
    expect(source).toContain(".runWorkflow(dimRefresh)");
    expect(readFileSync(join(fresh.dir, "pipelines/daily_orders/publish_report.sh"), "utf8")).toBe(
      readFileSync(join(dir, "jobs/publish_report.sh"), "utf8"),
    );
    expect(readFileSync(join(fresh.dir, "wedata.config.ts"), "utf8")).toMatch(
      /pipelines: \["pipelines\/daily_orders\.ts", "pipelines\/dim_refresh\.ts", "pipelines\/hourly_monitor\.ts"\]/,
    );
    const p = await runCli(["plan", "--cwd", fresh.dir, "--detailed-exitcode"], emulatorEnv(emu.url));
    expect(p.err).toBe("");
    expect(p.out).toMatch(/No changes\./);
    expect(p.code).toBe(0);
    const again = await runCli(["import", "--workflow", "daily_orders", "--cwd", fresh.dir], emulatorEnv(emu.url));
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/refusing to overwrite pipelines\/daily_orders\.ts, pipelines\/daily_orders\//);
    expect(
      (await runCli(["import", "-w", "nope", "--cwd", fresh.dir, "--out", "p2"], emulatorEnv(emu.url))).err,
    ).toMatch(/no workflow named "nope"/);
  });

  it("refuses to deploy without --yes when not on a terminal", async () => {
    const dir = copyExample();
    const emu = await emulator();
    const r = await runCli(["deploy", "--cwd", dir, "--no-typecheck"], emulatorEnv(emu.url));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/pass --yes/);
    expect(await remoteTasks(emu)).toEqual([]);
  });

  it("deploys to the embedded emulator without asking (local data only), but destroy still asks", async () => {
    const dir = copyExample();
    const local = { WEDATA_ENDPOINT: undefined, TENCENTCLOUD_SECRET_ID: undefined, TENCENTCLOUD_SECRET_KEY: undefined };
    const env = { ...local, CI: "true" };
    const r = await runCli(["deploy", "--cwd", dir, "--no-typecheck"], env);
    expect(r.err).not.toMatch(/pass --yes/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/via embedded local emulator[\s\S]*Deployed in [\d.]+ s: \d+ created/);
    const d = await runCli(["destroy", "--cwd", dir, "--no-typecheck"], env);
    expect(d.code).toBe(1);
    expect(d.err).toMatch(/refusing to deploy without confirmation: pass --yes/);
  });
});
