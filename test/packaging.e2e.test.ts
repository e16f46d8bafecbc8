/**
 * The published path, end to end: every package packed as npm would publish it, the scaffolder run from
 * its tarball, the tarballs installed into the new project outside the repository with no registry access,
 * then compile, plan, deploy to the embedded emulator, the project's own test (with `tsc`), and the dsl
 * imported from plain Node.
 */
import { type ExecFileSyncOptions, execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./helpers.js";
import { offlineLock, type RepoLock } from "./support/offline-lock.js";

const PACKAGES = ["dsl", "files", "compiler", "deployer", "emulator", "importer", "runner", "create-wedata-kit", "cli"];

// Credentials and endpoints of the machine must not leak in: the project deploys to its embedded emulator.
const cleanEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: "true", NO_COLOR: "1" };
  delete env.FORCE_COLOR;
  for (const k of Object.keys(env))
    if (/^(TENCENTCLOUD_|WEDATA_|VITEST|npm_lifecycle|npm_package|npm_config_(?!cache$))/.test(k)) delete env[k];
  return env;
};

let work: string;
let project: string;
const run = (cmd: string, args: string[], opts: ExecFileSyncOptions = {}) =>
  execFileSync(cmd, args, { cwd: project, env: cleanEnv(), encoding: "utf8", stdio: "pipe", ...opts }) as string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "wedata-pack-"));
  const packs = join(work, "packs");
  mkdirSync(packs);
  // Packed as npm publishes them: only what `files` lists, from the built dist/.
  const tarballs = new Map<
    string,
    { manifest: RepoLock["packages"][string] & { name: string }; file: string; repoPath: string }
  >();
  for (const p of PACKAGES) {
    const dir = join(repoRoot, "packages", p);
    const out = execFileSync("npm", ["pack", "--json", "--pack-destination", packs], {
      cwd: dir,
      env: cleanEnv(),
      encoding: "utf8",
    });
    const [info] = JSON.parse(out) as Array<{ filename: string; files: Array<{ path: string }> }>;
    if (!info) throw new Error(`npm pack gave nothing for ${p}`);
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    tarballs.set(manifest.name, { manifest, file: join(packs, info.filename), repoPath: `packages/${p}` });
  }
  // The scaffolder from its own tarball (it has no dependencies): `npm create wedata-kit` runs exactly this bin.
  const creator = join(work, "creator");
  mkdirSync(creator);
  execFileSync("tar", ["xzf", tarballs.get("create-wedata-kit")?.file ?? "", "-C", creator]);
  project = join(work, "my-pipelines");
  execFileSync("node", [join(creator, "package/bin/create-wedata-kit.js"), project, "--yes"], { env: cleanEnv() });

  // What the registry would resolve, from the tarballs: the project's dependencies on them become file: specs.
  const pkgFile = join(project, "package.json");
  const pkg = JSON.parse(readFileSync(pkgFile, "utf8"));
  for (const name of Object.keys(pkg.dependencies)) {
    const t = tarballs.get(name);
    if (t) pkg.dependencies[name] = `file:${t.file}`;
  }
  writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
  const repoLock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as RepoLock;
  writeFileSync(join(project, "package-lock.json"), JSON.stringify(offlineLock(repoLock, pkg, tarballs), null, 2));
  run("npm", ["ci", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"]);
  // Install scripts were skipped (they would compile better-sqlite3 from source, as `npm ci` did for the
  // repository already): its native build is taken from the repository's install.
  const native = join(repoRoot, "node_modules/better-sqlite3/build");
  cpSync(native, join(project, "node_modules/better-sqlite3/build"), { recursive: true });
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the packed packages, installed into a scaffolded project", () => {
  it("ship built JavaScript with declarations and no tests or sources", () => {
    for (const p of PACKAGES) {
      const dir = join(project, "node_modules", p === "create-wedata-kit" ? p : `@wedata-kit/${p}`);
      expect(existsSync(join(dir, "dist/index.js")), p).toBe(true);
      expect(existsSync(join(dir, "dist/index.d.ts")), p).toBe(true);
      expect(existsSync(join(dir, "src")), p).toBe(false);
      expect(existsSync(join(dir, "README.md")), p).toBe(true);
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      expect(manifest.private, p).toBeUndefined();
      expect(manifest.license, p).toBe("MIT");
    }
  });

  it("pass npm publish --dry-run as they are: nothing auto-corrected (a bin npm would drop, for one)", () => {
    const r = spawnSync("npm", ["publish", "--dry-run", "--offline", "--workspaces"], {
      cwd: repoRoot,
      env: cleanEnv(),
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    const all = `${r.stdout}${r.stderr}`;
    expect(all).not.toMatch(/auto-corrected|invalid and removed/);
    for (const p of PACKAGES) expect(all).toContain(`+ ${p === "create-wedata-kit" ? p : `@wedata-kit/${p}`}@`);
  });

  it("import @wedata-kit/dsl from plain Node", () => {
    const out = run("node", [
      "--input-type=module",
      "-e",
      'const d = await import("@wedata-kit/dsl"); console.log(typeof d.task, typeof d.workflow, typeof d.byTarget)',
    ]);
    expect(out.trim()).toBe("function function function");
  });

  it("compile, plan and deploy to the embedded emulator; a second plan has no changes", () => {
    const wedata = join(project, "node_modules/.bin/wedata");
    expect(run(wedata, ["--version"]).trim()).toBe(
      JSON.parse(readFileSync(join(repoRoot, "packages/cli/package.json"), "utf8")).version,
    );
    expect(run(wedata, ["compile"])).toMatch(/compiled 1 workflow\(s\) and 2 task\(s\) for target dev/);
    const plan = run(wedata, ["plan"]);
    expect(plan).toMatch(/create\s+daily\/extract/);
    expect(plan).toMatch(/Values for target dev \(byTarget\)\n\s+pipelines\/daily\.ts:\d+\s+"dw_dev"/);
    expect(run("npm", ["run", "deploy"])).toMatch(
      /Deployed in [\d.]+ s: 3 created, 0 updated, 0 deleted, 2 submitted, 0 failed/,
    );
    expect(run(wedata, ["plan"])).toMatch(/No changes/);
  });

  it("the scaffolded project's own test passes, tsc included", () => {
    const out = run("npm", ["test"]);
    expect(out).toMatch(/# pass 2/);
    expect(out).toMatch(/# fail 0/);
  });
});
