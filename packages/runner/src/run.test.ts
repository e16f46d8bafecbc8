import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rememberSecrets } from "@wedata-kit/compiler";
import { task, workflow } from "@wedata-kit/dsl";
import { RunError, runWorkflow, type RunFolder } from "./index.js";

const root = mkdtempSync(join(tmpdir(), "wedata-runner-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sh = (code: string) => ({ inline: `#!/bin/bash\nset -e\n${code}\n` });
const date = "2021-07-10T08:00";
const fast = { root, date, retryWaitMs: 10, minuteMs: 200 };

describe("runWorkflow: what deploy would send, run here", () => {
  it("runs in dependency order and passes outputs to inputs as WeData does", async () => {
    const extract = task("extract")
      .shell(sh('echo "42,7"\necho "other"'))
      .output("rows", "$[0]")
      .output("second", "$[0][1]");
    const load = task("load")
      .shell(sh('echo "loading ${n} rows of ${dt} (${second_col})"'))
      .after(extract)
      .input("n", { from: extract, param: "rows" })
      .input("second_col", { from: extract, param: "second" })
      .schedulingParams({ dt: "${yyyyMMdd-1d}" });
    const run = await runWorkflow(workflow("w", { folder: "/f", params: { env: "dev" } }).tasks(extract, load), fast);
    expect(run.status).toBe("success");
    expect(run.task("extract").outputs).toEqual({ rows: "42", second: "7" });
    expect(run.task("load").params).toMatchObject({ n: "42", dt: "20210709", env: "dev" });
    expect(run.task("load").rendered).toContain('echo "loading 42 rows of 20210709 (7)"');
    expect(run.tasks.map((t) => t.name)).toEqual(["extract", "load"]);
  });

  it("a failing task's downstream is skipped or run as its trigger policy says", async () => {
    const bad = task("bad").shell(sh("exit 3")).retry(0);
    const good = task("good").shell(sh("true"));
    const needsAll = task("needs_all").shell(sh("true")).after(bad, good);
    const always = task("always").shell(sh("true")).after(bad, good).triggerWhen("ALL_DONE");
    const onFailure = task("on_failure").shell(sh("true")).after(bad).triggerWhen("ALL_FAILED");
    const onSuccess = task("on_success").shell(sh("true")).after(good).triggerWhen("ONE_SUCCESS");
    const below = task("below").shell(sh("true")).after(needsAll);
    const run = await runWorkflow(
      workflow("w", { folder: "/f" }).tasks(bad, good, needsAll, always, onFailure, onSuccess, below),
      fast,
    );
    expect(run.status).toBe("failed");
    expect(Object.fromEntries(run.tasks.map((t) => [t.name, t.status]))).toEqual({
      bad: "failed",
      good: "success",
      needs_all: "upstream_failed",
      always: "success",
      on_failure: "success",
      on_success: "success",
      below: "upstream_failed",
    });
    expect(run.task("bad").reason).toMatch(/exit code 3, 1 attempt/);
    expect(run.task("needs_all").reason).toMatch(/ALL_SUCCESS: bad failed/);
  });

  it("retries per the task's policy, and times out per its TTL", async () => {
    const counter = join(root, "attempts");
    const flaky = task("flaky")
      .shell(sh(`n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; [ $n -ge 3 ]`))
      .retry(4);
    const slow = task("slow").shell(sh("sleep 5")).timeout(1).retry(1);
    const events: string[] = [];
    const started = Date.now();
    const run = await runWorkflow(workflow("w", { folder: "/f" }).tasks(flaky, slow), {
      ...fast,
      onEvent: (e) => e.type === "retry" && events.push(`${e.key} ${e.reason}`),
    });
    expect(run.task("flaky")).toMatchObject({ status: "success", attempts: 3 });
    expect(run.task("slow")).toMatchObject({ status: "failed", attempts: 2 });
    expect(run.task("slow").reason).toMatch(/timed out after 1 min \(ExecutionTTLMinute\), 2 attempt/);
    expect(events).toEqual(expect.arrayContaining(["w/flaky exit code 1", "w/slow timed out"]));
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it("Ctrl-C stops the running tasks and records them, and what never started, as cancelled", async () => {
    const ac = new AbortController();
    const long = task("long").shell(sh("sleep 30"));
    const after = task("after").shell(sh("true")).after(long);
    setTimeout(() => ac.abort(), 300);
    const started = Date.now();
    const run = await runWorkflow(workflow("w", { folder: "/f" }).tasks(long, after), { ...fast, signal: ac.signal });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(run.status).toBe("cancelled");
    expect(run.task("long").status).toBe("cancelled");
    expect(run.task("after").status).toBe("cancelled");
  });

  it("cloud-only kinds are rendered and reported as needing WeData; stand-ins replace any task", async () => {
    const sql = task("agg")
      .dlcSql({ inline: "insert into t select * from s where dt = '${yyyyMMdd}'" }, { engine: "e" })
      .output("n", "$[0]");
    const uses = task("uses").shell(sh("echo done")).after(sql);
    const stubbed = task("stubbed").shell(sh("exit 1")).output("v", "$[0]");
    const reads = task("reads").shell(sh('echo "v=${v}"')).after(stubbed).input("v", { from: stubbed, param: "v" });
    const seen: Record<string, string>[] = [];
    const run = await runWorkflow(workflow("w", { folder: "/f" }).tasks(sql, uses, stubbed, reads), {
      ...fast,
      standIns: { stubbed: (ctx) => (seen.push({ ...ctx.params }), { stdout: "99\n" }) },
    });
    expect(run.task("agg")).toMatchObject({
      status: "needs_wedata",
      rendered: "insert into t select * from s where dt = '20210710'",
    });
    expect(run.task("agg").reason).toMatch(/DLC SQL runs on a DLC engine/);
    expect(run.task("uses").status).toBe("success");
    expect(run.task("stubbed")).toMatchObject({ status: "stand_in", outputs: { v: "99" } });
    expect(run.task("reads").rendered).toContain('echo "v=99"');
    expect(seen).toHaveLength(1);
    const byKind = await runWorkflow(workflow("w", { folder: "/f" }).tasks(sql, uses), {
      ...fast,
      standIns: { "kind:dlcSql": { stdout: "5\n" } },
    });
    expect(byKind.task("agg")).toMatchObject({ status: "stand_in", outputs: { n: "5" } });
  });

  it("runs a nested workflow for a Run Workflow task, and names a missing interpreter", async () => {
    const inner = workflow("inner", { folder: "/f" }).tasks(task("step").shell(sh("echo inner")));
    const outer = workflow("outer", { folder: "/f" }).tasks(
      task("run_inner").runWorkflow(inner),
      task("old").python({ inline: "print 1" }, { version: "python2" }).retry(0),
    );
    const run = await runWorkflow(outer, { ...fast, with: [inner], env: { PATH: "/usr/bin:/bin" } });
    expect(run.task("run_inner").status).toBe("success");
    expect(run.task("outer/run_inner/inner/step").status).toBe("success");
    expect(run.task("old")).toMatchObject({ status: "failed" });
    expect(run.task("old").reason).toMatch(/needs the interpreter "python2", which is not on PATH/);
  });

  it("an SSH task runs here only with sshLocal; otherwise it needs WeData", async () => {
    const remote = task("remote").ssh({ inline: "echo on-the-host" }).output("where", "$[0]");
    const w = workflow("w", { folder: "/f" }).tasks(remote);
    const away = await runWorkflow(w, fast);
    expect(away.task("remote")).toMatchObject({ status: "needs_wedata", attempts: 0 });
    expect(away.task("remote").reason).toMatch(/runs on its remote host; --ssh-local runs it here instead/);
    const here = await runWorkflow(w, { ...fast, sshLocal: true });
    expect(here.task("remote")).toMatchObject({ status: "success", attempts: 1, outputs: { where: "on-the-host" } });
  });

  it("selects tasks with their upstream or downstream tasks, and refuses unknown names and dates", async () => {
    const a = task("a").shell(sh("true"));
    const b = task("b").shell(sh("true")).after(a);
    const c = task("c").shell(sh("true")).after(b);
    const w = workflow("w", { folder: "/f" }).tasks(a, b, c);
    expect((await runWorkflow(w, { ...fast, only: ["b"] })).tasks.map((t) => t.name)).toEqual(["b"]);
    expect((await runWorkflow(w, { ...fast, only: ["b"], upstream: true })).tasks.map((t) => t.name)).toEqual([
      "a",
      "b",
    ]);
    expect((await runWorkflow(w, { ...fast, only: ["b"], downstream: true })).tasks.map((t) => t.name)).toEqual([
      "b",
      "c",
    ]);
    await expect(runWorkflow(w, { ...fast, only: ["zzz"] })).rejects.toThrow(RunError);
    await expect(runWorkflow(w, { ...fast, date: "2026-02-30" })).rejects.toThrow(/is not a date and time that exists/);
  });

  it("writes one log per attempt and the rendered programs, with secrets hidden; --dry-run runs nothing", async () => {
    rememberSecrets({ TaskSchedulingParameterList: [{ ParamKey: "db_password", ParamValue: "pw-7f3a-runner" }] });
    const files = new Map<string, string>();
    const folder: RunFolder = { write: (rel, content) => void files.set(rel, content) };
    const t = task("t")
      .shell(sh('echo "connecting with ${db_password}"'))
      .schedulingParams({ db_password: "pw-7f3a-runner" });
    const run = await runWorkflow(workflow("w", { folder: "/f" }).tasks(t), { ...fast, folder });
    expect(run.task("t").status).toBe("success");
    expect(files.get("w/t.attempt-1.log")).toBe("connecting with [REDACTED]\n");
    expect(files.get("w/t.sh")).toContain('echo "connecting with [REDACTED]"');
    expect(JSON.stringify([...files])).not.toContain("pw-7f3a-runner");
    expect(run.task("t").params.db_password).toBe("[REDACTED]");
    const dry = await runWorkflow(
      workflow("w", { folder: "/f" }).tasks(task("x").shell(sh(`touch ${join(root, "touched")}`))),
      { ...fast, dryRun: true },
    );
    expect(dry.task("x").status).toBe("rendered");
    expect(() => readFileSync(join(root, "touched"))).toThrow();
  });
});
