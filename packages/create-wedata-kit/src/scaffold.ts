import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** What a new project is made with; every value has a default that deploys to the local emulator. */
export interface ScaffoldOptions {
  /** The project folder. `create` makes it (it must be missing or empty); `init` fills an existing one. */
  readonly dir: string;
  readonly mode: "create" | "init";
  /** The project's name and ownership mark; default the folder's name, made safe. */
  readonly name?: string;
  /** WeData ProjectIds (digits) and region of the `dev` and `prod` targets. */
  readonly devProjectId?: string;
  readonly prodProjectId?: string;
  readonly region?: string;
}

export interface ScaffoldResult {
  readonly dir: string;
  readonly name: string;
  /** Files written, relative to the project folder. */
  readonly written: readonly string[];
  /** Existing files left as they were (init). */
  readonly kept: readonly string[];
  /** Existing files added to without changing what they held: package.json keys, .gitignore lines (init). */
  readonly extended: ReadonlyArray<{ readonly file: string; readonly added: readonly string[] }>;
}

/** A scaffold that cannot be made as asked: what, where, and how to fix it. */
export class ScaffoldError extends Error {
  override readonly name = "ScaffoldError";
  readonly code = "E_SCAFFOLD";
}

/** Placeholder ProjectIds: any digits deploy to the local emulator; put the real ones in before the cloud. */
export const PLACEHOLDER_DEV_PROJECT = "1000000000000000001";
export const PLACEHOLDER_PROD_PROJECT = "1000000000000000002";
export const DEFAULT_REGION = "ap-guangzhou";

const TEMPLATE = fileURLToPath(new URL("../template/", import.meta.url));
const OWN_VERSION = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** Versions the scaffolded project depends on (the wedata-kit packages are released together). */
export const PROJECT_DEPENDENCIES = {
  dependencies: { "@wedata-kit/cli": `^${OWN_VERSION}`, "@wedata-kit/dsl": `^${OWN_VERSION}` },
  devDependencies: { "@types/node": "^20.19.0", tsx: "4.23.15", typescript: "5.9.3" },
} as const;

/**
 * npm 11 runs no install script of a dependency it is not told to: better-sqlite3 (the local emulator's
 * storage, optional) builds or fetches its native part in one. esbuild's (tsx) is not needed.
 */
const ALLOW_SCRIPTS = { "better-sqlite3": true, esbuild: false } as const;

const SCRIPTS = {
  compile: "wedata compile",
  plan: "wedata plan",
  deploy: "wedata deploy",
  test: "tsc -p tsconfig.json && node --import tsx --test test/*.test.ts",
} as const;

/** A project name usable as the ownership mark and an npm package name. */
export function projectName(raw: string): string {
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^[-_]+|[-_]+$/g, "")
    .slice(0, 100);
  return name || "my-pipelines";
}

function checkOptions(o: ScaffoldOptions): { name: string; dev: string; prod: string; region: string } {
  const name = o.name ?? projectName(resolve(o.dir).split(sep).pop() ?? "");
  if (!/^[a-z0-9][a-z0-9_-]{0,99}$/.test(name))
    throw new ScaffoldError(
      `--name "${name}" cannot be used: lower-case letters, digits, "_" and "-" only, starting with a letter or ` +
        `digit (it is the npm package name and the ownership mark of everything the project deploys)`,
    );
  const dev = o.devProjectId ?? PLACEHOLDER_DEV_PROJECT;
  const prod = o.prodProjectId ?? PLACEHOLDER_PROD_PROJECT;
  for (const [flag, id] of [
    ["--project-id", dev],
    ["--prod-project-id", prod],
  ] as const)
    if (!/^\d{1,20}$/.test(id))
      throw new ScaffoldError(`${flag} "${id}" is not a WeData ProjectId: digits only, as the console shows it`);
  const region = o.region ?? DEFAULT_REGION;
  if (!/^[a-z]+-[a-z]+(-\d+)?$/.test(region))
    throw new ScaffoldError(`--region "${region}" is not a region; write it like "ap-guangzhou"`);
  return { name, dev, prod, region };
}

/** Every template file, relative, with `/` separators. */
function templateFiles(dir = TEMPLATE, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? templateFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
    )
    .sort();
}

/** npm leaves `.gitignore` out of packages, so the template keeps it as `gitignore`. */
const targetPath = (templatePath: string) => (templatePath === "gitignore" ? ".gitignore" : templatePath);

/** Refuses a path whose folders inside the project are symlinks: nothing is written outside the project. */
function checkInside(root: string, rel: string): void {
  let at = root;
  for (const part of rel.split("/").slice(0, -1)) {
    at = join(at, part);
    const st = lstatSync(at, { throwIfNoEntry: false });
    if (st?.isSymbolicLink())
      throw new ScaffoldError(`${relative(root, at)} is a symlink; wedata-kit does not write through it. Remove it`);
    if (st && !st.isDirectory()) throw new ScaffoldError(`${relative(root, at)} is a file where a folder belongs`);
  }
}

