import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { compileProject, diffSnapshots, renderSnapshot } from "@wedata-kit/compiler";
import { task, workflow } from "@wedata-kit/dsl";
import { startEmulator, type RunningEmulator } from "@wedata-kit/emulator";
import { graphsFromSnapshot } from "../packages/cli/src/graph.js";
import { changesFromDiff, MARKDOWN_LIMIT, renderReviewMarkdown } from "../packages/cli/src/review.js";
import { emulatorEnv, runCli } from "./cli.js";
import { CONFIG, examplesDir, tempProject } from "./helpers.js";
import { PROJECT, sdkClient } from "./sdk.js";

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
function project(files: Record<string, string>) {
  const p = tempProject(files);
  cleanups.push(p.cleanup);
  return p.dir;
}

/** Mermaid's own parser (the one code-review sites render with), in a DOM-less Node via jsdom. */
let mermaidParse: (text: string) => Promise<unknown>;
beforeAll(async () => {
  const { JSDOM } = await import("jsdom");
  const dom = new JSDOM("<!doctype html><html><body></body></html>");
  Object.assign(globalThis, { window: dom.window, document: dom.window.document });
  const mermaid = (await import("mermaid")).default;
  mermaidParse = (text) => mermaid.parse(text);
});
afterAll(() => {
  delete (globalThis as { window?: unknown }).window;
  delete (globalThis as { document?: unknown }).document;
});
const mermaidBlocks = (md: string) => [...md.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1]!);

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
    },
  })
    .toString()
    .trim();

const PIPELINE = `import { task, workflow } from "@wedata-kit/dsl";
const extract = task("extract").shell("jobs/extract.sh").output("n", "$[rows]");
const load = task("load").python("jobs/load.py").after(extract).retry(3);
const report = task("report").shell({ inline: "echo report\\n" }).after(load);
export const daily = workflow("daily", { folder: "/etl" }).tasks(extract, load, report);
`;
const FILES = {
  "wedata.config.ts": CONFIG,
  "pipeline.ts": PIPELINE,
  "jobs/extract.sh": "#!/bin/bash\necho extract\n",
  "jobs/load.py": "print('load')\n",
};

