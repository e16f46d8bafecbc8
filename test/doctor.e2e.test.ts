/**
 * wedata doctor against the emulator in its default behaviour and in behaviours a real service might
 * have: it detects each, exits non-zero where wedata-kit cannot work safely, and always removes its
 * scratch workflow.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  startEmulator,
  type EmulatorBehaviour,
  type EmulatorOptions,
  type RunningEmulator,
} from "@wedata-kit/emulator";
import { emulatorEnv, runCli } from "./cli.js";
import { copyExample } from "./helpers.js";
import { PROJECT, sdkClient } from "./sdk.js";

const running: RunningEmulator[] = [];
const dirs: Array<{ cleanup: () => void }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
  for (const d of dirs.splice(0)) d.cleanup();
});

async function doctor(
  behaviour?: EmulatorBehaviour,
  extra: { args?: string[]; options?: EmulatorOptions; emu?: RunningEmulator; dir?: string } = {},
) {
  const emu = extra.emu ?? (await startEmulator({ ...(behaviour && { behaviour }), ...extra.options }));
  if (!extra.emu) running.push(emu);
  let dir = extra.dir;
  if (!dir) {
    const p = copyExample("daily-etl");
    dirs.push(p);
    dir = p.dir;
  }
  const r = await runCli(["doctor", "--cwd", dir, ...(extra.args ?? [])], emulatorEnv(emu.url));
  const c = sdkClient(emu);
  const left = (await c.ListTriggerWorkflows({ ProjectId: PROJECT, PageSize: 200 }))
    .Data!.Items!.map((w) => w.WorkflowName)
    .filter((n) => n?.startsWith("wedata_kit_doctor"));
  const tasks = (await c.ListTriggerTasks({ ProjectId: PROJECT, PageSize: 200 })).Data!.Items!.filter((t) =>
    t.WorkflowName?.startsWith("wedata_kit_doctor"),
  ).length;
  const findings = () =>
    JSON.parse(readFileSync(join(dir, "wedata.doctor.json"), "utf8")) as {
      generatedBy: string;
      targets: Record<string, Record<string, any>>;
    };
  return { ...r, left, tasks, emu, dir, findings };
}

describe("wedata doctor", () => {
  it("passes on the documented behaviour, and leaves nothing behind", async () => {
    const r = await doctor();
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/ok\s+a second task of the same name in a workflow is refused[\s\S]*observed: 1 task\(s\)/);
    expect(r.out).toMatch(/the error a duplicate task name gets[\s\S]*observed: InvalidParameter\.DuplicateName/);
    expect(r.out).toMatch(/ok\s+a custom extension key \(wedata-kit\.project/);
    expect(r.out).toMatch(
      /ok\s+the error a duplicate workflow name gets[\s\S]*observed: InvalidParameter\.DuplicateName/,
    );
    expect(r.out).toMatch(/ok\s+a workflow's BundleInfo without a BundleId is kept/);
    expect(r.out).toMatch(
      new RegExp(
        String.raw`ok\s+extension keys the server adds per task kind[\s\S]*observed: 30: [^\n]*python_type[^\n]*; ` +
          String.raw`35: bucket, calendar_open, enableKerberosLogin, extraInfo, ftp\.file\.name, region, ` +
          String.raw`specLabelConfItems, tenantId, waitExecutionTotalTTL\n`,
      ),
    );
    expect(r.out).toMatch(
      /ok\s+how long a created task takes to appear in ListTriggerTasks \(list lag\)[\s\S]*observed: 0\.\d s/,
    );
    expect(r.out).toMatch(/ok\s+Run Workflow \(140\) tasks keep the keys naming the workflow they run/);
    expect(r.out).toMatch(/The scratch workflow and its tasks were removed/);
    expect(r.out).toMatch(/The findings for target dev are in wedata\.doctor\.json/);
    const f = r.findings();
    expect(f.generatedBy).toBe("wedata doctor");
    expect(f.targets.dev).toMatchObject({
      projectId: PROJECT,
      duplicateTaskCode: "InvalidParameter.DuplicateName",
      duplicateWorkflowCode: "InvalidParameter.DuplicateName",
      customExtKeyKept: true,
      bundleInfoKept: true,
      runWorkflow: { id: "subWorkflowId", name: "subWorkflowName", confirmed: true, from: "round-trip" },
    });
    expect(f.targets.dev!.serverKeys["35"]).toContain("ftp.file.name");
    expect(r.left).toEqual([]);
    expect(r.tasks).toBe(0);
  });

  it("never overwrites a wedata.doctor.json it did not write", async () => {
    const p = copyExample("daily-etl");
    dirs.push(p);
    writeFileSync(join(p.dir, "wedata.doctor.json"), '{"mine": true}\n');
    const r = await doctor(undefined, { dir: p.dir });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/refusing to overwrite wedata\.doctor\.json: it is not a findings file wedata doctor wrote/);
    expect(readFileSync(join(p.dir, "wedata.doctor.json"), "utf8")).toBe('{"mine": true}\n');
    expect(r.left).toEqual([]);
  });

  it("measures a list that lags, and the deployer then waits that long before looking a lost create up (no " +
    "duplicate)", async () => {
    const r = await doctor({ listLagMs: 1500 });
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/list lag\)[\s\S]*observed: (1\.[5-9]|2\.\d) s[\s\S]*wait (1\.[5-9]|2\.\d) s first/);
    expect(r.findings().targets.dev!.listLagMs).toBeGreaterThanOrEqual(1500);
    // Every create's answer is lost once: the deployer must find the task, not create it twice.
    r.emu.setFaults({ seed: 3, actions: { CreateTriggerTask: { lostResponseRate: 1, maxFaultsPerRequest: 1 } } });
    const d = await runCli(["deploy", "--cwd", r.dir, "--yes", "--no-typecheck", "--no-lock"], emulatorEnv(r.emu.url));
    expect(d.code, d.out + d.err).toBe(0);
    r.emu.setFaults({});
    await new Promise((res) => setTimeout(res, 1600));
    const names = (await sdkClient(r.emu).ListTriggerTasks({ ProjectId: PROJECT, PageSize: 200 })).Data!.Items!.map(
      (t) => `${t.WorkflowName}/${t.TaskName}`,
    );
    expect(names.length).toBe(new Set(names).size);
    expect(names.filter((n) => !n.startsWith("wedata_kit_lock_"))).toHaveLength(13);
    const p = await runCli(["plan", "--cwd", r.dir, "--no-typecheck"], emulatorEnv(r.emu.url));
    expect(p.out).toMatch(/No changes\./);
  }, 120_000);

  it(
    "reports a service that drops BundleInfo without BundleId; the deploy state still tells the project's " +
      "workflows",
    async () => {
      const r = await doctor({ dropBundleInfoWithoutId: true });
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(
        new RegExp(
          String.raw`a workflow's BundleInfo without a BundleId is kept[\s\S]*observed: \(droppe` +
            String.raw`d\)[\s\S]*the deploy state on the target is what tells this project's workflows`,
        ),
      );
      expect(r.findings().targets.dev!.bundleInfoKept).toBe(false);
      expect((await runCli(["deploy", "--cwd", r.dir, "--yes", "--no-typecheck"], emulatorEnv(r.emu.url))).code).toBe(
        0,
      );
      const cfg = join(r.dir, "wedata.config.ts");
      writeFileSync(cfg, readFileSync(cfg, "utf8").replace(', "pipelines/monitoring.ts"', ""));
      const d = await runCli(
        ["deploy", "--cwd", r.dir, "--yes", "--no-typecheck", "--prune", "--allow-delete", "hourly_monitor"],
        emulatorEnv(r.emu.url),
      );
      expect(d.code, d.out + d.err).toBe(0);
      expect(d.out).toMatch(/- delete\s+hourly_monitor/);
      expect(
        (await sdkClient(r.emu).ListTriggerWorkflows({ ProjectId: PROJECT, Keyword: "hourly_monitor" })).Data!.Items!,
      ).toEqual([]);
    },
  );

  it(
    "finds Run Workflow keys other than the ones written, reads them from a console task with --sample-task, and " +
      "deploys with them",
    async () => {
      const behaviour = { runWorkflowKeys: { id: "workflowId", name: "workflowName" } };
      const r = await doctor(behaviour);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(
        new RegExp(
          String.raw`FAIL Run Workflow \(140\) tasks keep the keys[\s\S]*observed: subWorkflowId:` +
            String.raw` \(dropped\), subWorkflowName: \(dropped\)[\s\S]*wedata doctor --sample-task`,
        ),
      );
      expect(r.findings().targets.dev!.runWorkflow).toMatchObject({ confirmed: false });
      // A Run Workflow task made in the console, as this service stores it.
      const c = sdkClient(r.emu);
      const other = (
        await c.CreateTriggerWorkflow({ ProjectId: PROJECT, WorkflowName: "console_nested", ParentFolderPath: "/" })
      ).Data!.WorkflowId!;
      const holder = (
        await c.CreateTriggerWorkflow({ ProjectId: PROJECT, WorkflowName: "console_runner", ParentFolderPath: "/" })
      ).Data!.WorkflowId!;
      const sample = r.emu.addConsoleTask({
        projectId: PROJECT,
        workflowId: holder,
        name: "run_nested",
        typeId: 140,
        ext: [
          { ParamKey: "workflowId", ParamValue: other },
          { ParamKey: "workflowName", ParamValue: "console_nested" },
        ],
      });
      const again = await doctor(undefined, { emu: r.emu, dir: r.dir, args: ["--sample-task", sample] });
      expect(again.code, again.out).toBe(0);
      expect(again.out).toMatch(
        new RegExp(
          String.raw`ok\s+the extension keys of a Run Workflow task made in ` +
            String.raw`the console[\s\S]*observed: workflowId and workflowName`,
        ),
      );
      expect(again.findings().targets.dev!.runWorkflow).toEqual({
        id: "workflowId",
        name: "workflowName",
        confirmed: false,
        from: "sample-task",
      });
      // The deployer writes those keys now: the example's Run Workflow task names its workflow, and converges.
      expect((await runCli(["deploy", "--cwd", r.dir, "--yes", "--no-typecheck"], emulatorEnv(r.emu.url))).code).toBe(
        0,
      );
      const t = (await c.ListTriggerTasks({ ProjectId: PROJECT, TaskName: "run_dim_refresh" })).Data!.Items![0]!;
      const ext = Object.fromEntries(
        (
          await c.GetTriggerTask({ ProjectId: PROJECT, TaskId: t.TaskId })
        ).Data!.TriggerTaskConfiguration.TaskExtConfigurationList!.map((e) => [e.ParamKey, e.ParamValue]),
      );
      const dims = (await c.ListTriggerWorkflows({ ProjectId: PROJECT, Keyword: "dim_refresh" })).Data!.Items![0]!;
      expect(ext).toMatchObject({ workflowId: dims.WorkflowId, workflowName: "dim_refresh" });
      expect(ext.subWorkflowId).toBeUndefined();
      expect((await runCli(["plan", "--cwd", r.dir, "--no-typecheck"], emulatorEnv(r.emu.url))).out).toMatch(
        /No changes\./,
      );
    },
  );

  it(
    "detects a service that creates two tasks of the same name (the lock cannot hold there), and exits " + "1",
    async () => {
      const r = await doctor({ duplicateTaskNames: "allow" });
      expect(r.code).toBe(1);
      expect(r.out).toMatch(
        new RegExp(
          String.raw`FAIL a second task of the same name[\s\S]*observed: 2 task\(s\)[\s\S]*t` +
            String.raw`he deploy lock cannot keep two deployers apart on this target`,
        ),
      );
      expect(r.left).toEqual([]);
      expect(r.tasks).toBe(0);
    },
  );

  it("reports the code a duplicate really gets, and a service that drops custom extension keys", async () => {
    const r = await doctor({ duplicateCode: "FailedOperation", dropUnknownExtKeys: true });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/the error a duplicate task name gets[\s\S]*observed: FailedOperation/);
    expect(r.out).toMatch(/FAIL a custom extension key[\s\S]*observed: \(dropped\)/);
    expect(r.left).toEqual([]);
    // The deployer on that service: tasks lose their mark, and are still known as the project's (the
    // deploy state), so the project converges and a task that leaves the code is pruned.
    expect((await runCli(["deploy", "--cwd", r.dir, "--yes", "--no-typecheck"], emulatorEnv(r.emu.url))).code).toBe(0);
    expect((await runCli(["plan", "--cwd", r.dir, "--no-typecheck"], emulatorEnv(r.emu.url))).out).toMatch(
      /No changes\./,
    );
    const file = join(r.dir, "pipelines/daily-orders.ts");
    writeFileSync(
      file,
      readFileSync(file, "utf8")
        .replace("publish, notify", "publish")
        .replace(/const notify = task\("notify"\)[\s\S]*?;\n/, ""),
    );
    const d = await runCli(["deploy", "--cwd", r.dir, "--yes", "--no-typecheck", "--prune"], emulatorEnv(r.emu.url));
    expect(d.code, d.out + d.err).toBe(0);
    expect(d.out).toMatch(/- delete\s+daily_orders\/notify/);
    expect((await sdkClient(r.emu).ListTriggerTasks({ ProjectId: PROJECT, TaskName: "notify" })).Data!.Items!).toEqual(
      [],
    );
  });
});