function packageJson(name: string): string {
  return `${JSON.stringify(
    {
      name,
      version: "0.0.0",
      private: true,
      type: "module",
      scripts: SCRIPTS,
      ...PROJECT_DEPENDENCIES,
      allowScripts: ALLOW_SCRIPTS,
    },
    null,
    2,
  )}\n`;
}

/** package.json of an existing project, with the missing scripts and dependencies added (nothing changed). */
function extendPackageJson(text: string, file: string): { text: string; added: string[] } | undefined {
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new ScaffoldError(`${file} is not valid JSON (${(e as Error).message}); fix it, then run init again`);
  }
  const added: string[] = [];
  const merge = (section: string, entries: Readonly<Record<string, string | boolean>>) => {
    const current = (pkg[section] ?? {}) as Record<string, string | boolean>;
    for (const [k, v] of Object.entries(entries))
      if (!(k in current) && !(section === "dependencies" && k in ((pkg.devDependencies ?? {}) as object))) {
        current[k] = v;
        added.push(`${section}.${k}`);
      }
    pkg[section] = current;
  };
  merge("scripts", SCRIPTS);
  merge("dependencies", PROJECT_DEPENDENCIES.dependencies);
  merge("devDependencies", PROJECT_DEPENDENCIES.devDependencies);
  merge("allowScripts", ALLOW_SCRIPTS);
  if (pkg.type === undefined) {
    pkg.type = "module";
    added.push("type");
  }
  if (added.length === 0) return undefined;
  const indent = /^\{\r?\n([ \t]+)"/.exec(text)?.[1] ?? "  ";
  return { text: `${JSON.stringify(pkg, null, indent)}\n`, added };
}

function render(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (m, key: string) => values[key] ?? m);
}

/** Write a new project (`create`) or the missing parts of one (`init`); never changes a file it did not write. */
export function scaffold(o: ScaffoldOptions): ScaffoldResult {
  const { name, dev, prod, region } = checkOptions(o);
  const root = resolve(o.dir);
  const st = lstatSync(root, { throwIfNoEntry: false });
  if (st?.isSymbolicLink()) throw new ScaffoldError(`${o.dir} is a symlink; give the real folder`);
  if (st && !st.isDirectory()) throw new ScaffoldError(`${o.dir} is a file, not a folder`);
  if (o.mode === "create" && st && readdirSync(root).some((f) => f !== ".git"))
    throw new ScaffoldError(
      `${o.dir} is not empty; choose a new folder, or run \`npx wedata init\` inside it to add wedata-kit to an ` +
        `existing project`,
    );
  if (o.mode === "init" && !st) throw new ScaffoldError(`${o.dir} does not exist`);
  mkdirSync(root, { recursive: true });

  const values = { name, devProjectId: dev, prodProjectId: prod, region };
  const files = new Map<string, { content: string; mode?: number }>();
  files.set("package.json", { content: packageJson(name) });
  for (const t of templateFiles()) {
    const content = render(readFileSync(join(TEMPLATE, t), "utf8"), values);
    files.set(targetPath(t), { content, ...(t.endsWith(".sh") && { mode: 0o755 }) });
  }

  // A project that has its own wedata.config.ts gets no sample pipeline: its config would not list it.
  if (o.mode === "init" && lstatSync(join(root, "wedata.config.ts"), { throwIfNoEntry: false }))
    for (const rel of [...files.keys()])
      if (/^(pipelines|jobs|test)\//.test(rel) && !lstatSync(join(root, rel), { throwIfNoEntry: false }))
        files.delete(rel);
  const written: string[] = [];
  const kept: string[] = [];
  const extended: Array<{ file: string; added: string[] }> = [];
  for (const [rel, { content, mode }] of files) {
    checkInside(root, rel);
    const path = join(root, ...rel.split("/"));
    const existing = lstatSync(path, { throwIfNoEntry: false });
    if (existing) {
      if (!existing.isFile()) throw new ScaffoldError(`${rel} exists and is not a regular file; move it away`);
      const text = readFileSync(path, "utf8");
      if (rel === "package.json") {
        const more = extendPackageJson(text, rel);
        if (more) {
          writeFileSync(path, more.text);
          extended.push({ file: rel, added: more.added });
        } else kept.push(rel);
      } else if (rel === ".gitignore") {
        const have = new Set(text.split(/\r?\n/).map((l) => l.trim()));
        const missing = content.split("\n").filter((l) => l.trim() && !l.startsWith("#") && !have.has(l.trim()));
        if (missing.length > 0) {
          writeFileSync(path, `${text}${text.endsWith("\n") || text === "" ? "" : "\n"}${missing.join("\n")}\n`);
          extended.push({ file: rel, added: missing });
        } else kept.push(rel);
      } else kept.push(rel);
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    // "wx" (O_EXCL): a file or link that appeared meanwhile is never written through.
    writeFileSync(path, content, {
      flag: "wx",
      mode: mode ?? 0o644,
    });
    written.push(rel);
  }
  return { dir: root, name, written, kept, extended };
}
