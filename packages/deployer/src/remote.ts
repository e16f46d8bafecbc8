import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { folderChain, type CompiledProject } from "@wedata-kit/compiler";
import { TASK_KINDS, type TaskFolderType } from "@wedata-kit/dsl";
import type { RateLimitedCaller } from "./caller.js";
import { taskOwner, workflowOwner } from "./ownership.js";
import type { RemoteTask, RemoteTaskBase, RemoteWorkflowDetail, RemoteWorkflowInfo } from "./sdk-client.js";

export interface RemoteWorkflow {
  readonly id: string;
  readonly name: string;
  /** Folder, derived from `Path` (`<folder>/<name>`). */
  readonly folder: string;
  readonly detail: RemoteWorkflowDetail;
  /** Project named by the ownership mark, if any. */
  readonly owner?: string;
}

export interface RemoteTaskRecord {
  readonly id: string;
  readonly workflowId: string;
  readonly name: string;
  readonly typeId: number;
  readonly version: string;
  /** Whether the latest saved version is the submitted one. */
  readonly submitted: boolean;
  readonly task: RemoteTask;
  readonly owner?: string;
}

/** What exists remotely, read once before planning. */
export interface RemoteState {
  readonly projectId: string;
  readonly workflows: readonly RemoteWorkflow[];
  readonly tasks: readonly RemoteTaskRecord[];
  readonly workflowFolders: ReadonlySet<string>;
  /** `workflowId|TYPE|/path` of existing task folders. */
  readonly taskFolders: ReadonlySet<string>;
}

const PAGE = 200;
const FOLDER_TYPE_OF = new Map<number, TaskFolderType>(Object.values(TASK_KINDS).map((k) => [k.typeId, k.folderType]));

/**
 * Reads every page of a list call at the largest page size: the first page tells how many there are,
 * the rest are requested together (the caller's queue paces them), so a long list costs its rate, not
 * its round trips.
 */
export async function listAll<T>(fetchPage: (page: number) => Promise<{ Items?: T[] | null; TotalPageNumber?: number | null } | undefined>): Promise<T[]> {
  const first = await fetchPage(1);
  const pages = first?.TotalPageNumber ?? 1;
  const rest = await Promise.all(Array.from({ length: Math.max(0, pages - 1) }, (_, i) => fetchPage(i + 2)));
  return [first, ...rest].flatMap((d) => d?.Items ?? []);
}

export const parentOf = (p: string) => (p.lastIndexOf("/") <= 0 ? "/" : p.slice(0, p.lastIndexOf("/")));
export const folderOfPath = (path: string | null | undefined, name: string) => {
  const p = path ?? `/${name}`;
  return p.endsWith(`/${name}`) ? p.slice(0, -name.length - 1) || "/" : parentOf(p);
};

interface TaskCache {
  version: 1;
  tasks: Record<string, { v: string; task: RemoteTask }>;
  /** Workflow details as of a ModifyTime: an unchanged workflow needs no GetTriggerWorkflow. */
  workflows?: Record<string, { m: string; at: number; detail: RemoteWorkflowDetail }>;
}

function readCache(path: string | undefined): TaskCache {
  const empty: TaskCache = { version: 1, tasks: {}, workflows: {} };
  if (!path || !existsSync(path)) return empty;
  try {
    const c = JSON.parse(readFileSync(path, "utf8")) as TaskCache;
    return c.version === 1 ? c : empty;
  } catch {
    return empty;
  }
}

/** Add full task reads made elsewhere (e.g. by an import) to the local cache, so the next plan need not read them again. */
export function cacheTaskReads(cachePath: string, tasks: readonly RemoteTaskRecord[]): void {
  const cache = readCache(cachePath);
  for (const t of tasks) if (t.version) cache.tasks[t.id] = { v: t.version, task: t.task };
  mkdirSync(dirname(cachePath), { recursive: true });
  writeFileSync(cachePath, JSON.stringify(cache));
}

