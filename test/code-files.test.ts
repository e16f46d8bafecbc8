import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "./helpers.js";

// The built module (`npm run build` first), as `wedata` runs it: the reader thread's script is JavaScript.
const { codeFiles, readAheadCodeFiles, worthPreparing } = (await import(
  pathToFileURL(join(repoRoot, "packages", "cli", "dist", "code-files.js")).href
)) as typeof import("../packages/cli/src/code-files.js");

const base = mkdtempSync(join(tmpdir(), "wedata-kit-code-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const LIMIT = 1000;

/** Every kind of path a task's code can name: what each answers must not depend on which thread read it. */
function project() {
  const root = mkdtempSync(join(base, "p-"));
  const outside = mkdtempSync(join(base, "outside-"));
  mkdirSync(join(root, "jobs", "deep"), { recursive: true });
  writeFileSync(join(outside, "secret.sh"), "echo outside\n");
  const files: Record<string, string> = {};
  for (let i = 0; i < 40; i++) files[`jobs/t${i}.sh`] = `echo ${i}\n`;
  files["jobs/deep/x.py"] = "print('x')\n";
  files["jobs/big.sh"] = "#".repeat(LIMIT + 1);
  files["jobs/empty.sh"] = "";
  for (const [rel, text] of Object.entries(files)) writeFileSync(join(root, rel), text);
  symlinkSync(join(outside, "secret.sh"), join(root, "jobs", "out.sh"));
  symlinkSync(join(root, "jobs", "t1.sh"), join(root, "jobs", "in.sh"));
  symlinkSync(outside, join(root, "linked"));
  execFileSync("mkfifo", [join(root, "jobs", "pipe.sh")]);
  const paths = [
    ...Object.keys(files),
    "jobs/missing.sh",
    "jobs/out.sh",
    "jobs/in.sh",
    "linked/secret.sh",
    "jobs/pipe.sh",
    "jobs/deep",
    "nowhere/a.sh",
  ].map((rel) => join(root, rel));
  return { root, paths };
}

type Outcome = { value: string } | { code: string | undefined; message: string };
const outcome = (f: () => string | Buffer): Outcome => {
  try {
    const v = f();
    return { value: typeof v === "string" ? v : `bytes:${v.toString("base64")}` };
  } catch (e) {
    return { code: (e as { code?: string }).code, message: (e as Error).message };
  }
};
const answers = (files: { realpath(p: string): string; readFile(p: string): Buffer }, paths: readonly string[]) =>
  paths.map((p) => ({ path: p, real: outcome(() => files.realpath(p)), bytes: outcome(() => files.readFile(p)) }));

describe("code files read ahead on a second thread", () => {
  it("answers every path exactly as reading in the compile's own thread does", async () => {
    const { paths } = project();
    const ahead = readAheadCodeFiles(LIMIT, { minimum: 1 });
    ahead.readAhead(paths);
    await ahead.whenDone();
    const got = answers(ahead, paths);
    ahead.close();
    const expected = answers(codeFiles(LIMIT), paths);
    expect(got).toEqual(expected);
    // The cases are the ones meant: refused links, a FIFO, a folder, a file over the limit, missing files.
    const codes = Object.fromEntries(
      expected.map((a) => [a.path.slice(a.path.indexOf("/jobs/") + 1 || a.path.lastIndexOf("/linked/") + 1), a]),
    );
    expect(codes["jobs/big.sh"]?.bytes).toMatchObject({ code: "E_FILE_TOO_LARGE" });
    expect(codes["jobs/pipe.sh"]?.bytes).toMatchObject({ code: "E_NOT_REGULAR_FILE" });
    expect(codes["jobs/missing.sh"]?.bytes).toMatchObject({ code: "ENOENT" });
    expect(codes["jobs/deep"]?.bytes).toMatchObject({ code: "E_NOT_REGULAR_FILE" });
    expect(codes["jobs/out.sh"]?.real).toMatchObject({ value: expect.stringContaining("outside-") });
    expect(codes["jobs/empty.sh"]?.bytes).toEqual({ value: "bytes:" });
  });

  it("takes the thread's answers: a file removed after the thread read it is still the bytes it read", async () => {
    const { paths } = project();
    const ahead = readAheadCodeFiles(LIMIT, { minimum: 1 });
    ahead.readAhead(paths);
    await ahead.whenDone();
    const last = paths.findLast((p) => p.endsWith("x.py"))!;
    unlinkSync(last);
    expect(ahead.readFile(last).toString()).toBe("print('x')\n");
    // Each answer is used once: a second read of the same path reads it now.
    expect(() => ahead.readFile(last)).toThrow(expect.objectContaining({ code: "ENOENT" }));
    ahead.close();
  });

  it("reads a path it was not told about, and everything when no thread is started", async () => {
    const { root, paths } = project();
    const few = readAheadCodeFiles(LIMIT);
    few.readAhead(paths); // under the minimum: no thread
    await few.whenDone();
    unlinkSync(join(root, "jobs", "t3.sh"));
    expect(() => few.readFile(join(root, "jobs", "t3.sh"))).toThrow(expect.objectContaining({ code: "ENOENT" }));
    expect(few.readFile(join(root, "jobs", "t4.sh")).toString()).toBe("echo 4\n");
    few.close();
    const ahead = readAheadCodeFiles(LIMIT, { minimum: 1 });
    ahead.readAhead(paths.slice(0, 2));
    await ahead.whenDone();
    expect(ahead.readFile(join(root, "jobs", "t5.sh")).toString()).toBe("echo 5\n");
    ahead.close();
  });

  it("starts the thread before the paths are known, and it answers them as the compile's own thread does", async () => {
    const { root, paths } = project();
    const early = readAheadCodeFiles(LIMIT); // the default minimum: a prepared thread takes even a few paths
    early.prepare();
    early.prepare(); // once
    early.readAhead(paths);
    await early.whenDone();
    // Read by the thread: a file removed since is still the bytes it read.
    unlinkSync(join(root, "jobs", "t7.sh"));
    const got = answers(early, paths);
    early.close();
    writeFileSync(join(root, "jobs", "t7.sh"), "echo 7\n");
    expect(got).toEqual(answers(codeFiles(LIMIT), paths));
  });

  it("ends a thread it prepared when closed before handing it any path", async () => {
    const idle = readAheadCodeFiles(LIMIT);
    idle.prepare();
    idle.close();
    await idle.whenDone(); // the thread exited: otherwise this never settles and the test times out
    const { root } = project();
    expect(idle.readFile(join(root, "jobs", "t2.sh")).toString()).toBe("echo 2\n");
  });

  it("prepares a thread for pipeline files with room for hundreds of tasks, not for a few", () => {
    const root = mkdtempSync(join(base, "sizes-"));
    const small = join(root, "small.ts");
    const large = join(root, "large.ts");
    writeFileSync(small, 'task("a").shell("a.sh");\n'.repeat(20));
    writeFileSync(large, 'task("a").shell("jobs/a.sh").retry(2);\n'.repeat(600));
    expect(worthPreparing([small])).toBe(false);
    expect(worthPreparing([small, large])).toBe(true);
    expect(worthPreparing([join(root, "missing.ts"), root])).toBe(false);
  });
});
