import { TRIGGER_POLICIES } from "@wedata-kit/dsl";
import { describe, expect, it } from "vitest";
import { decide, type Outcome } from "./policies.js";

const S: Outcome = "success";
const F: Outcome = "failed";
const U: Outcome = "upstream_failed";
const K: Outcome = "skipped";

describe("dependency trigger policies (all twelve)", () => {
  it.each([
    ["ALL_SUCCESS", [S, S], "run"],
    ["ALL_SUCCESS", [S, K], "skip"],
    ["ALL_SUCCESS", [S, F], "upstream_failed"],
    ["ALL_SUCCESS", [U, K], "upstream_failed"],
    ["ALL_SUCCESS", [S, undefined], "wait"],
    ["ALL_FAILED", [F, U], "run"],
    ["ALL_FAILED", [F, S], "skip"],
    ["ALL_DONE", [F, K], "run"],
    ["ALL_DONE", [F, undefined], "wait"],
    ["ALL_DONE_AT_LEAST_ONE_SUCCESS", [F, S], "run"],
    ["ALL_DONE_AT_LEAST_ONE_SUCCESS", [F, K], "skip"],
    ["ALL_SKIPPED", [K, K], "run"],
    ["ALL_SKIPPED", [K, S], "skip"],
    ["ONE_FAILED", [F, undefined], "run"],
    ["ONE_FAILED", [S, undefined], "wait"],
    ["ONE_FAILED", [S, K], "skip"],
    ["ONE_SUCCESS", [S, undefined], "run"],
    ["ONE_SUCCESS", [F, undefined], "wait"],
    ["ONE_SUCCESS", [F, K], "skip"],
    ["ONE_DONE", [K, undefined], "run"],
    ["ONE_DONE", [undefined, undefined], "wait"],
    ["NONE_FAILED", [S, K], "run"],
    ["NONE_FAILED", [S, U], "upstream_failed"],
    ["ALL_DONE_NONE_FAILED_AT_LEAST_ONE_SUCCESS", [S, K], "run"],
    ["ALL_DONE_NONE_FAILED_AT_LEAST_ONE_SUCCESS", [K, K], "skip"],
    ["ALL_DONE_NONE_FAILED_AT_LEAST_ONE_SUCCESS", [S, F], "skip"],
    ["NONE_SKIPPED", [S, F], "run"],
    ["NONE_SKIPPED", [S, K], "skip"],
    ["ALL_DONE_AT_LEAST_ONE_FAILED", [S, F], "run"],
    ["ALL_DONE_AT_LEAST_ONE_FAILED", [S, K], "skip"],
  ] as const)("%s with %j -> %s", (policy, ups, decision) => expect(decide(policy, ups)).toBe(decision));

  it("covers every policy the DSL accepts, and a task without upstreams always runs", () => {
    for (const p of TRIGGER_POLICIES) expect(decide(p, [])).toBe("run");
  });
});
