/**
 * `wedata import` round trip: a varied project built the way the console builds it (raw API calls,
 * no ownership marks) is imported, the code is proved, plans with no changes, and deploys as a no-op.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Project } from "ts-morph";
import { startEmulator, type RunningEmulator } from "@wedata-kit/emulator";
import { DLC_SQL_ENGINE_KINDS, PYTHON_VERSIONS, TASK_KINDS, TRIGGER_POLICIES, CYCLE_TYPES } from "@wedata-kit/dsl";
import { emulatorEnv, runCli } from "./cli.js";
import { tempProject } from "./helpers.js";
import { PROJECT, sdkClient, type WedataClient } from "./sdk.js";

const running: RunningEmulator[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

type KV = Record<string, string>;
interface SeedTask {
  name: string;
  kind: keyof typeof TASK_KINDS;
  code?: Buffer | string;
  ext?: KV;
  base?: Record<string, unknown>;
  config?: Record<string, unknown>;
  sched?: Record<string, unknown>;
  up?: string[];
  inputs?: Array<{ key: string; from?: string; param?: string; constant?: string; desc?: string }>;
}

const kvs = (o: KV) => Object.entries(o).map(([ParamKey, ParamValue]) => ({ ParamKey, ParamValue }));
const GBK_SQL = Buffer.from([
  0x2d, 0x2d, 0x20, 0xb6, 0xa9, 0xb5, 0xa5, 0x0a, 0x73, 0x65, 0x6c, 0x65, 0x63, 0x74, 0x20, 0x31, 0x3b, 0x0a,
]); // "-- 订单" in GBK
const BINARY = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0xff, 0xfe, 0x00, 0x10]);

/** Create a workflow and its tasks with raw API calls, as the console would, and submit every task. */
async function seedWorkflow(
  c: WedataClient,
  wf: Record<string, unknown> & { WorkflowName: string },
  tasks: SeedTask[],
  runTargets: Map<string, string> = new Map(),
) {
  const id = (await c.CreateTriggerWorkflow({ ProjectId: PROJECT, ...wf } as never)).Data!.WorkflowId!;
  const ids = new Map<string, string>();
  for (const t of tasks) {
    if (typeof t.base?.TaskFolderPath === "string") {
      let parent = "/";
      for (const seg of (t.base.TaskFolderPath as string).slice(1).split("/")) {
        await c
          .CreateTaskFolder({
            ProjectId: PROJECT,
            ParentTaskFolderPath: parent,
            TaskFolderName: seg,
            TaskFolderType: TASK_KINDS[t.kind].folderType,
            WorkflowId: id,
          })
          .catch(() => undefined);
        parent = parent === "/" ? `/${seg}` : `${parent}/${seg}`;
      }
    }
    const ext = {
      ...(t.kind === "runWorkflow"
        ? { subWorkflowId: runTargets.get(t.ext!.subWorkflowName!)!, subWorkflowName: t.ext!.subWorkflowName! }
        : {}),
      ...t.ext,
    };
    const code =
      t.code === undefined ? undefined : (typeof t.code === "string" ? Buffer.from(t.code) : t.code).toString("base64");
    const r = await c.CreateTriggerTask({
      ProjectId: PROJECT,
      TriggerTaskBaseAttribute: {
        TaskName: t.name,
        TaskTypeId: String(TASK_KINDS[t.kind].typeId),
        WorkflowId: id,
        ...t.base,
      },
      TriggerTaskConfiguration: {
        ...(code && { CodeContent: code }),
        ...(Object.keys(ext).length && { TaskExtConfigurationList: kvs(ext) }),
        ...t.config,
      },
      TriggerTaskSchedulerConfiguration: {
        ...(t.up && { UpstreamDependencyConfigList: t.up.map((u) => ({ TaskId: ids.get(u)! })) }),
        ...(t.inputs && {
          ParamTaskInList: t.inputs.map((p) =>
            p.constant !== undefined
              ? {
                  ParamKey: p.key,
                  ParamDesc: p.desc ?? p.constant,
                  FromTaskId: "",
                  FromParamKey: p.constant,
                  Type: "CONSTANT",
                }
              : {
                  ParamKey: p.key,
                  ParamDesc: p.desc ?? `${PROJECT}.${p.from}.${p.param}`,
                  FromTaskId: ids.get(p.from!)!,
                  FromParamKey: p.param!,
                  Type: "TASK",
                },
          ),
        }),
        ...t.sched,
      },
    } as never);
    ids.set(t.name, r.Data!.TaskId!);
    await c.SubmitTriggerTask({ ProjectId: PROJECT, TaskId: r.Data!.TaskId!, VersionRemark: "console" });
  }
  return { id, ids };
}

