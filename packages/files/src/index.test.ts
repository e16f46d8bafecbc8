import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FileSafetyError, OWNED_MARKER, OwnedFolder, type OwnedFolderSpec } from "./index.js";

const spec: OwnedFolderSpec = { kind: "test-output", what: "the test folder", isOurs: (rel) => rel.endsWith(".json") };
const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});
const project = () => {
  const root = mkdtempSync(join(tmpdir(), "wedata-files-"));
  roots.push(root);
  return root;
};
/** Every entry under a folder, folders with a trailing slash. */
const tree = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .map((e) => `${join(e.parentPath, e.name).slice(dir.length + 1)}${e.isDirectory() ? "/" : ""}`)
    .sort();

describe("OwnedFolder.sync", () => {
  it("creates new files, replaces changed ones, removes stale ones, and leaves no temporary file", () => {
    const root = project();
    const out = OwnedFolder.open(root, "out", spec);
    expect(
      out.sync(
        new Map([
          ["a.json", "1"],
          ["w/tasks/b.json", "2"],
          ["w/tasks/c.json", "3"],
        ]),
        100,
      ),
    ).toBe(3);
    expect(
      out.sync(
        new Map([
          ["a.json", "1"],
          ["w/tasks/b.json", "two"],
          ["v/d.json", "4"],
        ]),
        100,
      ),
    ).toBe(3);
    expect(tree(join(root, "out"))).toEqual([
      OWNED_MARKER,
      "a.json",
      "v/",
      "v/d.json",
      "w/",
      "w/tasks/",
      "w/tasks/b.json",
    ]);
    expect(readFileSync(join(root, "out/w/tasks/b.json"), "utf8")).toBe("two");
  });

  it("refuses a file that appeared after the folder was listed, and leaves it as it is", () => {
    const root = project();
    const out = OwnedFolder.open(root, "out", spec);
    const list = out.list.bind(out);
    out.list = () => {
      const listing = list();
      writeFileSync(join(root, "out/a.json"), "planted");
      return listing;
    };
    let error: unknown;
    try {
      out.sync(new Map([["a.json", "ours"]]), 100);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FileSafetyError);
    expect((error as Error).message).toMatch(/^out\/a\.json appeared while wedata-kit was writing the test folder/);
    expect(readFileSync(join(root, "out/a.json"), "utf8")).toBe("planted");
  });

  it("never writes through a link planted after the listing", () => {
    const root = project();
    const victim = join(project(), "victim.txt");
    writeFileSync(victim, "keep me");
    const out = OwnedFolder.open(root, "out", spec);
    const list = out.list.bind(out);
    out.list = () => {
      const listing = list();
      symlinkSync(victim, join(root, "out/a.json"));
      return listing;
    };
    expect(() => out.sync(new Map([["a.json", "ours"]]), 100)).toThrow(/appeared while/);
    expect(readFileSync(victim, "utf8")).toBe("keep me");
  });

  it("a temporary file a crashed command left is deleted; one of a command still at work is left alone", () => {
    const root = project();
    OwnedFolder.open(root, "out", spec).sync(new Map([["w/a.json", "1"]]), 100);
    // A process that has ended: its pid names the leftover.
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    }).stdout;
    const leftover = join(root, `out/w/.${gone}.1700000000000.tmp`);
    const atWork = join(root, `out/w/.${process.ppid}.1700000000000.tmp`);
    writeFileSync(leftover, "half written");
    writeFileSync(atWork, "being written");
    // Read-only: neither is a foreign file, and nothing is deleted.
    const inspected = OwnedFolder.inspect(root, "out", spec)!;
    expect(inspected.readTexts(100)).toEqual({ files: new Map([["w/a.json", "1"]]), strangers: [] });
    expect(existsSync(leftover)).toBe(true);
    // Opened to write: the leftover goes, the other command's file stays and is not taken for a foreign one.
    const out = OwnedFolder.open(root, "out", spec);
    expect(existsSync(leftover)).toBe(false);
    expect(readFileSync(atWork, "utf8")).toBe("being written");
    expect([...out.list().files]).toEqual(["w/a.json"]);
    expect(out.sync(new Map([["w/a.json", "2"]]), 100)).toBe(1);
    expect(tree(join(root, "out"))).toEqual([OWNED_MARKER, "w/", `w/${basename(atWork)}`, "w/a.json"].sort());
  });
  it("a file that only looks like a temporary one, outside an owned folder's layout, is still foreign", () => {
    const root = project();
    mkdirSync(join(root, "out"));
    writeFileSync(join(root, "out/notes.tmp"), "mine");
    expect(() => OwnedFolder.open(root, "out", spec)).toThrow(/did not write \(out\/notes\.tmp\)/);
  });
});
