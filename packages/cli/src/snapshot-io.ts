import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";

/** Every file under `dir`, by path relative to it (forward slashes). */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p).split(sep).join("/"), readFileSync(p, "utf8"));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** Paths that differ between the files wanted and those on disk. */
export function staleFiles(wanted: ReadonlyMap<string, string>, onDisk: ReadonlyMap<string, string>): Array<{ path: string; why: "missing" | "changed" | "extra" }> {
  const out: Array<{ path: string; why: "missing" | "changed" | "extra" }> = [];
  for (const [p, c] of wanted) {
    if (!onDisk.has(p)) out.push({ path: p, why: "missing" });
    else if (onDisk.get(p) !== c) out.push({ path: p, why: "changed" });
  }
  for (const p of onDisk.keys()) if (!wanted.has(p)) out.push({ path: p, why: "extra" });
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** Make `dir` hold exactly `files`, touching only what differs. */
export function syncTree(dir: string, files: ReadonlyMap<string, string>): number {
  const stale = staleFiles(files, readTree(dir));
  for (const s of stale) {
    const p = join(dir, s.path);
    if (s.why === "extra") rmSync(p);
    else {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, files.get(s.path)!);
    }
  }
  // Drop folders left empty by removed resources.
  const prune = (d: string): boolean => {
    if (!existsSync(d)) return true;
    const empty = readdirSync(d).map((e) => join(d, e)).filter((p) => statSync(p).isDirectory() && prune(p)).length === readdirSync(d).length;
    if (empty && d !== dir) rmSync(d, { recursive: true, force: true });
    return empty;
  };
  prune(dir);
  return stale.length;
}

const git = (cwd: string, args: string[]) => execFileSync("git", args, { cwd, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 256 * 1024 * 1024 }).toString();

/** The snapshot files at a git revision, read from the repository without checking anything out. */
export function readTreeAtRevision(root: string, snapshotDir: string, rev: string): Map<string, string> {
  const top = git(root, ["rev-parse", "--show-toplevel"]).trim();
  const prefix = relative(top, join(root, snapshotDir)).split(sep).join("/");
  const out = new Map<string, string>();
  const list = git(root, ["ls-tree", "-r", "--name-only", rev, "--", prefix]).split("\n").filter(Boolean);
  for (const path of list) out.set(path.slice(prefix.length + 1), git(top, ["show", `${rev}:${path}`]));
  return out;
}

/** A project file at a git revision. */
export function readFileAtRevision(root: string, file: string, rev: string): string {
  const top = git(root, ["rev-parse", "--show-toplevel"]).trim();
  return git(top, ["show", `${rev}:${relative(top, join(root, file)).split(sep).join("/")}`]);
}

/** The merge base of HEAD with the main branch (origin/main, main, origin/master or master). */
export function defaultBase(root: string): string {
  for (const branch of ["origin/main", "main", "origin/master", "master"]) {
    try {
      return git(root, ["merge-base", "HEAD", branch]).trim();
    } catch {
      // try the next name
    }
  }
  throw new Error("no main branch to compare with: pass BASE (a git revision or a snapshot folder)");
}