/** ModifyTime is Beijing time to the second: `yyyy-MM-dd HH:mm:ss`. */
const beijingMs = (t: string) => Date.parse(`${t.replace(" ", "T")}+08:00`);
/**
 * ModifyTime counts whole seconds, so an edit in the same second as a read would leave it unchanged.
 * A cached detail is trusted only when it was read well after that second (3 s, also covering clock
 * skew); a read closer to the change is repeated next time.
 */
const settled = (e: { m: string; at: number }) => Number.isFinite(beijingMs(e.m)) && e.at - beijingMs(e.m) >= 3000;

export interface FetchOptions {
  /** The project name in ownership marks. */
  readonly project: string;
  /**
   * Local cache of full task reads keyed by TaskId and save version: an unchanged version needs no
   * GetTriggerTask. Any remote save bumps the version, so a cached read is never stale. It also keeps
   * workflow details per ModifyTime.
   */
  readonly cachePath?: string;
}

/**
 * Read the remote state the plan needs: workflows (one list, a Get per workflow whose detail is not
 * cached for its ModifyTime), every
 * task of those workflows (one project-wide list at page size 200, a Get only for tasks whose version
 * is not cached), and the folders the project uses.
 */
export async function fetchRemoteState(caller: RateLimitedCaller, compiled: CompiledProject, opts: FetchOptions): Promise<RemoteState> {
  const ProjectId = compiled.target.projectId;
  const read = { retryAmbiguous: true };
  const infos = await listAll<RemoteWorkflowInfo>((PageNumber) => caller.call("ListTriggerWorkflows", { ProjectId, PageNumber, PageSize: PAGE }, read).then((r) => r.Data));
  const managed = new Set(compiled.workflows.filter((w) => w.payload).map((w) => w.name));
  const existingIds = new Set(compiled.workflows.flatMap((w) => (w.existingId ? [w.existingId] : [])));

  const cache = readCache(opts.cachePath);
  const fresh: TaskCache = { version: 1, tasks: {}, workflows: {} };
  const details = await Promise.all(
    infos.map(async (info) => {
      const id = info.WorkflowId!;
      // Any change to a workflow moves its ModifyTime: a detail read at the same ModifyTime is current.
      // This covers the workflows of a shared project that the code does not name, too (read only to
      // learn whether this project owns them).
      const known = cache.workflows?.[id];
      if (known && info.ModifyTime && known.m === info.ModifyTime && settled(known)) {
        fresh.workflows![id] = known;
        return { info, detail: known.detail };
      }
      const at = Date.now();
      const detail = (await caller.call("GetTriggerWorkflow", { ProjectId, WorkflowId: id }, read)).Data;
      if (detail && info.ModifyTime) fresh.workflows![id] = { m: info.ModifyTime, at, detail };
      return detail ? { info, detail } : undefined;
    }),
  );
  const workflows: RemoteWorkflow[] = [];
  for (const d of details) {
    if (!d) continue;
    const name = d.info.WorkflowName!;
    const owner = workflowOwner(d.detail.BundleInfo);
    if (!managed.has(name) && !existingIds.has(d.info.WorkflowId!) && owner !== opts.project) continue;
    workflows.push({ id: d.info.WorkflowId!, name, folder: folderOfPath(d.detail.Path, name), detail: d.detail, ...(owner !== undefined && { owner }) });
  }
  const ofInterest = new Set(workflows.map((w) => w.id));

  const bases = (await listAll<RemoteTaskBase>((PageNumber) => caller.call("ListTriggerTasks", { ProjectId, PageNumber, PageSize: PAGE }, read).then((r) => r.Data))).filter((b) => ofInterest.has(b.WorkflowId));
  const tasks = await Promise.all(
    bases.map(async (b): Promise<RemoteTaskRecord | undefined> => {
      const version = b.TaskLatestVersionNo ?? "";
      const cached = cache.tasks[b.TaskId];
      const hit = cached && cached.v === version && version !== "";
      const task = hit ? cached.task : (await caller.call("GetTriggerTask", { ProjectId, TaskId: b.TaskId }, read)).Data;
      if (!task) return undefined;
      fresh.tasks[b.TaskId] = hit ? cached : { v: version, task };
      const owner = taskOwner(task.TriggerTaskConfiguration?.TaskExtConfigurationList);
      return { id: b.TaskId, workflowId: b.WorkflowId, name: b.TaskName!, typeId: Number(b.TaskTypeId), version, submitted: b.Submit === true, task, ...(owner !== undefined && { owner }) };
    }),
  );
  // Rewritten only when it changed: on a large project the cache is tens of megabytes.
  const same = (a: Record<string, unknown>, b: Record<string, unknown>) => Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => a[k] === b[k]);
  const unchanged = same(cache.tasks, fresh.tasks) && same(cache.workflows ?? {}, fresh.workflows ?? {});
  if (opts.cachePath && !unchanged) {
    mkdirSync(dirname(opts.cachePath), { recursive: true });
    writeFileSync(opts.cachePath, JSON.stringify(fresh));
  }

  // Folders: a folder that holds a remote workflow or task exists (and so do its parents); only the
  // parents of folders not known that way are listed.
  const liveTasks = tasks.filter((t): t is RemoteTaskRecord => t !== undefined);
  const workflowFolders = new Set<string>(["/"]);
  for (const w of workflows) for (const p of folderChain(w.folder)) workflowFolders.add(p);
  const parents = new Set(compiled.workflowFolders.filter((p) => !workflowFolders.has(p)).map(parentOf));
  await Promise.all(
    [...parents].map(async (ParentFolderPath) => {
      const items = await listAll<{ FolderPath?: string }>((PageNumber) => caller.call("ListWorkflowFolders", { ProjectId, ParentFolderPath, PageNumber, PageSize: PAGE }, read).then((r) => r.Data));
      for (const f of items) if (f.FolderPath) workflowFolders.add(f.FolderPath);
    }),
  );
  const taskFolders = new Set<string>();
  for (const t of liveTasks) {
    const type = FOLDER_TYPE_OF.get(t.typeId);
    const path = t.task.TriggerTaskBaseAttribute?.TaskFolderPath;
    if (type && path) for (const p of folderChain(path)) taskFolders.add(`${t.workflowId}|${type}|${p}`);
  }
  const byName = new Map(workflows.map((w) => [w.name, w]));
  const taskParents = new Map<string, { WorkflowId: string; TaskFolderType: string; ParentTaskFolderPath: string }>();
  for (const f of compiled.taskFolders) {
    const w = byName.get(f.workflow) ?? (compiled.workflows.find((x) => x.name === f.workflow)?.existingId ? { id: compiled.workflows.find((x) => x.name === f.workflow)!.existingId! } : undefined);
    if (!w || taskFolders.has(`${w.id}|${f.type}|${f.path}`)) continue;
    const key = `${w.id}|${f.type}|${parentOf(f.path)}`;
    taskParents.set(key, { WorkflowId: w.id, TaskFolderType: f.type, ParentTaskFolderPath: parentOf(f.path) });
  }
  await Promise.all(
    [...taskParents.values()].map(async (q) => {
      const items = await listAll<{ TaskFolderPath?: string }>((PageNumber) => caller.call("ListTaskFolders", { ProjectId, ...q, PageNumber, PageSize: PAGE }, read).then((r) => r.Data));
      for (const f of items) if (f.TaskFolderPath) taskFolders.add(`${q.WorkflowId}|${q.TaskFolderType}|${f.TaskFolderPath}`);
    }),
  );

  return { projectId: ProjectId, workflows, tasks: liveTasks, workflowFolders, taskFolders };
}
