/**
 * Synthetic projects for the benchmarks: `tasks` tasks over `workflows` workflows, a random DAG of
 * exactly `depth` levels (every task of level L > 0 depends on one to three tasks of lower levels, one
 * of them on level L - 1), each task with its own code file. Seeded: the same arguments give the same
 * project.
 */
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const BENCH_PROJECT_ID = "2378393617299558400";

export interface SynthOptions {
  readonly tasks: number;
  readonly workflows: number;
  readonly depth: number;
  readonly seed?: number;
}

export function writeSyntheticProject(
  dir: string,
  repoRoot: string,
  o: SynthOptions,
): { tasks: number; depth: number } {
  let s = o.seed ?? 42;
  const random = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  mkdirSync(join(dir, "node_modules", "@wedata-kit"), { recursive: true });
  symlinkSync(join(repoRoot, "packages", "dsl"), join(dir, "node_modules", "@wedata-kit", "dsl"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
  const files: string[] = [];
  let made = 0;
  for (let w = 0; w < o.workflows; w++) {
    const n = Math.floor(o.tasks / o.workflows) + (w < o.tasks % o.workflows ? 1 : 0);
    const wf = `wf_${String(w).padStart(3, "0")}`;
    mkdirSync(join(dir, "jobs", wf), { recursive: true });
    const byLevel: string[][] = Array.from({ length: o.depth }, () => []);
    const lines = ['import { task, workflow } from "@wedata-kit/dsl";', ""];
    const vars: string[] = [];
    for (let i = 0; i < n; i++) {
      // The first `depth` tasks make one chain through every level; the rest land on random levels.
      const level = i < o.depth ? i : Math.floor(random() * o.depth);
      const v = `t_${i}`;
      const deps = new Set<string>();
      if (level > 0) {
        const prev = byLevel[level - 1]!;
        deps.add(prev[Math.floor(random() * prev.length)]!);
        const extra = Math.floor(random() * 3);
        for (let k = 0; k < extra; k++) {
          const l = Math.floor(random() * level);
          deps.add(byLevel[l]![Math.floor(random() * byLevel[l]!.length)]!);
        }
      }
      const kind = i % 3 === 0 ? "python" : "shell";
      const file = `jobs/${wf}/${v}.${kind === "python" ? "py" : "sh"}`;
      writeFileSync(
        join(dir, file),
        kind === "python"
          ? `# ${wf}/${v}\nimport sys\nprint("rows", ${i})\n`
          : `#!/bin/sh\n# ${wf}/${v}\nset -eu\necho "step ${i} of ${wf} for \${bizdate}"\n`,
      );
      lines.push(
        `const ${v} = task("${v}").${kind}("${file}")${i % 4 === 0 ? ".retry(2)" : ""}` +
          `${deps.size ? `.after(${[...deps].join(", ")})` : ""};`,
      );
      byLevel[level]!.push(v);
      vars.push(v);
      made++;
    }
    lines.push(
      "",
      `export const ${wf} = workflow("${wf}", { folder: "/bench", params: { bizdate: "\${yyyyMMdd}" } ` +
        `}).tasks(${vars.join(", ")});`,
      "",
    );
    writeFileSync(join(dir, `${wf}.ts`), lines.join("\n"));
    files.push(`${wf}.ts`);
  }
  writeFileSync(
    join(dir, "wedata.config.ts"),
    `import { defineConfig } from "@wedata-kit/dsl";\nexport default defineConfig({ name: "bench", pipelines: ` +
      `${JSON.stringify(files)}, targets: { bench: { projectId: "${BENCH_PROJECT_ID}", region: "ap-guangzhou" } } ` +
      `});\n`,
  );
  return { tasks: made, depth: o.depth };
}
