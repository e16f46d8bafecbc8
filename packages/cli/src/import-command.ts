import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { folderOfPath, listAll, OWNER_EXT_KEY, RateLimitedCaller, SCHEDULER_DEFAULTS, SYSTEM_EXT_KEYS, type WedataApi } from "@wedata-kit/deployer";
import { DLC_SQL_ENGINE_KINDS, TASK_KINDS, type TaskKind } from "@wedata-kit/dsl";
import { codeFileName, findCycle } from "@wedata-kit/compiler";

type KV = { ParamKey?: string | null; ParamValue?: string | null };
type Json = Record<string, any>;

const KIND_OF_TYPE = new Map<number, TaskKind>((Object.keys(TASK_KINDS) as TaskKind[]).map((k) => [TASK_KINDS[k].typeId, k]));
const PRIORITY_NAME: Record<number, string> = { 4: "high", 5: "medium", 6: "low" };

const lit = (v: unknown) => JSON.stringify(v);
const ident = (name: string, taken: Set<string>) => {
  let base = name.replace(/[^A-Za-z0-9_$]/g, "_").replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
  if (!/^[A-Za-z_$]/.test(base)) base = `t${base}`;
  let id = base;
  for (let i = 2; taken.has(id) || ["task", "workflow", "existingWorkflow"].includes(id); i++) id = `${base}${i}`;
  taken.add(id);
  return id;
};

export interface ImportResult {
  readonly files: ReadonlyMap<string, string>;
  readonly pipelineFile: string;
}

/**
 * Read existing workflows (by name) and their tasks, and write them as DSL code: a pipeline file and one
 * file per program. The result compiles to what is deployed, so the next plan shows no changes and the
 * next deploy adopts the tasks (marking them as the project's).
 */
