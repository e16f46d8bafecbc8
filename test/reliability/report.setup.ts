/** Clears the reliability figures before a run and prints them, briefly, after it. */
import { rmSync } from "node:fs";
import { FULL, readReport, REPORT_DIR } from "./support.js";

export default function setup() {
  rmSync(REPORT_DIR, { recursive: true, force: true });
  return () => {
    const sections = readReport();
    if (sections.length === 0) return;
    const lines = [`reliability report (${FULL ? "full size" : "bounded size; RELIABILITY=full for the full suite"})`];
    for (const [name, figures] of sections)
      lines.push(
        `  ${name}: ${Object.entries(figures)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")}`,
      );
    process.stdout.write(`\n${lines.join("\n")}\n\n`);
    rmSync(REPORT_DIR, { recursive: true, force: true });
  };
}
