import { task, workflow } from "@wedata-kit/dsl";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical.js";
import { isAbsolute, relative, resolve } from "node:path";
import { codePathsIn, compileProject, findCycle, isText } from "./compile.js";
import { CompileError } from "./diagnostics.js";
import { lowerTask } from "./lower.js";
import { folderChain, nameProblem } from "./names.js";
import { seededRandom } from "../../../test/helpers.js";

const target = { name: "dev", projectId: "2378393617299558400", region: "ap-guangzhou", projectIdentifier: "acme_dw" };
const compile = (exports: Record<string, unknown>) =>
  compileProject({
    root: "/project",
    modules: [{ file: "/project/p.ts", exports }],
    target,
    readFile: () => Buffer.from("echo hi\n"),
  });

describe("compileProject", () => {
  it("writes the documented defaults explicitly", () => {
    const p = compile({ w: workflow("w", { folder: "/f" }).tasks(task("a").shell("a.sh")) });
    expect(p.tasks[0]!.payload.TriggerTaskSchedulerConfiguration).toEqual({
      RunPriorityType: 6,
      RetryWaitMinute: 5,
      MaxRetryNumber: 4,
      ExecutionTTLMinute: -1,
      WaitExecutionTotalTTLMinute: -1,
      AllowRedoType: "ALL",
    });
    expect(p.tasks[0]!.payload.TriggerTaskConfiguration.CodeContent).toBe(Buffer.from("echo hi\n").toString("base64"));
    expect(p.tasks[0]!.code).toBe("echo hi\n");
  });

  it("freezes the payloads it hands out, so the text it hashed is the text written", () => {
    const p = compile({ w: workflow("w", { folder: "/f" }).tasks(task("a").shell("a.sh").retry(2)) });
    const payload = p.tasks[0]!.payload;
    expect(Object.isFrozen(payload)).toBe(true);
    expect(Object.isFrozen(payload.TriggerTaskSchedulerConfiguration)).toBe(true);
    expect(() => {
      (payload.TriggerTaskSchedulerConfiguration as { MaxRetryNumber: number }).MaxRetryNumber = 9;
    }).toThrow(TypeError);
    // The remembered text is the canonical text of an equal, unfrozen copy.
    expect(canonicalJson(payload)).toBe(canonicalJson(structuredClone(payload)));
    expect(canonicalJson(p.workflows[0]!.payload)).toBe(canonicalJson(structuredClone(p.workflows[0]!.payload)));
  });

  it("tells a reader every code file it will read, in its order, before the first read", () => {
    const events: string[] = [];
    const run = () =>
      compileProject({
        root: "/project",
        modules: [
          {
            file: "/project/p.ts",
            exports: {
              b: workflow("b", { folder: "/f" }).tasks(
                task("x").shell("jobs/x.sh"),
                task("i").shell({ inline: "echo" }),
              ),
              a: workflow("a", { folder: "/f" }).tasks(task("y").python("jobs/y.py"), task("o").shell("../o.sh")),
            },
          },
        ],
        target,
        readAhead: (paths) => events.push(`ahead ${paths.join(" ")}`),
        // The root's real path is asked once; each file's, once each.
        realpath: (p) => {
          events.push(`realpath ${p}`);
          return p;
        },
        readFile: (p) => {
          events.push(`read ${p}`);
          return Buffer.from("echo hi\n");
        },
      });
    // The file outside the root is refused, never read.
    expect(run).toThrow(/outside the project root/);
    expect(events).toEqual([
      "ahead /project/jobs/y.py /project/jobs/x.sh",
      "realpath /project",
      "realpath /project/jobs/y.py",
      "read /project/jobs/y.py",
      "realpath /project/jobs/x.sh",
      "read /project/jobs/x.sh",
    ]);
  });

  it("reads no builder call's location when nothing is wrong (formatting a stack per task is slow)", () => {
    const chain = (wf: string) => {
      const a = task("a").shell("a.sh");
      return workflow(wf, { folder: "/f" }).tasks(a, task("b").shell("b.sh").retry(2).after(a, "a"));
    };
    const exports = { w1: chain("w1"), w2: chain("w2") };
    const previous = Error.prepareStackTrace;
    let formatted = 0;
    Error.prepareStackTrace = (error, frames) => {
      formatted++;
      return previous ? previous(error, frames) : `${error}\n${frames.map((f) => `    at ${f}`).join("\n")}`;
    };
    try {
      expect(compile(exports).tasks).toHaveLength(4);
    } finally {
      Error.prepareStackTrace = previous;
    }
    expect(formatted).toBe(0);
  });

  it("writes placeholders for ids known only after deploy", () => {
    const a = task("a").shell("a.sh").output("n", "1");
    const b = task("b").shell("b.sh").after(a).input("n", { from: a, param: "n" });
    const p = compile({ w: workflow("w", { folder: "/f" }).tasks(a, b) });
    const pb = p.tasks.find((t) => t.name === "b")!.payload;
    expect(pb.TriggerTaskBaseAttribute.WorkflowId).toBe("$ref:workflow/w");
    expect(pb.TriggerTaskSchedulerConfiguration.UpstreamDependencyConfigList).toEqual([{ TaskId: "$ref:task/w/a" }]);
    // WeData's form: 项目标识.任务名.参数名, the project's identifier, never its numeric id.
    expect(pb.TriggerTaskSchedulerConfiguration.ParamTaskInList![0]).toMatchObject({
      FromTaskId: "$ref:task/w/a",
      ParamDesc: "acme_dw.a.n",
    });
    expect(p.order).toEqual(["workflow:w", "task:w/a", "task:w/b"]);
  });

  it(
    "an input with the default description needs the target's projectIdentifier: a compile error with the fix, " +
      "never the numeric id",
    () => {
      const a = task("a").shell("a.sh").output("n", "1");
      const b = task("b").shell("b.sh").after(a).input("n", { from: a, param: "n" });
      const { projectIdentifier: _drop, ...noIdent } = target;
      const run = (t: typeof noIdent, w: unknown) => {
        try {
          compileProject({
            root: "/project",
            modules: [{ file: "/project/p.ts", exports: { w } }],
            target: t,
            readFile: () => Buffer.from("echo hi\n"),
          });
          return [];
        } catch (e) {
          return (e as { diagnostics: Array<{ code: string; message: string; hint?: string }> }).diagnostics;
        }
      };
      const ds = run(noIdent, workflow("w", { folder: "/f" }).tasks(a, b));
      expect(ds.map((d) => d.code)).toEqual(["E_PROJECT_IDENTIFIER"]);
      expect(ds[0]!.message).toContain('target "dev" has no projectIdentifier');
      expect(ds[0]!.hint).toMatch(
        /add projectIdentifier .* to target "dev" in wedata.config.ts, or give the input a desc/,
      );
      // An input with its own description does not need it.
      const c = task("c").shell("c.sh").after(a).input("n", { from: a, param: "n", desc: "acme_dw.a.n" });
      expect(run(noIdent, workflow("w", { folder: "/f" }).tasks(a, c))).toEqual([]);
    },
  );

  it("orders upstream tasks before dependents and declares parent folders first", () => {
    const c = task("c").shell("c.sh").folder("/x/y");
    const b = task("b").shell("b.sh").after(c);
    const a = task("a").shell("a.sh").after(b);
    const p = compile({ w: workflow("w", { folder: "/etl/daily" }).tasks(a, b, c) });
    expect(p.order).toEqual(["workflow:w", "task:w/c", "task:w/b", "task:w/a"]);
    expect(p.workflowFolders).toEqual(["/etl", "/etl/daily"]);
    expect(p.taskFolders.map((f) => f.path)).toEqual(["/x", "/x/y"]);
  });

  it("prints the cycle it found", () => {
    const a = task("a").shell("a.sh").after("c");
    const b = task("b").shell("b.sh").after(a);
    const c = task("c").shell("c.sh").after(b);
    try {
      compile({ w: workflow("w", { folder: "/f" }).tasks(a, b, c) });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CompileError);
      expect((e as CompileError).diagnostics[0]!.message).toMatch(/a -> b -> c -> a|c -> b -> a -> c|b -> c -> a -> b/);
    }
  });

  it("the same task template may be reused in two workflows", () => {
    const notify = task("notify").shell("n.sh");
    const p = compile({
      a: workflow("a", { folder: "/f" }).tasks(notify),
      b: workflow("b", { folder: "/f" }).tasks(notify),
    });
    expect(p.tasks.map((t) => t.key)).toEqual(["a/notify", "b/notify"]);
  });
});

