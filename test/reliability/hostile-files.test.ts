/**
 * Files wedata-kit must never destroy: output folders pointed at the project, outside it or through
 * links; links, devices and FIFOs planted in the folders it owns; files it did not write. Each case gets
 * its specific refusal, and every file outside what wedata-kit wrote is byte for byte as before.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "@wedata-kit/emulator";
import { OWNED_MARKER, safeFileName } from "@wedata-kit/files";
import { H } from "../fixtures/bad-pipelines.js";
import { tempProject } from "../helpers.js";
import { PROJECT } from "../sdk.js";
import { cleanupDirs, cli, record, suiteEmulator } from "./support.js";

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await suiteEmulator();
});
afterAll(async () => {
  await emu.stop();
  record("hostile files", { cases: cases });
  cleanupDirs();
});
let cases = 0;

const CONFIG =
  `import { defineConfig } from "@wedata-kit/dsl";\nexport default defineConfig({ name: "files", ` +
  `pipelines: ["pipeline.ts"], targets: { dev: { projectId: "${PROJECT}", region: "ap-guangzhou" } } });\n`;
const PIPELINE = `${H}export const w = workflow("w", { folder: "/f" }).tasks(task("a").shell("jobs/a.sh"));\n`;

/** A project with a git folder and a few files of the user's own, and a folder outside it with files of its own. */
function project() {
  const p = tempProject({
    "wedata.config.ts": CONFIG,
    "pipeline.ts": PIPELINE,
    "jobs/a.sh": "echo a\n",
    ".git/HEAD": "ref: refs/heads/main\n",
    "notes/keep.md": "mine\n",
  });
  const outside = mkdtempSync(join(tmpdir(), "wedata-outside-"));
  writeFileSync(join(outside, "precious.txt"), "do not delete\n");
  mkdirSync(join(outside, "sub"));
  writeFileSync(join(outside, "sub", "more.txt"), "nor this\n");
  const untouched = () => {
    expect(readFileSync(join(p.dir, "wedata.config.ts"), "utf8")).toBe(CONFIG);
    expect(readFileSync(join(p.dir, "pipeline.ts"), "utf8")).toBe(PIPELINE);
    expect(readFileSync(join(p.dir, ".git/HEAD"), "utf8")).toBe("ref: refs/heads/main\n");
    expect(readFileSync(join(p.dir, "notes/keep.md"), "utf8")).toBe("mine\n");
    expect(readFileSync(join(outside, "precious.txt"), "utf8")).toBe("do not delete\n");
    expect(readFileSync(join(outside, "sub", "more.txt"), "utf8")).toBe("nor this\n");
  };
  return {
    dir: p.dir,
    outside,
    untouched,
    cleanup: () => (p.cleanup(), rmSync(outside, { recursive: true, force: true })),
  };
}

async function refused(
  args: string[],
  error: RegExp,
  prepare: (p: ReturnType<typeof project>) => void = () => {},
  env: Record<string, string | undefined> = {},
  extra = ["--no-typecheck"],
) {
  cases++;
  const p = project();
  try {
    prepare(p);
    const r = await cli([...args, "--cwd", p.dir, ...extra], emu.url, env);
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.err, r.out).toMatch(error);
    p.untouched();
    return p;
  } finally {
    p.cleanup();
  }
}

