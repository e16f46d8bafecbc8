/** A project whose package.json is CommonJS (no "type": "module") loads its TypeScript files all the same. */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CONFIG, repoRoot, tempProject } from "./helpers.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe("a CommonJS project", () => {
  it("compiles: the packages' exports resolve for require as for import", async () => {
    const p = tempProject({
      "wedata.config.ts": CONFIG,
      "pipeline.ts": `import { task, workflow } from "@wedata-kit/dsl";
export const w = workflow("w", { folder: "/f" }).tasks(task("a").shell({ inline: "echo a" }));
`,
    });
    cleanups.push(p.cleanup);
    writeFileSync(join(p.dir, "package.json"), JSON.stringify({ name: "cjs-project", private: true }));
    // The built command, as a user runs it: Node resolves the packages itself (tests otherwise read sources).
    const r = spawnSync(
      process.execPath,
      [join(repoRoot, "packages/cli/bin/wedata.js"), "compile", "--cwd", p.dir, "--no-typecheck", "--no-snapshot"],
      { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/compiled 1 workflow\(s\) and 1 task\(s\)/);
  });
});