describe("helpers", () => {
  it("findCycle finds none in a DAG", () => {
    expect(findCycle(["a", "b"], (n) => (n === "a" ? ["b"] : []))).toBeUndefined();
    expect(findCycle(["a"], () => ["a"])).toEqual(["a", "a"]);
  });
  it("orders a random DAG level by level, each level sorted by key", () => {
    const random = seededRandom(7);
    const flows = ["w_b", "w_a"].map((wf) => {
      const made: ReturnType<typeof task>[] = [];
      for (let i = 0; i < 60; i++) {
        const ups = made.filter(() => random() < 0.06);
        made.push(
          task(`t${Math.floor(random() * 1000)}_${i}`)
            .shell("a.sh")
            .after(...ups),
        );
      }
      return workflow(wf, { folder: "/f" }).tasks(...made);
    });
    const p = compile({ a: flows[0], b: flows[1] });
    // The definition: a resource is placed once everything it needs was placed in an earlier level.
    const needs = new Map<string, string[]>([
      ...p.workflows.map((w) => [`workflow:${w.name}`, []] as [string, string[]]),
      ...p.tasks.map(
        (t) =>
          [
            `task:${t.key}`,
            [...t.needsWorkflows.map((n) => `workflow:${n}`), ...t.dependsOn.map((k) => `task:${k}`)],
          ] as [string, string[]],
      ),
    ]);
    const expected: string[] = [];
    while (expected.length < needs.size) {
      const placed = new Set(expected);
      const level = [...needs]
        .filter(([k, ds]) => !placed.has(k) && ds.every((d) => placed.has(d)))
        .map(([k]) => k)
        .sort();
      expect(level.length).toBeGreaterThan(0);
      expected.push(...level);
    }
    expect(p.order).toEqual(expected);
    expect(p.tasks.filter((t) => t.dependsOn.length > 1).length).toBeGreaterThan(5);
  });

  it("canonicalJson sorts keys and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: [3, 1] })).toBe('{\n  "a": [\n    3,\n    1\n  ],\n  "b": 1\n}\n');
  });
  it("a property added to Object.prototype never becomes a field of a lowered task", () => {
    const proto = Object.prototype as Record<string, unknown>;
    const t = task("a").shell("a.sh").folder("/ods");
    proto.polluted = "x";
    try {
      const payload = lowerTask(t.node, "shell", { target, workflowId: "w", workflowName: "w", upstream: [] });
      for (const part of [payload, ...Object.values(payload).filter((v) => typeof v === "object")])
        expect(Object.keys(part as object)).not.toContain("polluted");
    } finally {
      delete proto.polluted;
    }
  });
  it("isText: UTF-8 without NUL, exactly as decoding and re-encoding tells it", () => {
    // Seeded bytes mixing ASCII, valid multi-byte sequences and every kind of broken one.
    const rnd = seededRandom(7);
    const pieces = [
      [0x61],
      [0x0a],
      [0x00],
      [0xc3, 0xa9], // é
      [0xe9, 0x94, 0xae], // 键
      [0xf0, 0x9f, 0x98, 0x80], // an emoji
      [0xef, 0xbb, 0xbf], // a BOM
      [0xc3], // cut short
      [0x80], // a lone continuation byte
      [0xc0, 0xaf], // overlong
      [0xe0, 0x80, 0xaf], // overlong
      [0xed, 0xa0, 0x80], // a surrogate
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0xff],
      [0xfe],
    ];
    const roundTrip = (b: Buffer) => !b.includes(0) && Buffer.from(b.toString("utf8"), "utf8").equals(b);
    let texts = 0;
    for (let i = 0; i < 5000; i++) {
      const parts: number[] = [];
      for (let n = Math.floor(rnd() * 6); n > 0; n--) {
        // Mostly valid pieces, so that about half the samples are text.
        const piece = pieces[rnd() < 0.85 ? [0, 1, 3, 4, 5, 6][Math.floor(rnd() * 6)]! : Math.floor(rnd() * 15)]!;
        parts.push(...piece);
      }
      const bytes = Buffer.from(parts);
      expect(isText(bytes), bytes.toString("hex")).toBe(roundTrip(bytes));
      if (roundTrip(bytes)) texts++;
    }
    expect(texts).toBeGreaterThan(1000);
    expect(texts).toBeLessThan(4500);
  });
  it("lowers a task with every setting into objects already in the canonical writer's key order", () => {
    const up = task("up").shell("u.sh").output("n", "$[0]");
    const t = task("all")
      .shell("a.sh")
      .owner("100")
      .description("d")
      .folder("/ods")
      .resourceGroup("rg")
      .dataCluster("dc")
      .brokerIp("10.0.0.1")
      .yarnQueue("q")
      .sourceServices("s1", "s2")
      .targetServices("t1")
      .bundle("b", "info")
      .schedulingParams({ bizdate: "${yyyyMMdd}" })
      .ext("k", "v")
      .retry(3, { waitMinutes: 2 })
      .priority("high")
      .timeout(60)
      .waitTimeout(30)
      .redo("NONE")
      .output("rows", "$[0]")
      .input("n", { from: up, param: "n" })
      .input("c", { constant: "7" })
      .registerOutput({
        datasourceId: "1",
        database: "db",
        table: "t",
        partition: "p",
        tablePhysicalId: "tp",
        dbGuid: "g1",
        tableGuid: "g2",
        catalog: "c",
        datasourceName: "ds",
        qualifiedName: "q",
      })
      .triggerWhen("ALL_DONE")
      .allowDownstream(false)
      .dryRun()
      .after(up);
    const payload = lowerTask(t.node, "shell", {
      target,
      workflowId: "$ref:workflow/w",
      workflowName: "w",
      upstream: ["up"],
      codeBase64: "ZWNobw==",
    });
    const objects: Array<[string, Record<string, unknown>]> = [];
    const walk = (v: unknown, path: string) => {
      if (Array.isArray(v)) {
        for (const [i, x] of v.entries()) walk(x, `${path}[${i}]`);
      } else if (v && typeof v === "object") {
        objects.push([path, v as Record<string, unknown>]);
        for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
      }
    };
    walk(payload, "payload");
    for (const [path, o] of objects) expect(Object.keys(o), path).toEqual(Object.keys(o).sort());
    // Every optional field is there: none was left out of the sorted lists.
    expect(Object.keys(payload.TriggerTaskBaseAttribute)).toHaveLength(6);
    expect(Object.keys(payload.TriggerTaskConfiguration)).toHaveLength(11);
    expect(Object.keys(payload.TriggerTaskSchedulerConfiguration)).toHaveLength(13);
    expect(payload.TriggerTaskSchedulerConfiguration.ParamTaskInList).toEqual([
      { FromParamKey: "n", FromTaskId: "$ref:task/w/up", ParamDesc: "acme_dw.up.n", ParamKey: "n", Type: "TASK" },
      { FromParamKey: "7", FromTaskId: "", ParamDesc: "7", ParamKey: "c", Type: "CONSTANT" },
    ]);
    expect(Object.keys(payload.TriggerTaskSchedulerConfiguration.TaskOutputRegistryList![0]!)).toHaveLength(11);
  });
  it("codePathsIn: a code path inside the root made absolute, exactly as resolving it tells", () => {
    const reference = (root: string, p: string) => {
      const abs = resolve(root, p);
      const r = relative(root, abs);
      return r !== "" && r !== ".." && !r.startsWith("../") && !isAbsolute(r) ? abs : undefined;
    };
    const parts = ["jobs", "a.sh", ".", "..", "", "..x.sh", "x..", ".hidden", "b\\c", "订单", " "];
    const rnd = seededRandom(3);
    let inside = 0;
    for (const root of ["/project", "/", "/a/b"]) {
      const fast = codePathsIn(root);
      for (let i = 0; i < 3000; i++) {
        const n = 1 + Math.floor(rnd() * 4);
        const p =
          (rnd() < 0.1 ? "/" : "") + Array.from({ length: n }, () => parts[Math.floor(rnd() * parts.length)]).join("/");
        expect(fast(p), `${root} ${p}`).toBe(reference(root, p));
        expect(fast(p), `${root} ${p}, asked again`).toBe(reference(root, p));
        if (reference(root, p) !== undefined) inside++;
      }
    }
    expect(inside).toBeGreaterThan(2000);
    // A file whose name starts with two dots is inside, not above.
    expect(codePathsIn("/project")("..x.sh")).toBe("/project/..x.sh");
  });
  it("names and folders", () => {
    expect(nameProblem("订单_daily-1")).toBeUndefined();
    expect(nameProblem("a.b")).toMatch(/"\."/);
    expect(folderChain("/a/b/c")).toEqual(["/a", "/a/b", "/a/b/c"]);
  });
});