describe("output folders: never the project, never outside it, never through a link", () => {
  it("compile --snapshot . is refused and deletes nothing", () =>
    refused(["compile", "--snapshot", "."], /the snapshot folder cannot be the project root/));
  it("compile --snapshot .. (a folder containing the project) is refused", () =>
    refused(["compile", "--snapshot", ".."], /contains the project root/));
  it("compile --snapshot to a folder outside the project is refused", async () => {
    const p = project();
    try {
      const r = await cli(["compile", "--cwd", p.dir, "--no-typecheck", "--snapshot", p.outside], emu.url);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/lies outside the project/);
      p.untouched();
    } finally {
      p.cleanup();
    }
  });
  it("compile --out . is refused", () =>
    refused(["compile", "--out", "."], /the --out folder cannot be the project root/));
  it("compile --out into a folder of the user's own files is refused, the files kept", () =>
    refused(["compile", "--out", "notes"], /holds 1 file\(s\) wedata-kit did not write \(notes\/keep\.md\)/));
  it("compile --out into the snapshot folder (another kind) is refused", () =>
    refused(["compile", "--out", "wedata.snapshot"], /marked as a wedata-kit folder of another kind/, (p) => {
      mkdirSync(join(p.dir, "wedata.snapshot"));
      writeFileSync(join(p.dir, "wedata.snapshot", OWNED_MARKER), '{"owner":"wedata-kit","kind":"snapshot"}\n');
    }));
  it("a snapshot folder that is itself a link out of the project is refused", () =>
    refused(["compile"], /goes through a symbolic link \(wedata\.snapshot\)/, (p) =>
      symlinkSync(p.outside, join(p.dir, "wedata.snapshot")),
    ));
  it("a .wedata folder that is a link out of the project is refused before anything is written", () =>
    refused(
      ["deploy", "--yes"],
      /the \.wedata folder \.wedata goes through a symbolic link/,
      (p) => symlinkSync(p.outside, join(p.dir, ".wedata")),
      { WEDATA_ENDPOINT: undefined, TENCENTCLOUD_SECRET_ID: undefined, TENCENTCLOUD_SECRET_KEY: undefined },
    ));
  it("a .wedata/state that is a link is never written through", () =>
    refused(["deploy", "--yes"], /\.wedata\/state is a symbolic link/, (p) => {
      mkdirSync(join(p.dir, ".wedata"));
      symlinkSync(p.outside, join(p.dir, ".wedata", "state"));
    }));
  it("import --out through a link is refused", () =>
    refused(
      ["import"],
      /--out pipelines goes through a symbolic link/,
      (p) => symlinkSync(p.outside, join(p.dir, "pipelines")),
      {},
      [],
    ));
});

