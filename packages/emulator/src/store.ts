import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { loadSqlite, type SqliteDatabase } from "./sqlite.js";

export interface WorkflowRow {
  readonly projectId: string;
  readonly workflowId: string;
  readonly name: string;
  readonly folder: string;
  /** The stored settings: the request fields other than ids and folder. */
  readonly doc: Record<string, unknown>;
  readonly ownerUin: string;
  readonly createUserUin: string;
  readonly createTime: string;
  readonly modifyTime: string;
}

export interface TaskRow {
  readonly projectId: string;
  readonly taskId: string;
  readonly workflowId: string;
  readonly name: string;
  readonly typeId: number;
  /** `{ base, config, scheduler }` as last saved. */
  readonly doc: {
    base: Record<string, unknown>;
    config: Record<string, unknown>;
    scheduler: Record<string, unknown> /** The account that saved it last. */;
    by?: string;
  };
  readonly version: number;
  readonly submitVersion: number | null;
  readonly status: string;
  readonly createUserUin: string;
  readonly createTime: string;
  readonly modifyTime: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS projects (project_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS workflow_folders (project_id TEXT NOT NULL, path TEXT NOT NULL, folder_id TEXT NOT NULL,
  create_user TEXT NOT NULL, PRIMARY KEY (project_id, path));
CREATE TABLE IF NOT EXISTS task_folders (project_id TEXT NOT NULL, workflow_id TEXT NOT NULL, type TEXT NOT NULL,
  path TEXT NOT NULL, folder_id TEXT NOT NULL, create_user TEXT NOT NULL, PRIMARY KEY (workflow_id, type, path));
CREATE TABLE IF NOT EXISTS workflows (
  workflow_id TEXT PRIMARY KEY, project_id TEXT NOT NULL, name TEXT NOT NULL, folder TEXT NOT NULL, doc TEXT NOT NULL,
  owner_uin TEXT NOT NULL, create_user TEXT NOT NULL, create_time TEXT NOT NULL, modify_time TEXT NOT NULL,
  UNIQUE (project_id, name));
CREATE TABLE IF NOT EXISTS tasks (
  task_id TEXT PRIMARY KEY, project_id TEXT NOT NULL, workflow_id TEXT NOT NULL, name TEXT NOT NULL,
    type_id INTEGER NOT NULL,
  doc TEXT NOT NULL, version INTEGER NOT NULL, submit_version INTEGER, status TEXT NOT NULL, create_user TEXT NOT NULL,
  create_time TEXT NOT NULL, modify_time TEXT NOT NULL, UNIQUE (workflow_id, name));
CREATE INDEX IF NOT EXISTS tasks_by_project ON tasks (project_id, task_id);
CREATE TABLE IF NOT EXISTS task_deps (task_id TEXT NOT NULL, upstream_id TEXT NOT NULL, PRIMARY KEY (task_id,
  upstream_id));
CREATE INDEX IF NOT EXISTS deps_by_upstream ON task_deps (upstream_id);
CREATE TABLE IF NOT EXISTS task_versions (
  task_id TEXT NOT NULL, kind TEXT NOT NULL, version_no INTEGER NOT NULL, version_id TEXT NOT NULL,
    remark TEXT NOT NULL,
  doc TEXT NOT NULL, create_time TEXT NOT NULL, PRIMARY KEY (task_id, kind, version_no));
`;

type Raw = Record<string, unknown>;

const toWorkflow = (r: Raw): WorkflowRow => ({
  projectId: r.project_id as string,
  workflowId: r.workflow_id as string,
  name: r.name as string,
  folder: r.folder as string,
  doc: JSON.parse(r.doc as string),
  ownerUin: r.owner_uin as string,
  createUserUin: r.create_user as string,
  createTime: r.create_time as string,
  modifyTime: r.modify_time as string,
});

const toTask = (r: Raw): TaskRow => ({
  projectId: r.project_id as string,
  taskId: r.task_id as string,
  workflowId: r.workflow_id as string,
  name: r.name as string,
  typeId: r.type_id as number,
  doc: JSON.parse(r.doc as string),
  version: r.version as number,
  submitVersion: (r.submit_version as number | null) ?? null,
  status: r.status as string,
  createUserUin: r.create_user as string,
  createTime: r.create_time as string,
  modifyTime: r.modify_time as string,
});

/**
 * The emulator's state in SQLite. Each write is one transaction committed (WAL, synchronous=FULL)
 * before the response is sent, so an answered write survives a kill.
 */
export class Store {
  private readonly db: SqliteDatabase;

  /** `uniqueTaskNames: false` stores a service that does not keep task names unique (doctor's tests). */
  constructor(dataDir: string | undefined, options: { readonly uniqueTaskNames?: boolean } = {}) {
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    const Database = loadSqlite();
    this.db = new Database(dataDir ? join(dataDir, "wedata-emulator.sqlite") : ":memory:");
    if (dataDir) {
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = FULL");
    }
    this.db.exec(options.uniqueTaskNames === false ? SCHEMA.replace(", UNIQUE (workflow_id, name));", ");") : SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Monotonic counter persisted with the data, for ids that must never repeat. */
  nextSequence(name: string, floor: bigint): bigint {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = ?").get(name) as { value: string } | undefined;
    const last = row ? BigInt(row.value) : 0n;
    const next = floor > last ? floor : last + 1n;
    this.db
      .prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      .run(name, next.toString());
    return next;
  }

  hasProject(id: string): boolean {
    return this.db.prepare("SELECT 1 FROM projects WHERE project_id = ?").get(id) !== undefined;
  }
  addProject(id: string): void {
    this.db.prepare("INSERT OR IGNORE INTO projects (project_id) VALUES (?)").run(id);
  }

  hasWorkflowFolder(projectId: string, path: string): boolean {
    return (
      this.db.prepare("SELECT 1 FROM workflow_folders WHERE project_id = ? AND path = ?").get(projectId, path) !==
      undefined
    );
  }
  addWorkflowFolder(projectId: string, path: string, folderId: string, user: string): void {
    this.db
      .prepare("INSERT INTO workflow_folders (project_id, path, folder_id, create_user) VALUES (?, ?, ?, ?)")
      .run(projectId, path, folderId, user);
  }
  listWorkflowFolders(projectId: string): Array<{ path: string; folderId: string; createUser: string }> {
    return (
      this.db
        .prepare("SELECT path, folder_id, create_user FROM workflow_folders WHERE project_id = ? ORDER BY path")
        .all(projectId) as Raw[]
    ).map((r) => ({ path: r.path as string, folderId: r.folder_id as string, createUser: r.create_user as string }));
  }

  hasTaskFolder(workflowId: string, type: string, path: string): boolean {
    return (
      this.db
        .prepare("SELECT 1 FROM task_folders WHERE workflow_id = ? AND type = ? AND path = ?")
        .get(workflowId, type, path) !== undefined
    );
  }
  addTaskFolder(
    projectId: string,
    workflowId: string,
    type: string,
    path: string,
    folderId: string,
    user: string,
  ): void {
    this.db
      .prepare(
        "INSERT INTO task_folders (project_id, workflow_id, type, path, folder_id, create_user) VALUES (?, ?, ?, ?, " +
          "?, ?)",
      )
      .run(projectId, workflowId, type, path, folderId, user);
  }
  listTaskFolders(workflowId: string, type: string): Array<{ path: string; folderId: string; createUser: string }> {
    return (
      this.db
        .prepare(
          "SELECT path, folder_id, create_user FROM task_folders WHERE workflow_id = ? AND type = ? ORDER BY path",
        )
        .all(workflowId, type) as Raw[]
    ).map((r) => ({ path: r.path as string, folderId: r.folder_id as string, createUser: r.create_user as string }));
  }
  deleteTaskFolders(workflowId: string): void {
    this.db.prepare("DELETE FROM task_folders WHERE workflow_id = ?").run(workflowId);
  }

  getWorkflow(projectId: string, workflowId: string): WorkflowRow | undefined {
    const r = this.db
      .prepare("SELECT * FROM workflows WHERE project_id = ? AND workflow_id = ?")
      .get(projectId, workflowId) as Raw | undefined;
    return r && toWorkflow(r);
  }
  workflowByName(projectId: string, name: string): WorkflowRow | undefined {
    const r = this.db.prepare("SELECT * FROM workflows WHERE project_id = ? AND name = ?").get(projectId, name) as
      | Raw
      | undefined;
    return r && toWorkflow(r);
  }
  listWorkflows(projectId: string): WorkflowRow[] {
    return (
      this.db
        .prepare("SELECT * FROM workflows WHERE project_id = ? ORDER BY create_time, workflow_id")
        .all(projectId) as Raw[]
    ).map(toWorkflow);
  }
  putWorkflow(w: WorkflowRow): void {
    this.db
      .prepare(
        `INSERT INTO workflows (workflow_id, project_id, name, folder, doc, owner_uin, create_user, create_time,
          modify_time)
         VALUES (@workflowId, @projectId, @name, @folder, @doc, @ownerUin, @createUserUin, @createTime, @modifyTime)
         ON CONFLICT(workflow_id) DO UPDATE SET name = excluded.name, doc = excluded.doc,
           owner_uin = excluded.owner_uin, modify_time = excluded.modify_time`,
      )
      .run({ ...w, doc: JSON.stringify(w.doc) });
  }
  deleteWorkflow(workflowId: string): void {
    this.db.prepare("DELETE FROM workflows WHERE workflow_id = ?").run(workflowId);
  }

  getTask(projectId: string, taskId: string): TaskRow | undefined {
    const r = this.db.prepare("SELECT * FROM tasks WHERE project_id = ? AND task_id = ?").get(projectId, taskId) as
      | Raw
      | undefined;
    return r && toTask(r);
  }
  taskByName(workflowId: string, name: string): TaskRow | undefined {
    const r = this.db.prepare("SELECT * FROM tasks WHERE workflow_id = ? AND name = ?").get(workflowId, name) as
      | Raw
      | undefined;
    return r && toTask(r);
  }
  /**
   * Tasks of a project in TaskId order, with only the `base` part of their document (lists never need
   * the program); one page of them when `page` is given.
   */
  listTasks(projectId: string, page?: { offset: number; limit: number }): TaskRow[] {
    const sql =
      `SELECT task_id, project_id, workflow_id, name, type_id, version, submit_version, status, ` +
      `create_user, create_time, modify_time, json_object('base', json(json_extract(doc, '$.base')), 'config', ` +
      `json('{}'), 'scheduler', json('{}')) AS doc FROM tasks WHERE project_id = ? ORDER BY ` +
      `task_id${page ? " LIMIT ? OFFSET ?" : ""}`;
    const rows = (
      page ? this.db.prepare(sql).all(projectId, page.limit, page.offset) : this.db.prepare(sql).all(projectId)
    ) as Raw[];
    return rows.map(toTask);
  }
  countProjectTasks(projectId: string): number {
    return (this.db.prepare("SELECT count(*) AS n FROM tasks WHERE project_id = ?").get(projectId) as { n: number }).n;
  }
  countTasks(workflowId: string): number {
    return (this.db.prepare("SELECT count(*) AS n FROM tasks WHERE workflow_id = ?").get(workflowId) as { n: number })
      .n;
  }
  putTask(t: TaskRow, upstreamIds: readonly string[]): void {
    this.db
      .prepare(
        `INSERT INTO tasks (task_id, project_id, workflow_id, name, type_id, doc, version, submit_version, status,
          create_user, create_time, modify_time)
         VALUES (@taskId, @projectId, @workflowId, @name, @typeId, @doc, @version, @submitVersion, @status,
           @createUserUin, @createTime, @modifyTime)
         ON CONFLICT(task_id) DO UPDATE SET name = excluded.name, doc = excluded.doc, version = excluded.version,
           submit_version = excluded.submit_version, status = excluded.status, modify_time = excluded.modify_time`,
      )
      .run({ ...t, doc: JSON.stringify(t.doc) });
    this.db.prepare("DELETE FROM task_deps WHERE task_id = ?").run(t.taskId);
    const ins = this.db.prepare("INSERT OR IGNORE INTO task_deps (task_id, upstream_id) VALUES (?, ?)");
    for (const u of upstreamIds) ins.run(t.taskId, u);
  }
  deleteTask(taskId: string): void {
    this.db.prepare("DELETE FROM tasks WHERE task_id = ?").run(taskId);
    this.db.prepare("DELETE FROM task_deps WHERE task_id = ?").run(taskId);
  }
  upstreamIds(taskId: string): string[] {
    return (
      this.db.prepare("SELECT upstream_id FROM task_deps WHERE task_id = ? ORDER BY upstream_id").all(taskId) as Raw[]
    ).map((r) => r.upstream_id as string);
  }
  downstreamIds(taskId: string): string[] {
    return (
      this.db.prepare("SELECT task_id FROM task_deps WHERE upstream_id = ? ORDER BY task_id").all(taskId) as Raw[]
    ).map((r) => r.task_id as string);
  }
  addVersion(
    taskId: string,
    kind: "SAVE" | "SUBMIT",
    versionNo: number,
    versionId: string,
    remark: string,
    doc: unknown,
    time: string,
  ): void {
    this.db
      .prepare(
        "INSERT INTO task_versions (task_id, kind, version_no, version_id, remark, doc, create_time) VALUES (?, ?, " +
          "?, ?, ?, ?, ?)",
      )
      .run(taskId, kind, versionNo, versionId, remark, JSON.stringify(doc), time);
  }
  countVersions(taskId: string, kind: "SAVE" | "SUBMIT"): number {
    return (
      this.db.prepare("SELECT count(*) AS n FROM task_versions WHERE task_id = ? AND kind = ?").get(taskId, kind) as {
        n: number;
      }
    ).n;
  }
}