/** A project with every task kind and every enum value, odd names, params, and nested workflows. */
async function seedVariedProject(c: WedataClient) {
  for (const f of ["etl", "ops"])
    await c.CreateWorkflowFolder({ ProjectId: PROJECT, ParentFolderPath: "/", FolderName: f });
  await c.CreateWorkflowFolder({ ProjectId: PROJECT, ParentFolderPath: "/etl", FolderName: "数仓" });
  const targets = new Map<string, string>();
  // "1st-run": many schedules (the remaining cycle types), nested by "class".
  const cycles = CYCLE_TYPES.filter((x) => x !== "CRONTAB_CYCLE");
  const first = await seedWorkflow(
    c,
    {
      WorkflowName: "1st-run",
      ParentFolderPath: "/ops",
      TriggerWorkflowSchedulerConfigurations: cycles.map((cy, i) => ({
        TriggerMode: "TIME_TRIGGER",
        CycleType: cy,
        ConfigMode: i % 2 ? "COMMON" : "CRON_EXPRESSION",
        CrontabExpression: `0 ${i} 3 * * ? *`,
        StartTime: "2026-02-01 00:00:00",
        EndTime: "2030-01-01 00:00:00",
        ScheduleTimeZone: "UTC+8",
        SchedulerStatus: "ACTIVE",
      })),
      SchedulerStatus: "ACTIVE",
    },
    [
      { name: "task", kind: "shell", code: "echo task\n" },
      { name: "workflow", kind: "merge", up: ["task"] },
    ],
  );
  targets.set("1st-run", first.id);
  // "class": file arrival, paused; runs "1st-run"; binary and non-UTF-8 programs; a duplicate task name.
  const klass = await seedWorkflow(
    c,
    {
      WorkflowName: "class",
      ParentFolderPath: "/etl",
      TriggerWorkflowSchedulerConfigurations: [
        {
          TriggerMode: "FILE_ARRIVAL",
          FileArrivalPath: "cosn://bucket/in/",
          FileNamePattern: "*.csv",
          Recursive: 0,
          TriggerMinimumInterval: 5,
          TriggerWaitTime: 2,
          SchedulerStatus: "PAUSED",
        },
      ],
      SchedulerStatus: "PAUSED",
      BundleId: "bundle-7",
      BundleInfo: '{"from":"console"}',
    },
    [
      { name: "delete", kind: "shell", code: BINARY },
      {
        name: "gbk_report",
        kind: "dlcSql",
        code: GBK_SQL,
        ext: { computeResource: "dlc-a", ...DLC_SQL_ENGINE_KINDS["standard-presto"] },
        up: ["delete"],
      },
      { name: "crlf", kind: "ssh", code: "echo one\r\necho two\r\n", up: ["gbk_report"] },
      { name: "run_first", kind: "runWorkflow", ext: { subWorkflowName: "1st-run" }, up: ["crlf"] },
    ],
    targets,
  );
  targets.set("class", klass.id);
  // "ods_订单-load": every other kind, every enum value spread over the tasks.
  const policies = [...TRIGGER_POLICIES];
  const chain: SeedTask[] = [
    { name: "extract", kind: "shell", code: "#!/bin/sh\necho extract\n" },
    { name: "默认-task", kind: "shell", code: "echo defaults\n" },
    ...PYTHON_VERSIONS.map(
      (v, i): SeedTask => ({
        name: `py_${i}`,
        kind: "python",
        code: `print(${i})\n`,
        ext: { python_type: v === "python2" ? "python2" : "python3", python_sub_version: v },
        up: ["extract"],
      }),
    ),
    ...(Object.keys(DLC_SQL_ENGINE_KINDS) as Array<keyof typeof DLC_SQL_ENGINE_KINDS>).map(
      (k, i): SeedTask => ({
        name: `sql-${i}`,
        kind: "dlcSql",
        code: `select ${i};\n`,
        ext: {
          computeResource: "dlc-prod",
          dlc_region: "ap-guangzhou",
          ...DLC_SQL_ENGINE_KINDS[k],
          ...(i === 0 && { runConfParams: '[{"name":"spark.sql.shuffle.partitions","value":"200"}]' }),
        },
        up: [`py_${i % 4}`],
      }),
    ),
    {
      name: "spark",
      kind: "dlcSpark",
      ext: {
        dataEngine: "spark-batch",
        dlc_region: "ap-guangzhou",
        dlcSparkAppFile: "cosn://b/app.jar",
        dlcSparkMainClass: "com.acme.Main",
        roleArn: "1131",
        dlcSparkAppJars: "cosn://b/a.jar,cosn://b/b.jar",
        dlcSparkAppConf: "spark.executor.memory=4g\nspark.executor.cores=2",
        dlcSparkCmdArgsV2: "--day ${yyyyMMdd}",
      },
      up: ["sql-0"],
    },
    {
      name: "pyspark",
      kind: "dlcPySpark",
      code: "import pyspark\n",
      ext: {
        dataEngine: "spark-batch",
        python_type: "python3",
        python_sub_version: "python3.12",
        cmdargsMainArgs: "--x 1",
        cmdargsSparkConfig: "a=1",
      },
      up: ["sql-1"],
    },
    {
      name: "stream",
      kind: "dlcSparkStreaming",
      code: "stream()\n",
      ext: { dataEngine: "spark-stream" },
      up: ["sql-2"],
    },
    {
      name: "sync",
      kind: "offlineSync",
      code: '{"reader":{},"writer":{}}',
      config: { SourceServiceId: "62175", TargetServiceId: "62176;62177" },
      up: ["extract"],
    },
    {
      name: "form",
      kind: "shellForm",
      ext: { "ftp.file.name": "/res/tools.zip", "shell.cmd": "sh run.sh", "shell.args": "-v" },
      up: ["sync"],
    },
    { name: "branch", kind: "branch", code: "if x then a\n", up: ["form"] },
    { name: "notebook", kind: "notebook", up: ["branch"] },
    {
      name: "each_region",
      kind: "forEach",
      inputs: [
        { key: "regions", constant: "cn,hk" },
        { key: "mode", constant: "full", desc: "run mode" },
      ],
      up: ["notebook"],
    },
    {
      name: "load-orders",
      kind: "shell",
      code: "echo load\n",
      up: ["extract", "sql-4"],
      inputs: [
        { key: "n", from: "extract", param: "rows" },
        { key: "m", from: "sql-4", param: "cnt", desc: "count of sql-4" },
      ],
    },
    { name: "load_orders", kind: "shell", code: "echo load2\n", up: ["load-orders"] },
    { name: "delete", kind: "shell", code: "echo delete\n", up: ["load_orders"] },
    { name: "run_class", kind: "runWorkflow", ext: { subWorkflowName: "class" }, up: ["delete"] },
  ];
  // Enum values over the tasks that have upstreams.
  const redo = ["ALL", "FAILURE", "NONE"];
  const withUp = chain.filter((t) => t.up);
  withUp.forEach((t, i) => {
    t.sched = {
      ...t.sched,
      DependencyTriggerPolicy: policies[i % policies.length],
      AllowRedoType: redo[i % 3],
      RunPriorityType: 4 + (i % 3),
    };
  });
  Object.assign(chain[0]!, {
    base: {
      OwnerUin: "100028579801",
      TaskDescription: 'extract "quoted" 订单\nline two',
      TaskFolderPath: "/ods/raw",
    },
    config: {
      ResourceGroup: "rg-1",
      DataCluster: "emr-1",
      BrokerIp: "any",
      YarnQueue: "root.etl",
      BundleId: "b-1",
      BundleInfo: "{}",
      TaskSchedulingParameterList: kvs({ bizdate: "${yyyyMMdd}", env: "prod" }),
    },
    ext: { enableKerberosLogin: "true", "custom.key": "v" },
    sched: {
      MaxRetryNumber: 7,
      RetryWaitMinute: 3,
      ExecutionTTLMinute: 120,
      WaitExecutionTotalTTLMinute: 600,
      ScheduleType: 1,
      AllowDownstreamDependency: 1,
      ParamTaskOutList: kvs({ rows: "$[rows]" }),
      TaskOutputRegistryList: [
        {
          DatasourceId: "1",
          DatabaseName: "dw",
          TableName: "orders",
          PartitionName: "ds",
          DataFlowType: "DOWNSTREAM",
          TablePhysicalId: "t1",
          DbGuid: "g1",
          TableGuid: "g2",
          CatalogName: "c",
          DatasourceName: "dwh",
          QualifiedName: "dw.orders",
        },
        {
          DatasourceId: "1",
          DatabaseName: "ods",
          TableName: "raw",
          PartitionName: "",
          DataFlowType: "UPSTREAM",
          TablePhysicalId: "t0",
        },
      ],
    },
  });
  chain.find((t) => t.name === "sql-4")!.sched = {
    ...chain.find((t) => t.name === "sql-4")!.sched,
    ParamTaskOutList: kvs({ cnt: "$[cnt]" }),
    AllowDownstreamDependency: 1,
  };
  chain.find((t) => t.name === "load_orders")!.sched = {
    ...chain.find((t) => t.name === "load_orders")!.sched,
    AllowDownstreamDependency: 0,
  };
  // load_orders does not allow dependents: "delete" depends on load-orders instead.
  chain.find((t) => t.name === "delete")!.up = ["load-orders"];
  await seedWorkflow(
    c,
    {
      WorkflowName: "ods_订单-load",
      ParentFolderPath: "/etl/数仓",
      WorkflowDesc: "订单 ODS",
      OwnerUin: "100028579801",
      WorkflowParams: kvs({ bizdate: "${yyyyMMdd}", region: "cn" }),
      TriggerWorkflowSchedulerConfigurations: [
        {
          TriggerMode: "TIME_TRIGGER",
          CycleType: "CRONTAB_CYCLE",
          ConfigMode: "CRON_EXPRESSION",
          CrontabExpression: "0 0 2 * * ? *",
          StartTime: "2026-01-01 00:00:00",
          EndTime: "2099-12-31 23:59:59",
          ScheduleTimeZone: "UTC+9",
          SchedulerStatus: "ACTIVE",
        },
      ],
      SchedulerStatus: "ACTIVE",
      TriggerWorkflowRunConfiguration: { MaxConcurrentNum: 3, QueuingMode: 0 },
      GeneralTaskParams: [{ Type: "SPARK_SQL", Value: "spark.sql.adaptive.enabled=true;x=1" }],
      ExecuteUserUin: "100028579802",
    },
    chain,
    targets,
  );
  return { taskCount: 2 + 4 + chain.length };
}