describe("inside an owned folder: only its own files, walked without following links", () => {
  it("a link in wedata.snapshot to a folder outside: compile refuses and the folder keeps every file", async () => {
    const p = await refused(["compile"], /wedata\.snapshot\/w\/tasks is a symbolic link/, (p) => {
      mkdirSync(join(p.dir, "wedata.snapshot", "w"), { recursive: true });
      writeFileSync(join(p.dir, "wedata.snapshot", OWNED_MARKER), '{"owner":"wedata-kit","kind":"snapshot"}\n');
      symlinkSync(p.outside, join(p.dir, "wedata.snapshot", "w", "tasks"));
    });
    expect(p).toBeDefined();
  });
  it("a link to /dev/zero in the snapshot: compile --check reports it at once, reads nothing from it", async () => {
    cases++;
    const p = project();
    try {
      mkdirSync(join(p.dir, "wedata.snapshot", "w", "tasks"), { recursive: true });
      symlinkSync("/dev/zero", join(p.dir, "wedata.snapshot", "w", "tasks", "a.json"));
      const before = process.memoryUsage().rss;
      const started = Date.now();
      const r = await cli(["compile", "--check", "--cwd", p.dir, "--no-typecheck"], emu.url);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(process.memoryUsage().rss - before).toBeLessThan(500 * 1024 * 1024);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/foreign\s+wedata\.snapshot\/w\/tasks\/a\.json/);
      // And compile itself refuses to work around it.
      const c = await cli(["compile", "--cwd", p.dir, "--no-typecheck"], emu.url);
      expect(c.code).toBe(1);
      expect(c.err).toMatch(/a\.json is a symbolic link/);
      expect(readlinkSync(join(p.dir, "wedata.snapshot", "w", "tasks", "a.json"))).toBe("/dev/zero");
    } finally {
      p.cleanup();
    }
  });
  it("a file wedata-kit did not write in the snapshot is neither deleted nor overwritten", async () => {
    cases++;
    const p = project();
    try {
      expect((await cli(["compile", "--cwd", p.dir, "--no-typecheck"], emu.url)).code).toBe(0);
      expect(existsSync(join(p.dir, "wedata.snapshot", OWNED_MARKER))).toBe(true);
      writeFileSync(join(p.dir, "wedata.snapshot", "README.md"), "my notes\n");
      const r = await cli(["compile", "--cwd", p.dir, "--no-typecheck"], emu.url);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/wedata-kit did not write \(wedata\.snapshot\/README\.md\)/);
      expect(readFileSync(join(p.dir, "wedata.snapshot", "README.md"), "utf8")).toBe("my notes\n");
      expect(existsSync(join(p.dir, "wedata.snapshot", "w", "tasks", "a.json"))).toBe(true);
    } finally {
      p.cleanup();
    }
  });
  it("a temporary file a crashed command left behind stops nothing and is deleted by the next command", async () => {
    cases++;
    const p = project();
    try {
      expect((await cli(["compile", "--cwd", p.dir, "--no-typecheck"], emu.url)).code).toBe(0);
      // Written but never renamed over its target: what a command killed mid-write leaves. Its process is gone.
      const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
        encoding: "utf8",
      }).stdout;
      const leftovers = [
        join(p.dir, "wedata.snapshot", "w", "tasks", `.${gone}.1700000000000.tmp`),
        join(p.dir, ".wedata", "state", `.${gone}.1700000000001.tmp`),
      ];
      mkdirSync(join(p.dir, ".wedata", "state"), { recursive: true });
      for (const f of leftovers) writeFileSync(f, "half written");
      const check = await cli(["compile", "--check", "--cwd", p.dir, "--no-typecheck"], emu.url);
      expect(check.code, check.err).toBe(0);
      const r = await cli(["plan", "--cwd", p.dir, "--no-typecheck"], emu.url);
      expect(r.code, r.err).toBe(0);
      const c = await cli(["compile", "--cwd", p.dir, "--no-typecheck"], emu.url);
      expect(c.code, c.err).toBe(0);
      for (const f of leftovers) expect(existsSync(f), f).toBe(false);
      p.untouched();
    } finally {
      p.cleanup();
    }
  });
  it(
    "an unmarked folder holding only snapshot files is taken over and kept in sync; a removed task's files " + "go",
    async () => {
      cases++;
      const p = project();
      try {
        mkdirSync(join(p.dir, "wedata.snapshot", "old", "tasks"), { recursive: true });
        writeFileSync(join(p.dir, "wedata.snapshot", "old", "workflow.json"), "{}\n");
        writeFileSync(join(p.dir, "wedata.snapshot", "old", "tasks", "gone.sh"), "echo\n");
        const r = await cli(["compile", "--cwd", p.dir, "--no-typecheck"], emu.url);
        expect(r.code, r.err).toBe(0);
        expect(existsSync(join(p.dir, "wedata.snapshot", "old"))).toBe(false);
        expect(existsSync(join(p.dir, "wedata.snapshot", "w", "workflow.json"))).toBe(true);
        p.untouched();
      } finally {
        p.cleanup();
      }
    },
  );
});

describe("files named on the command line", () => {
  it("plan --out never overwrites a file that is not a saved plan; a saved plan is replaced", async () => {
    cases++;
    const p = project();
    try {
      const r = await cli(
        ["plan", "--cwd", p.dir, "--no-typecheck", "--out", join(p.dir, "wedata.config.ts")],
        emu.url,
      );
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/wedata\.config\.ts exists and is not a plan file saved by wedata-kit/);
      const link = join(p.dir, "plan-link.json");
      symlinkSync(join(p.outside, "precious.txt"), link);
      const l = await cli(["plan", "--cwd", p.dir, "--no-typecheck", "--out", link], emu.url);
      expect(l.code).toBe(1);
      expect(l.err).toMatch(/exists and is not a regular file/);
      p.untouched();
      const planFile = join(p.dir, "plan.json");
      expect((await cli(["plan", "--cwd", p.dir, "--no-typecheck", "--out", planFile], emu.url)).code).toBe(0);
      expect((await cli(["plan", "--cwd", p.dir, "--no-typecheck", "--out", planFile], emu.url)).code).toBe(0);
      expect(JSON.parse(readFileSync(planFile, "utf8")).version).toBe(1);
    } finally {
      p.cleanup();
    }
  });
});

