import { describe, expect, it } from "vitest";
import { compileProject } from "@wedata-kit/compiler";
import { task, workflow } from "@wedata-kit/dsl";
import { applyFindings, parseFindingsFile, runWorkflowWarning, type Findings } from "./findings.js";

const target = { name: "prod", projectId: "1", region: "ap-guangzhou", projectIdentifier: "p" };
const compiled = (withRun: boolean) => {
  const nested = workflow("nested", { folder: "/f" }).tasks(task("a").shell({ inline: "echo a" }));
  const outer = workflow("outer", { folder: "/f" }).tasks(
    withRun ? task("run").runWorkflow(nested) : task("b").shell({ inline: "echo b" }),
  );
  return compileProject({
    root: "/p",
    modules: [{ file: "/p/x.ts", exports: { nested, outer } }],
    target,
    readFile: () => Buffer.alloc(0),
  });
};
const found = (runWorkflow: Findings["runWorkflow"]): Findings => ({
  projectId: "1",
  checkedAt: "2026-11-29T00:00:00Z",
  ...(runWorkflow && { runWorkflow }),
});

describe("doctor's findings as the deployer uses them", () => {
  it("warns about Run Workflow tasks until doctor confirmed their keys on the target", () => {
    expect(runWorkflowWarning(compiled(true), undefined, "prod")).toMatch(
      /not confirmed on target prod \(outer\/run\): run `wedata doctor --target prod` once/,
    );
    expect(
      runWorkflowWarning(
        compiled(true),
        found({ id: "subWorkflowId", name: "subWorkflowName", confirmed: false, from: "round-trip" }),
        "prod",
      ),
    ).toBeDefined();
    expect(
      runWorkflowWarning(
        compiled(true),
        found({ id: "subWorkflowId", name: "subWorkflowName", confirmed: true, from: "round-trip" }),
        "prod",
      ),
    ).toBeUndefined();
    expect(
      runWorkflowWarning(
        compiled(true),
        found({ id: "workflowId", name: "workflowName", confirmed: false, from: "sample-task" }),
        "prod",
      ),
    ).toBeUndefined();
    expect(runWorkflowWarning(compiled(false), undefined, "prod")).toBeUndefined();
  });

  it("writes Run Workflow tasks with the keys read from a console task, and leaves everything else as compiled", () => {
    const c = compiled(true);
    const out = applyFindings(
      c,
      found({ id: "workflowId", name: "workflowName", confirmed: false, from: "sample-task" }),
    );
    const keys = (p: typeof c) =>
      p.tasks
        .find((t) => t.name === "run")!
        .payload.TriggerTaskConfiguration.TaskExtConfigurationList!.map((e) => [e.ParamKey, e.ParamValue]);
    expect(keys(c)).toEqual([
      ["subWorkflowId", "$ref:workflow/nested"],
      ["subWorkflowName", "nested"],
    ]);
    expect(keys(out)).toEqual([
      ["workflowId", "$ref:workflow/nested"],
      ["workflowName", "nested"],
    ]);
    expect(out.tasks.find((t) => t.name === "a")).toBe(c.tasks.find((t) => t.name === "a"));
    expect(
      applyFindings(c, found({ id: "subWorkflowId", name: "subWorkflowName", confirmed: true, from: "round-trip" })),
    ).toBe(c);
  });

  it("a findings file that is not one is an error naming it, never ignored", () => {
    expect(() => parseFindingsFile("{", "wedata.doctor.json")).toThrow(/wedata\.doctor\.json is not JSON/);
    expect(() => parseFindingsFile('{"generatedBy":"someone","format":1,"targets":{}}', "wedata.doctor.json")).toThrow(
      /wedata\.doctor\.json: generatedBy/,
    );
  });
});