async function listTasks(c: WedataClient) {
  // The project's deploy state (its bookkeeping, written by the first deploy) is not among the tasks imported.
  return (await c.ListTriggerTasks({ ProjectId: PROJECT, PageSize: 200 }))
    .Data!.Items!.filter((t) => !/^state_\d+$/.test(t.TaskName ?? ""))
    .map((t) => `${t.TaskId}:${t.WorkflowId}:${t.TaskName}:${t.TaskLatestVersionNo}`)
    .sort();
}

const CONFIG = `import { defineConfig } from "@wedata-kit/dsl";

export default defineConfig({
  name: "migrated",
  // Pipeline files, relative to this file.
  pipelines: [],
  targets: { dev: { projectId: "${PROJECT}", region: "ap-guangzhou" } },
});
`;

describe("wedata import: a varied console-built project round-trips through DSL code", () => {
  it("imports every kind and enum value, proves the code, plans no changes, and deploys as a no-op", async () => {
    const emu = await startEmulator({ rateLimit: 1000 });
    running.push(emu);
    const c = sdkClient(emu);
    const { taskCount } = await seedVariedProject(c);
    const before = await listTasks(c);
    expect(before).toHaveLength(taskCount);
    const kinds = new Set(
      (await c.ListTriggerTasks({ ProjectId: PROJECT, PageSize: 200 })).Data!.Items!.map((t) => t.TaskTypeId),
    );
    expect([...kinds].sort((a, b) => a! - b!)).toEqual(
      Object.values(TASK_KINDS)
        .map((k) => k.typeId)
        .sort((a, b) => a - b),
    );

    const p = tempProject({ "wedata.config.ts": CONFIG });
    dirs.push(p.dir);
    const r = await runCli(["import", "--cwd", p.dir], emulatorEnv(emu.url));
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain(`read 3 workflow(s) and ${taskCount} task(s)`);
    expect(r.out).toMatch(
      /proof: the code type-checks and compiles, and a plan of it against project \d+ shows no changes/,
    );
    expect(r.err).toBe("");

    // One file per workflow, named safely; the config now lists them (its comment kept).
    const files = readdirSync(join(p.dir, "pipelines"))
      .filter((f) => f.endsWith(".ts"))
      .sort();
    expect(files).toEqual(["1st-run.ts", "class.ts", "ods_订单-load.ts"]);
    const config = readFileSync(join(p.dir, "wedata.config.ts"), "utf8");
    expect(config).toContain("// Pipeline files, relative to this file.");
    expect(config).toContain('pipelines: ["pipelines/1st-run.ts", "pipelines/class.ts", "pipelines/ods_订单-load.ts"]');

    const ods = readFileSync(join(p.dir, "pipelines/ods_订单-load.ts"), "utf8");
    if (process.env.SHOW_IMPORT) console.log(ods);
    const klass = readFileSync(join(p.dir, "pipelines/class.ts"), "utf8");
    const first = readFileSync(join(p.dir, "pipelines/1st-run.ts"), "utf8");
    // Names that are not identifiers, reserved words and camel-case collisions get distinct variables.
    expect(first).toMatch(/export const _1stRun = workflow\("1st-run"/);
    expect(first).toMatch(/const task_ = task\("task"\)/);
    expect(first).toMatch(
      /const workflow_ = task\("workflow"\)\n\s+\.merge\(\)\n(\s+\.owner\("\d+"\)\n)?\s+\.after\(task_\);/,
    );
    expect(klass).toMatch(/export const class_ = workflow\("class"/);
    expect(klass).toMatch(/const delete_ = task\("delete"\)/);
    expect(ods).toMatch(/const loadOrders = task\("load-orders"\)/);
    expect(ods).toMatch(/const loadOrders2 = task\("load_orders"\)/);
    expect(ods).toMatch(
      new RegExp(
        String.raw`const 默认Task = task\("默认-task"\)\n\s+` +
          String.raw`\.shell\("pipelines\/ods_订单-load\/默认-task\.sh"\)\n\s+\.owner\("\d+"\);`,
      ),
    );
    // Cross-workflow references are imports; typed methods, not raw payloads; defaults left out.
    expect(ods).toContain('import { class_ } from "./class.js";');
    expect(klass).toContain('import { _1stRun } from "./1st-run.js";');
    expect(ods).toContain(".runWorkflow(class_)");
    expect(ods).toMatch(/\.python\("pipelines\/ods_订单-load\/py_3\.py", \{ version: "python3\.12" \}\)/);
    expect(ods).toMatch(/engineKind: "standard-spark"/);
    expect(ods).toMatch(/\.kerberos\(true\)/);
    expect(ods).toMatch(/\.retry\(7, \{ waitMinutes: 3 \}\)/);
    expect(ods).toMatch(/\.input\("m", \{ from: sql4, param: "cnt", desc: "count of sql-4" \}\)/);
    // The target has no projectIdentifier, so no description is the default: each is kept as read.
    expect(ods).toMatch(
      /\.input\("n", \{ from: extract, param: "rows", desc: "2378393617299558400\.extract\.rows" \}\)/,
    );
    expect(ods).toMatch(/\.input\("regions", \{ constant: "cn,hk" \}\)/);
    expect(ods).not.toMatch(/\.ext\("(python_|dlcSpark|computeResource|dataEngine|enableKerberos|ftp\.|shell\.)/);
    expect(ods).not.toMatch(
      /priority\("low"\)|redo\("ALL"\)|triggerWhen\("ALL_SUCCESS"\)|allowDownstream\(true\)|retry\(4\)/,
    );
    // Every enum value survives, written with its typed method.
    for (const policy of TRIGGER_POLICIES.filter((x) => x !== "ALL_SUCCESS"))
      expect(ods).toContain(`.triggerWhen("${policy}")`);
    for (const x of [
      '.redo("FAILURE")',
      '.redo("NONE")',
      '.priority("high")',
      '.priority("medium")',
      ".dryRun()",
      ".allowDownstream(false)",
    ])
      expect(ods).toContain(x);
    for (const v of PYTHON_VERSIONS) expect(ods).toMatch(new RegExp(`version: "${v.replace(".", "\\.")}"`));
    for (const cy of CYCLE_TYPES.filter((x) => x !== "CRONTAB_CYCLE")) expect(first).toContain(`cycle: "${cy}"`);
    for (const k of Object.keys(DLC_SQL_ENGINE_KINDS).filter((x) => x !== "supersql-sparksql"))
      expect(ods).toContain(`engineKind: "${k}"`);
    expect(first).toMatch(/configMode: "CRON_EXPRESSION"/);
    expect(first).not.toMatch(/configMode: "COMMON"/); // the default when a cycle is given
    expect(ods).toContain('timezone: "UTC+9"');
    expect(klass).toContain('status: "PAUSED"');
    expect(klass).toMatch(/schedule: \{[^}]*fileArrival: "cosn:\/\/bucket\/in\/"[^}]*recursive: false/s);
    // Programs are exact bytes next to the code: binary and GBK flagged, CRLF kept.
    expect(readFileSync(join(p.dir, "pipelines/class/delete.sh")).equals(BINARY)).toBe(true);
    expect(readFileSync(join(p.dir, "pipelines/class/gbk_report.sql")).equals(GBK_SQL)).toBe(true);
    expect(readFileSync(join(p.dir, "pipelines/class/crlf.sh"), "utf8")).toBe("echo one\r\necho two\r\n");
    expect(klass).toContain('.shell({ file: "pipelines/class/delete.sh", binary: true })');
    expect(klass).toContain('.dlcSql({ file: "pipelines/class/gbk_report.sql", binary: true }');
    // Formatted: formatting again changes nothing.
    const project = new Project({ useInMemoryFileSystem: true });
    for (const [name, text] of [
      ["a.ts", ods],
      ["b.ts", klass],
      ["c.ts", first],
    ] as const) {
      const sf = project.createSourceFile(name, text);
      sf.formatText({ indentSize: 2, tabSize: 2, convertTabsToSpaces: true });
      expect(sf.getFullText().replace(/\n+/g, "\n")).toBe(text.replace(/\n+/g, "\n"));
    }

    // The round trip: plan shows no changes; deploy does nothing, so the remote keeps its ids and versions.
    const plan = await runCli(["plan", "--cwd", p.dir, "--detailed-exitcode"], emulatorEnv(emu.url));
    expect(plan.out + plan.err).toMatch(/No changes\./);
    expect(plan.code).toBe(0);
    const deploy = await runCli(["deploy", "--cwd", p.dir, "--yes"], emulatorEnv(emu.url));
    expect(deploy.code, deploy.out + deploy.err).toBe(0);
    expect(deploy.out).toMatch(/No changes\./);
    expect(await listTasks(c)).toEqual(before);

    // Adopted, not recreated: an edit updates the same task in place (and marks it as the project's).
    const edited = ods.replace(".retry(7, { waitMinutes: 3 })", ".retry(2, { waitMinutes: 3 })");
    expect(edited).not.toBe(ods);
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(p.dir, "pipelines/ods_订单-load.ts"), edited);
    const again = await runCli(["deploy", "--cwd", p.dir, "--yes"], emulatorEnv(emu.url));
    expect(again.code, again.out + again.err).toBe(0);
    expect(again.out).toMatch(/0 created, 1 updated, 0 deleted/);
    const after = await listTasks(c);
    expect(after.map((t) => t.split(":").slice(0, 3).join(":"))).toEqual(
      before.map((t) => t.split(":").slice(0, 3).join(":")),
    );
  });

  it("imports a selection: Run Workflow targets left out become existingWorkflow references", async () => {
    const emu = await startEmulator({ rateLimit: 1000 });
    running.push(emu);
    const c = sdkClient(emu);
    await seedVariedProject(c);
    const p = tempProject({ "wedata.config.ts": CONFIG });
    dirs.push(p.dir);
    const r = await runCli(
      ["import", "--cwd", p.dir, "--workflow", "class", "--out", "src/flows"],
      emulatorEnv(emu.url),
    );
    expect(r.code, r.out + r.err).toBe(0);
    expect(
      readdirSync(join(p.dir, "src/flows"))
        .filter((f) => f.endsWith(".ts"))
        .sort(),
    ).toEqual(["_existing.ts", "class.ts"]);
    const existing = readFileSync(join(p.dir, "src/flows/_existing.ts"), "utf8");
    expect(existing).toMatch(/export const _1stRun = existingWorkflow\("[0-9a-f-]{36}", "1st-run"\);/);
    expect(readFileSync(join(p.dir, "src/flows/class.ts"), "utf8")).toContain(
      'import { _1stRun } from "./_existing.js";',
    );
    const plan = await runCli(["plan", "--cwd", p.dir, "--detailed-exitcode"], emulatorEnv(emu.url));
    expect(plan.out + plan.err).toMatch(/No changes\./);
    expect(plan.code).toBe(0);
  });

  it("reports what the code cannot reproduce, per task, and keeps nothing unless --allow-lossy", async () => {
    const emu = await startEmulator({ rateLimit: 1000 });
    running.push(emu);
    const c = sdkClient(emu);
    await seedWorkflow(c, { WorkflowName: "odd", ParentFolderPath: "/" }, [
      { name: "ok", kind: "shell", code: "echo ok\n" },
      { name: "zero_wait", kind: "shell", code: "echo z\n", sched: { RetryWaitMinute: 0 } },
      { name: "no_engine_kind", kind: "dlcSql", code: "select 1;\n", ext: { computeResource: "dlc-a" } },
    ]);
    const p = tempProject({ "wedata.config.ts": CONFIG });
    dirs.push(p.dir);
    const r = await runCli(["import", "--cwd", p.dir], emulatorEnv(emu.url));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/odd\/zero_wait: its retry policy \(4 retries, 0 min\) is outside what the code accepts/);
    expect(r.err).toMatch(/odd\/no_engine_kind: its DLC SQL settings lack dlcEngineType/);
    expect(r.err).toMatch(
      new RegExp(
        String.raw`odd\/no_engine_kind: TaskExtConfigurationList\.dlcEngine` +
          String.raw`Type: the remote has null, the code gives "SparkSQLTask"`,
      ),
    );
    expect(r.err).toMatch(/nothing was written.*--allow-lossy/);
    expect(r.err).not.toMatch(/odd\/ok:/);
    expect(existsSync(join(p.dir, "pipelines"))).toBe(false);
    expect(readFileSync(join(p.dir, "wedata.config.ts"), "utf8")).toBe(CONFIG);

    const kept = await runCli(["import", "--cwd", p.dir, "--allow-lossy"], emulatorEnv(emu.url));
    expect(kept.code, kept.out + kept.err).toBe(0);
    expect(kept.out).toMatch(/lossy: \d+ thing\(s\) the code does not reproduce/);
    expect(existsSync(join(p.dir, "pipelines/odd.ts"))).toBe(true);
    // The next plan shows exactly those differences.
    const plan = await runCli(["plan", "--cwd", p.dir, "--detailed-exitcode"], emulatorEnv(emu.url));
    expect(plan.code).toBe(2);
    expect(plan.out).toMatch(/zero_wait/);
    expect(plan.out).toMatch(/no_engine_kind/);
    expect(plan.out).not.toMatch(/~ .*odd\/ok\b/);
  });
});