describe("reads: regular files of bounded size only", () => {
  it("a code file that is a FIFO is refused at once instead of hanging the compile", async () => {
    cases++;
    const p = project();
    try {
      rmSync(join(p.dir, "jobs", "a.sh"));
      execFileSync("mkfifo", [join(p.dir, "jobs", "a.sh")]);
      const started = Date.now();
      const r = await cli(["compile", "--cwd", p.dir, "--no-typecheck"], emu.url);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(
        new RegExp(
          String.raw`pipeline\.ts:\d+:\d+ error\[E_CODE_UNREADABLE\]: code file "job` +
            String.raw`s\/a\.sh" of task "a" is a FIFO \(named pipe\), not a regular file`,
        ),
      );
    } finally {
      p.cleanup();
    }
  });
  it("a code file that is a link out of the project, or in a linked folder out of it, is refused", async () => {
    const outsideLink = String.raw`error\[E_CODE_OUTSIDE_ROOT\]: code file "jobs\/a\.sh" of task "a" links outside`;
    await refused(["compile", "--no-snapshot"], new RegExp(outsideLink), (p) => {
      rmSync(join(p.dir, "jobs", "a.sh"));
      symlinkSync(join(p.outside, "precious.txt"), join(p.dir, "jobs", "a.sh"));
    });
    await refused(["compile", "--no-snapshot"], new RegExp(outsideLink), (p) => {
      rmSync(join(p.dir, "jobs"), { recursive: true });
      writeFileSync(join(p.outside, "a.sh"), "echo outside\n");
      symlinkSync(p.outside, join(p.dir, "jobs"));
    });
  });
  it("a code file linked to another file of the project compiles that file's bytes", async () => {
    cases++;
    const p = project();
    try {
      writeFileSync(join(p.dir, "notes", "real.sh"), "echo real\n");
      rmSync(join(p.dir, "jobs", "a.sh"));
      symlinkSync(join(p.dir, "notes", "real.sh"), join(p.dir, "jobs", "a.sh"));
      const out = join(p.dir, "out");
      const r = await cli(["compile", "--cwd", p.dir, "--no-typecheck", "--out", out], emu.url);
      expect(r.code, r.err).toBe(0);
      const payload = JSON.parse(readFileSync(join(out, "w", "tasks", "a.json"), "utf8"));
      expect(Buffer.from(payload.TriggerTaskConfiguration.CodeContent, "base64").toString()).toBe("echo real\n");
      p.untouched();
    } finally {
      p.cleanup();
    }
  });
  it("a target name that would climb out of .wedata is refused, and file names are made safe anyway", async () => {
    cases++;
    const p = project();
    try {
      writeFileSync(join(p.dir, "wedata.config.ts"), CONFIG.replace("dev:", '"../../../elsewhere/x":'));
      const r = await cli(["plan", "--cwd", p.dir, "--no-typecheck"], emu.url);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/error\[E_CONFIG\].*target names may hold letters, digits/);
      expect(existsSync(join(p.dir, ".wedata"))).toBe(false);
    } finally {
      p.cleanup();
    }
    expect(safeFileName("../../../elsewhere/x")).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(safeFileName("../../../elsewhere/x")).not.toMatch(/^\./);
    expect(safeFileName("dev")).toBe("dev");
    expect(safeFileName("a/b")).not.toBe(safeFileName("a_b"));
  });
});