export async function importWorkflows(api: WedataApi, projectId: string, names: readonly string[], opts: { pipelineFile: string; codeDir: string }): Promise<ImportResult> {
  const caller = new RateLimitedCaller(api);
  const read = { retryAmbiguous: true };
  const infos = await listAll<{ WorkflowId?: string; WorkflowName?: string }>((PageNumber) => caller.call("ListTriggerWorkflows", { ProjectId: projectId, PageNumber, PageSize: 200 }, read).then((r) => r.Data));
  const byName = new Map(infos.map((i) => [i.WorkflowName!, i.WorkflowId!]));
  const byId = new Map(infos.map((i) => [i.WorkflowId!, i.WorkflowName!]));
  for (const n of names) if (!byName.has(n)) throw new Error(`no workflow named "${n}" in project ${projectId}; it has ${[...byName.keys()].slice(0, 20).join(", ") || "none"}`);
  const allTasks = await listAll<{ TaskId: string; WorkflowId: string; TaskName?: string }>((PageNumber) => caller.call("ListTriggerTasks", { ProjectId: projectId, PageNumber, PageSize: 200 }, read).then((r) => r.Data));

  const files = new Map<string, string>();
  const taken = new Set<string>();
  const head: string[] = [];
  const workflowVar = new Map<string, string>();
  for (const n of names) workflowVar.set(n, ident(n, taken));
  const externals = new Map<string, string>();

  const blocks = new Map<string, { lines: string[]; runs: Set<string> }>();
  for (const name of names) {
    const body: string[] = [];
    const runs = new Set<string>();
    blocks.set(name, { lines: body, runs });
    const id = byName.get(name)!;
    const w = (await caller.call("GetTriggerWorkflow", { ProjectId: projectId, WorkflowId: id }, read)).Data as Json;
    const folder = folderOfPath(w.Path, name);
    const tasks = await Promise.all(allTasks.filter((t) => t.WorkflowId === id).map(async (t) => (await caller.call("GetTriggerTask", { ProjectId: projectId, TaskId: t.TaskId }, read)).Data as Json));
    const nameOfId = new Map(tasks.map((t) => [t.TriggerTaskBaseAttribute.TaskId as string, t.TriggerTaskBaseAttribute.TaskName as string]));
    const upstreamOf = (t: Json) => ((t.TriggerTaskSchedulerConfiguration?.UpstreamDependencyConfigList ?? []) as Array<{ TaskId: string }>).map((u) => nameOfId.get(u.TaskId)).filter((x): x is string => x !== undefined);
    const cycle = findCycle(tasks.map((t) => t.TriggerTaskBaseAttribute.TaskName), (n) => upstreamOf(tasks.find((t) => t.TriggerTaskBaseAttribute.TaskName === n)!));
    if (cycle) throw new Error(`workflow "${name}" has a dependency cycle (${cycle.join(" -> ")}); fix it in WeData first`);
    // Declare upstream tasks first.
    const ordered: Json[] = [];
    const placed = new Set<string>();
    while (ordered.length < tasks.length) {
      for (const t of [...tasks].sort((a, b) => String(a.TriggerTaskBaseAttribute.TaskName).localeCompare(b.TriggerTaskBaseAttribute.TaskName))) {
        const tn = t.TriggerTaskBaseAttribute.TaskName as string;
        if (!placed.has(tn) && upstreamOf(t).every((u) => placed.has(u))) (ordered.push(t), placed.add(tn));
      }
    }
    const taskVar = new Map<string, string>();
    body.push(`// ${name}: imported from project ${projectId}`);
    for (const t of ordered) {
      const b = t.TriggerTaskBaseAttribute as Json;
      const c = t.TriggerTaskConfiguration as Json;
      const s = t.TriggerTaskSchedulerConfiguration as Json;
      const tn = b.TaskName as string;
      const kind = KIND_OF_TYPE.get(Number(b.TaskTypeId));
      if (!kind) throw new Error(`task "${tn}" of "${name}" has TaskTypeId ${b.TaskTypeId}, which workflow projects do not support`);
      const v = ident(tn, taken);
      taskVar.set(tn, v);
      const ext = new Map<string, string>(((c.TaskExtConfigurationList ?? []) as KV[]).filter((e) => e.ParamKey && e.ParamKey !== OWNER_EXT_KEY && !SYSTEM_EXT_KEYS.has(e.ParamKey)).map((e) => [e.ParamKey!, e.ParamValue ?? ""]));
      const calls: string[] = [];
      let codeArg = "";
      if (c.CodeContent) {
        const file = join(opts.codeDir, name, codeFileName(tn, kind));
        files.set(file, Buffer.from(c.CodeContent, "base64").toString("utf8"));
        // Code paths are relative to the project root, like every code path in the DSL.
        codeArg = lit(file);
      }
      const take = (k: string) => {
        const x = ext.get(k);
        ext.delete(k);
        return x;
      };
      switch (kind) {
        case "dlcSql": {
          const engine = take("computeResource") ?? "";
          const kindName = (Object.keys(DLC_SQL_ENGINE_KINDS) as Array<keyof typeof DLC_SQL_ENGINE_KINDS>).find((k) => Object.entries(DLC_SQL_ENGINE_KINDS[k]).every(([key, val]) => ext.get(key) === val) && (Object.keys(DLC_SQL_ENGINE_KINDS[k]).includes("IsInherit") || !ext.has("IsInherit")));
          if (kindName) for (const key of Object.keys(DLC_SQL_ENGINE_KINDS[kindName])) ext.delete(key);
          const region = take("dlc_region");
          calls.push(`.dlcSql(${codeArg || '{ inline: "" }'}, { engine: ${lit(engine)}${region !== undefined ? `, region: ${lit(region)}` : ""}${kindName ? `, engineKind: ${lit(kindName)}` : ""} })`);
          break;
        }
        case "dlcSpark":
        case "dlcPySpark":
        case "dlcSparkStreaming": {
          const engine = take("dataEngine") ?? "";
          const region = take("dlc_region");
          const opts2 = `{ engine: ${lit(engine)}${region !== undefined ? `, region: ${lit(region)}` : ""}${kind === "dlcSpark" ? `, appFile: ${lit(take("dlcSparkAppFile") ?? "")}` : ""} }`;
          calls.push(kind === "dlcSpark" ? `.dlcSpark(${opts2})` : `.${kind}(${codeArg || "undefined"}, ${opts2})`);
          break;
        }
        case "shellForm":
          calls.push(`.shellForm({ resource: ${lit(take("ftp.file.name") ?? "")}, command: ${lit(take("shell.cmd") ?? "")} })`);
          break;
        case "runWorkflow": {
          const target = ext.get("subWorkflowName") ?? byId.get(ext.get("subWorkflowId") ?? "");
          let targetVar = target ? workflowVar.get(target) : undefined;
          if (target && targetVar) runs.add(target);
          if (!targetVar && target) {
            targetVar = externals.get(target) ?? ident(target, taken);
            if (!externals.has(target)) {
              externals.set(target, targetVar);
              head.push(`/** Run by a Run Workflow task; not managed by this project. */\nexport const ${targetVar} = existingWorkflow(${lit(byName.get(target) ?? ext.get("subWorkflowId") ?? "")}, ${lit(target)});`);
            }
          }
          if (targetVar) (ext.delete("subWorkflowId"), ext.delete("subWorkflowName"));
          calls.push(targetVar ? `.runWorkflow(${targetVar})` : `.runWorkflow(/* unknown target */ undefined as never)`);
          break;
        }
        default:
          calls.push(codeArg ? `.${kind}(${codeArg})` : `.${kind}()`);
      }
      if (b.OwnerUin) calls.push(`.owner(${lit(b.OwnerUin)})`);
      if (b.TaskDescription) calls.push(`.description(${lit(b.TaskDescription)})`);
      if (b.TaskFolderPath && b.TaskFolderPath !== "/") calls.push(`.folder(${lit(b.TaskFolderPath)})`);
      const scalars: Array<[string, string]> = [["ResourceGroup", "resourceGroup"], ["DataCluster", "dataCluster"], ["BrokerIp", "brokerIp"], ["YarnQueue", "yarnQueue"]];
      for (const [field, method] of scalars) if (c[field]) calls.push(`.${method}(${lit(c[field])})`);
      if (c.SourceServiceId) calls.push(`.sourceServices(${String(c.SourceServiceId).split(";").filter(Boolean).map(lit).join(", ")})`);
      if (c.TargetServiceId) calls.push(`.targetServices(${String(c.TargetServiceId).split(";").filter(Boolean).map(lit).join(", ")})`);
      if (c.BundleId) calls.push(`.bundle(${lit(c.BundleId)}${c.BundleInfo ? `, ${lit(c.BundleInfo)}` : ""})`);
      const sched = (c.TaskSchedulingParameterList ?? []) as KV[];
      if (sched.length) calls.push(`.schedulingParams({ ${sched.map((p) => `${lit(p.ParamKey)}: ${lit(p.ParamValue ?? "")}`).join(", ")} })`);
      for (const [k, val] of ext) calls.push(`.ext(${lit(k)}, ${lit(val)})`);
      const nonDefault = (k: string) => s[k] !== undefined && s[k] !== null && s[k] !== SCHEDULER_DEFAULTS[k];
      if (nonDefault("MaxRetryNumber") || nonDefault("RetryWaitMinute")) calls.push(`.retry(${s.MaxRetryNumber ?? 4}${nonDefault("RetryWaitMinute") ? `, { waitMinutes: ${s.RetryWaitMinute} }` : ""})`);
      if (nonDefault("RunPriorityType")) calls.push(`.priority(${lit(PRIORITY_NAME[s.RunPriorityType] ?? "low")})`);
      if (nonDefault("ExecutionTTLMinute")) calls.push(`.timeout(${s.ExecutionTTLMinute})`);
      if (nonDefault("WaitExecutionTotalTTLMinute")) calls.push(`.waitTimeout(${s.WaitExecutionTotalTTLMinute})`);
      if (nonDefault("AllowRedoType")) calls.push(`.redo(${lit(s.AllowRedoType)})`);
      if (nonDefault("DependencyTriggerPolicy")) calls.push(`.triggerWhen(${lit(s.DependencyTriggerPolicy)})`);
      if (nonDefault("AllowDownstreamDependency")) calls.push(`.allowDownstream(false)`);
      if (nonDefault("ScheduleType")) calls.push(`.dryRun()`);
      for (const o of (s.ParamTaskOutList ?? []) as KV[]) calls.push(`.output(${lit(o.ParamKey)}, ${lit(o.ParamValue ?? "")})`);
      const ups = upstreamOf(t).map((u) => taskVar.get(u)!);
      if (ups.length) calls.push(`.after(${ups.join(", ")})`);
      for (const p of (s.ParamTaskInList ?? []) as Json[]) {
        const from = nameOfId.get(p.FromTaskId);
        if (p.Type === "CONSTANT") calls.push(`.input(${lit(p.ParamKey)}, { constant: ${lit(p.FromParamKey)}, desc: ${lit(p.ParamDesc)} })`);
        else if (from) calls.push(`.input(${lit(p.ParamKey)}, { from: ${taskVar.get(from)}, param: ${lit(p.FromParamKey)}, desc: ${lit(p.ParamDesc)} })`);
      }
      for (const r of (s.TaskOutputRegistryList ?? []) as Json[]) {
        calls.push(`.registerOutput({ datasourceId: ${lit(r.DatasourceId)}, database: ${lit(r.DatabaseName)}, table: ${lit(r.TableName)}, partition: ${lit(r.PartitionName)}, flow: ${lit(r.DataFlowType)}, tablePhysicalId: ${lit(r.TablePhysicalId)} })`);
      }
      body.push(`const ${v} = task(${lit(tn)})\n  ${calls.join("\n  ")};`);
    }
    const wopts: string[] = [`folder: ${lit(folder)}`];
    if (w.OwnerUin) wopts.push(`owner: ${lit(w.OwnerUin)}`);
    if (w.WorkflowDesc) wopts.push(`description: ${lit(w.WorkflowDesc)}`);
    const params = (w.WorkflowParams ?? []) as KV[];
    if (params.length) wopts.push(`params: { ${params.map((p) => `${lit(p.ParamKey)}: ${lit(p.ParamValue ?? "")}`).join(", ")} }`);
    const triggers = (w.TriggerWorkflowSchedulerConfigurations ?? []) as Json[];
    const sched = triggers.map((tc) =>
      tc.TriggerMode === "FILE_ARRIVAL"
        ? `{ fileArrival: ${lit(tc.FileArrivalPath)}${tc.FileNamePattern ? `, pattern: ${lit(tc.FileNamePattern)}` : ""}${tc.Recursive === 0 ? ", recursive: false" : ""}, minIntervalMinutes: ${tc.TriggerMinimumInterval}, batchWaitMinutes: ${tc.TriggerWaitTime} }`
        : `{ cron: ${lit(tc.CrontabExpression)}, start: ${lit(tc.StartTime)}${tc.EndTime && tc.EndTime !== "2099-12-31 23:59:59" ? `, end: ${lit(tc.EndTime)}` : ""}${tc.ScheduleTimeZone && tc.ScheduleTimeZone !== "UTC+8" ? `, timezone: ${lit(tc.ScheduleTimeZone)}` : ""}${tc.CycleType && tc.CycleType !== "CRONTAB_CYCLE" ? `, cycle: ${lit(tc.CycleType)}` : ""}${tc.ConfigMode && tc.ConfigMode !== (tc.CycleType && tc.CycleType !== "CRONTAB_CYCLE" ? "COMMON" : "CRON_EXPRESSION") ? `, configMode: ${lit(tc.ConfigMode)}` : ""} }`,
    );
    if (sched.length === 1) wopts.push(`schedule: ${sched[0]}`);
    else if (sched.length > 1) wopts.push(`schedule: [${sched.join(", ")}]`);
    if (w.SchedulerStatus) wopts.push(`status: ${lit(w.SchedulerStatus)}`);
    const run = w.TriggerWorkflowRunConfiguration as Json | null;
    if (run?.MaxConcurrentNum) wopts.push(`maxConcurrentRuns: ${run.MaxConcurrentNum}`);
    if (run?.QueuingMode !== undefined && run?.QueuingMode !== null) wopts.push(`queueWhenBusy: ${run.QueuingMode === 1}`);
    const spark = ((w.GeneralTaskParams ?? []) as Json[]).find((g) => g.Type === "SPARK_SQL")?.Value as string | undefined;
    if (spark) wopts.push(`sparkSqlParams: { ${spark.split(";").filter(Boolean).map((kv) => `${lit(kv.slice(0, kv.indexOf("=")))}: ${lit(kv.slice(kv.indexOf("=") + 1))}`).join(", ")} }`);
    if (w.ExecuteUserUin) wopts.push(`executeUser: ${lit(w.ExecuteUserUin)}`);
    body.push(`export const ${workflowVar.get(name)} = workflow(${lit(name)}, {\n  ${wopts.join(",\n  ")},\n}).tasks(${ordered.map((t) => taskVar.get(t.TriggerTaskBaseAttribute.TaskName)).join(", ")});`, "");
  }
  // A workflow is declared after the workflows its Run Workflow tasks run.
  const body: string[] = [];
  const done = new Set<string>();
  const emit = (n: string) => {
    if (done.has(n)) return;
    done.add(n);
    for (const r of blocks.get(n)!.runs) emit(r);
    body.push(...blocks.get(n)!.lines);
  };
  for (const n of names) emit(n);
  const imports = ["task", "workflow", ...(externals.size ? ["existingWorkflow"] : [])];
  const source = [`import { ${imports.join(", ")} } from "@wedata-kit/dsl";`, "", ...head, ...(head.length ? [""] : []), ...body].join("\n");
  files.set(opts.pipelineFile, source);
  return { files, pipelineFile: opts.pipelineFile };
}

/** Write the imported files under `root`, refusing to overwrite anything. */
export function writeImport(root: string, result: ImportResult): void {
  for (const f of [result.pipelineFile, ...result.files.keys()]) if (existsSync(join(root, f))) throw new Error(`refusing to overwrite ${f}; move it away or pass another --out`);
  for (const [f, content] of result.files) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), content);
  }
}