describe("snapshot", () => {
  it("is the same whatever the declaration order, and holds code as readable files with their hash", () => {
    const target = { name: "dev", projectId: "1", region: "ap-guangzhou" };
    const build = (order: number[]) => {
      const a = task("a").shell({ inline: "echo a\n" });
      const b = task("b").python({ inline: "print(1)\n" }).after(a);
      const c = task("c").shell({ inline: "echo c\n" }).after(a, b);
      const all = [a, b, c];
      return renderSnapshot(
        compileProject({
          root: "/p",
          modules: [
            { file: "/p/x.ts", exports: { w: workflow("w", { folder: "/f" }).tasks(...order.map((i) => all[i]!)) } },
          ],
          target,
          readFile: () => Buffer.alloc(0),
        }),
      );
    };
    const s1 = build([0, 1, 2]);
    expect([...build([2, 0, 1]).entries()].sort()).toEqual([...s1.entries()].sort());
    expect(s1.get("w/tasks/b.py")).toBe("print(1)\n");
    expect(JSON.parse(s1.get("w/tasks/b.json")!).TriggerTaskConfiguration.CodeContent).toEqual({
      file: "b.py",
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect([...s1.keys()].some((k) => /manifest|index|journal/.test(k))).toBe(false);
  });

  it("compile --check fails, listing the files, when the snapshot is stale", async () => {
    const dir = project(FILES);
    expect((await runCli(["compile", "--cwd", dir, "--no-typecheck"])).code).toBe(0);
    expect(existsSync(join(dir, "wedata.snapshot/daily/tasks/load.py"))).toBe(true);
    expect((await runCli(["compile", "--cwd", dir, "--no-typecheck", "--check"])).code).toBe(0);
    writeFileSync(join(dir, "jobs/load.py"), "print('load v2')\n");
    const stale = await runCli(["compile", "--cwd", dir, "--no-typecheck", "--check"]);
    expect(stale.code).toBe(1);
    expect(stale.err).toMatch(/changed\s+\S*wedata\.snapshot\/daily\/tasks\/load\.json/);
    expect(stale.err).toMatch(/changed\s+\S*wedata\.snapshot\/daily\/tasks\/load\.py/);
    expect(readFileSync(join(dir, "wedata.snapshot/daily/tasks/load.py"), "utf8")).toBe("print('load')\n");
    writeFileSync(join(dir, "wedata.snapshot/daily/tasks/ghost.json"), "{}");
    expect((await runCli(["compile", "--cwd", dir, "--no-typecheck", "--check"])).err).toMatch(
      /extra\s+\S*ghost\.json/,
    );
    await runCli(["compile", "--cwd", dir, "--no-typecheck"]);
    expect((await runCli(["compile", "--cwd", dir, "--no-typecheck", "--check"])).code).toBe(0);
    expect(existsSync(join(dir, "wedata.snapshot/daily/tasks/ghost.json"))).toBe(false);
  });
});

describe("offline diff between git revisions", () => {
  it(
    "lists added, removed and modified resources field by field and line by line, with the builder's " + "file:line",
    async () => {
      const dir = project(FILES);
      git(dir, "init", "-q", "-b", "main");
      await runCli(["compile", "--cwd", dir, "--no-typecheck"]);
      git(dir, "add", "-A");
      git(dir, "commit", "-qm", "one");
      const rev1 = git(dir, "rev-parse", "HEAD");
      git(dir, "checkout", "-qb", "feature");
      writeFileSync(join(dir, "jobs/load.py"), "print('load')\nprint('more')\n");
      writeFileSync(
        join(dir, "pipeline.ts"),
        PIPELINE.replace(".retry(3)", ".retry(5)")
          .replace(
            'const report = task("report")',
            'const audit = task("audit").shell({ inline: "echo audit\\n" }).after(load);\n' +
              'const report = task("report")',
          )
          .replace(".tasks(extract, load, report)", ".tasks(extract, load, audit)"),
      );
      await runCli(["compile", "--cwd", dir, "--no-typecheck"]);
      git(dir, "add", "-A");
      git(dir, "commit", "-qm", "two");
      const rev2 = git(dir, "rev-parse", "HEAD");

      const r = await runCli(["diff", rev1, rev2, "--cwd", dir]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^\+ daily\/audit \(Shell\)\s+pipeline\.ts:4$/m);
      expect(r.out).toMatch(/^- daily\/report \(Shell\)\s+pipeline\.ts:4$/m);
      expect(r.out).toMatch(/^~ daily\/load \(Python\)\s+pipeline\.ts:3$/m);
      expect(r.out).toContain("TriggerTaskSchedulerConfiguration.MaxRetryNumber: 3 -> 5");
      expect(r.out).toContain("+print('more')");
      expect(r.out).toMatch(/1 added, 1 modified, 0 replaced, 1 removed/);

      // Default: merge base with main vs the working tree, with line numbers from the working tree.
      writeFileSync(join(dir, "jobs/extract.sh"), "#!/bin/bash\necho extract v2\n");
      const wt = await runCli(["diff", "--cwd", dir]);
      expect(wt.out).toMatch(/^~ daily\/extract \(Shell\)\s+pipeline\.ts:2$/m);
      expect(wt.out).toMatch(/^~ daily\/load \(Python\)\s+pipeline\.ts:3$/m);
      expect(wt.out).toContain("+echo extract v2");
      const md = await runCli(["diff", "--cwd", dir, "--format", "markdown"]);
      expect(md.out).toContain("| daily |");
      for (const block of mermaidBlocks(md.out)) await expect(mermaidParse(block)).resolves.toBeTruthy();
      expect(mermaidBlocks(md.out)[0]).toMatch(/class \S+ removed/);
    },
  );
});

describe("markdown", () => {
  it("stays under 60,000 characters for a 2,000-task change, with a note of what was cut", () => {
    const target = { name: "dev", projectId: "1", region: "ap-guangzhou" };
    const build = (version: number) => {
      const tasks = Array.from({ length: 2000 }, (_, i) =>
        task(`task_${i}`)
          .shell({ inline: `echo ${i} v${version}\n` })
          .retry(version),
      );
      return renderSnapshot(
        compileProject({
          root: "/p",
          modules: [{ file: "/p/x.ts", exports: { w: workflow("big", { folder: "/f" }).tasks(...tasks) } }],
          target,
          readFile: () => Buffer.alloc(0),
        }),
      );
    };
    const head = build(2);
    const changes = changesFromDiff(diffSnapshots(build(1), head), new Map());
    expect(changes).toHaveLength(2000);
    const md = renderReviewMarkdown({
      title: "big change",
      changes,
      graphs: graphsFromSnapshot(head, () => "changed"),
    });
    expect(md.length).toBeLessThan(MARKDOWN_LIMIT);
    expect(md).toMatch(/Output cut to stay under 60,000 characters: \d+ change\(s\)/);
    expect(md).toContain("| big |  | 0 | 2000 | 0 | 0 | 0 |");
  });

  it("graph draws every workflow as Mermaid that Mermaid parses, with Run Workflow nesting", async () => {
    const r = await runCli(["graph", "--cwd", join(examplesDir, "daily-etl")]);
    expect(r.code).toBe(0);
    await expect(mermaidParse(r.out)).resolves.toBeTruthy();
    expect(r.out).toMatch(/-\. runs \.-> w1/);
    expect(r.out).toContain('["run_dim_refresh<br/>Run Workflow"]');
    const dot = await runCli([
      "graph",
      "--cwd",
      join(examplesDir, "daily-etl"),
      "--format",
      "dot",
      "--workflow",
      "hourly_monitor",
    ]);
    expect(dot.out).toContain('"hourly_monitor/check_freshness" -> "hourly_monitor/alert_oncall";');
    expect(dot.out).not.toContain("daily_orders");
    const svg = await runCli(["graph", "--cwd", join(examplesDir, "daily-etl"), "--format", "svg"]);
    expect(svg.out).toMatch(/^<svg[\s\S]*check_freshness[\s\S]*<\/svg>\n$/);
  });
});

describe("secrets", () => {
  it("a planted fake secret never appears in any output", async () => {
    const KEY_ID = "AKIDFAKEa1b2c3d4e5f6g7h8i9j0klmn";
    const PASSWORD = "Pl4ntedFakePassw0rd";
    const TOKEN = "tok_Pl4ntedFakeToken123";
    const pipeline = `import { task, workflow } from "@wedata-kit/dsl";
const leak = task("leak")
  .shell("jobs/leak.sh")
  .schedulingParams({ api_token: "${TOKEN}" })
  .ext("db.password", "${PASSWORD}");
export const w = workflow("w", { folder: "/f", params: { secret_key: "${PASSWORD}" } }).tasks(leak);
`;
    const dir = project({
      "wedata.config.ts": CONFIG,
      "pipeline.ts": pipeline,
      "jobs/leak.sh":
        `#!/bin/bash\nexport TENCENTCLOUD_SECRET_ID=${KEY_ID}\nmysql --password=${PASSWORD} -e 'select ` +
        `1'\ncurl -H "Authorization: Bearer ${TOKEN}" https://api.example.com\n`,
    });
    const emu = await startEmulator();
    cleanups.push(() => emu.stop());
    const env = emulatorEnv(emu.url);
    const outputs: string[] = [];
    const run = async (...args: string[]) => {
      const r = await runCli(args, env);
      outputs.push(r.out, r.err);
      return r;
    };
    await run("compile", "--cwd", dir, "--no-typecheck", "--out", "build");
    await run("plan", "--cwd", dir, "--no-typecheck", "--out", join(dir, "plan.json"));
    await run("plan", "--cwd", dir, "--no-typecheck", "--format", "markdown");
    await run("plan", "--cwd", dir, "--no-typecheck", "--json");
    expect((await run("deploy", "--cwd", dir, "--no-typecheck", "--yes")).code).toBe(0);
    await run("deploy", "--cwd", dir, "--no-typecheck", "--yes", "--json");
    writeFileSync(
      join(dir, "jobs/leak.sh"),
      `${readFileSync(join(dir, "jobs/leak.sh"), "utf8")}echo ${PASSWORD}-again password=${PASSWORD}\n`,
    );
    await run("plan", "--cwd", dir, "--no-typecheck");
    await run("diff", join(dir, "wedata.snapshot"), "--cwd", dir);
    await run("diff", join(dir, "wedata.snapshot"), "--cwd", dir, "--format", "markdown");
    await run("graph", "--cwd", dir);
    // Files the tool wrote for review: the snapshot and the saved plan (not the --out payloads, which are what is
    // sent).
    const walk = (d: string): string[] =>
      readdirSync(d).flatMap((e) =>
        statSync(join(d, e)).isDirectory() ? walk(join(d, e)) : [readFileSync(join(d, e), "utf8")],
      );
    outputs.push(...walk(join(dir, "wedata.snapshot")), readFileSync(join(dir, "plan.json"), "utf8"));
    const all = outputs.join("\n");
    expect(all.length).toBeGreaterThan(1000);
    for (const secret of [KEY_ID, PASSWORD, TOKEN])
      expect(
        all
          .split("\n")
          .filter((l) => l.includes(secret))
          .join("\n"),
        secret,
      ).toBe("");
    expect(all).toContain("[REDACTED]");
    // The real values still reach WeData: redaction is for people, not for the payload.
    const remote = (await sdkClient(emu).ListTriggerTasks({ ProjectId: PROJECT })).Data!.Items![0]!;
    const code = (await sdkClient(emu).GetTriggerTaskCode({ ProjectId: PROJECT, TaskId: remote.TaskId })).Data!
      .CodeInfo!;
    expect(Buffer.from(code, "base64").toString()).toContain(PASSWORD);
  });
});

describe("reviewed plans", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.stop());

  it("deploy --plan applies the saved plan and refuses one the code or the remote moved away from", async () => {
    const dir = project(FILES);
    const env = emulatorEnv(emu.url);
    const planFile = join(dir, "plan.json");
    expect((await runCli(["plan", "--cwd", dir, "--no-typecheck", "--out", planFile], env)).code).toBe(0);
    const applied = await runCli(["deploy", "--cwd", dir, "--no-typecheck", "--plan", planFile], env);
    expect(applied.code).toBe(0);
    expect(applied.out).toMatch(/4 created, 0 updated, 0 deleted, 3 submitted/);

    // The code moved.
    writeFileSync(join(dir, "jobs/load.py"), "print('v2')\n");
    await runCli(["plan", "--cwd", dir, "--no-typecheck", "--out", planFile], env);
    writeFileSync(join(dir, "jobs/load.py"), "print('v3')\n");
    const codeMoved = await runCli(["deploy", "--cwd", dir, "--no-typecheck", "--plan", planFile], env);
    expect(codeMoved.code).toBe(1);
    expect(codeMoved.err).toMatch(/refusing to apply .*plan\.json: the code changed since the plan was made/);

    // The remote moved.
    await runCli(["plan", "--cwd", dir, "--no-typecheck", "--out", planFile], env);
    const c = sdkClient(emu);
    const t = (await c.ListTriggerTasks({ ProjectId: PROJECT, TaskName: "report" })).Data!.Items![0]!;
    await c.UpdateTriggerTaskPartially({
      ProjectId: PROJECT,
      TaskId: t.TaskId,
      NewSetting: { TriggerTaskBaseAttribute: { TaskDescription: "edited in the console" } },
    });
    const remoteMoved = await runCli(["deploy", "--cwd", dir, "--no-typecheck", "--plan", planFile], env);
    expect(remoteMoved.code).toBe(1);
    expect(remoteMoved.err).toMatch(/the remote WeData project changed since the plan was made/);
    const loadNow = (await c.ListTriggerTasks({ ProjectId: PROJECT, TaskName: "load" })).Data!.Items![0]!;
    expect(loadNow.TaskLatestVersionNo).toBe("V1");
  });
});
