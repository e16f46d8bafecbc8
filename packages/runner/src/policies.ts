import type { TriggerPolicy } from "@wedata-kit/dsl";

/** How a finished task ended, as its downstream tasks see it. */
export type Outcome = "success" | "failed" | "upstream_failed" | "skipped";

/** What a task does given its upstream outcomes so far (`undefined` = not finished yet). */
export type Decision = "run" | "skip" | "upstream_failed" | "wait";

const failed = (o: Outcome) => o === "failed" || o === "upstream_failed";

/**
 * `DependencyTriggerPolicy`, as WeData documents each of the twelve values: whether a task runs, is
 * skipped, or fails as "upstream failed", from the outcomes of its upstream tasks. Policies that act
 * "as soon as" one upstream does (ONE_FAILED, ONE_SUCCESS, ONE_DONE) decide before all are done.
 */
export function decide(policy: TriggerPolicy, upstream: ReadonlyArray<Outcome | undefined>): Decision {
  if (upstream.length === 0) return "run";
  const done = upstream.filter((o): o is Outcome => o !== undefined);
  const all = done.length === upstream.length;
  const n = (p: (o: Outcome) => boolean) => done.filter(p).length;
  const successes = n((o) => o === "success");
  const failures = n(failed);
  const skips = n((o) => o === "skipped");
  switch (policy) {
    case "ONE_FAILED":
      return failures > 0 ? "run" : all ? "skip" : "wait";
    case "ONE_SUCCESS":
      return successes > 0 ? "run" : all ? "skip" : "wait";
    case "ONE_DONE":
      return done.length > 0 ? "run" : "wait";
    default:
      break;
  }
  if (!all) return "wait";
  switch (policy) {
    case "ALL_SUCCESS":
      return successes === upstream.length ? "run" : skips > 0 && failures === 0 ? "skip" : "upstream_failed";
    case "ALL_FAILED":
      return failures === upstream.length ? "run" : "skip";
    case "ALL_DONE":
      return "run";
    case "ALL_DONE_AT_LEAST_ONE_SUCCESS":
      return successes > 0 ? "run" : "skip";
    case "ALL_SKIPPED":
      return skips === upstream.length ? "run" : "skip";
    case "NONE_FAILED":
      return failures === 0 ? "run" : "upstream_failed";
    case "ALL_DONE_NONE_FAILED_AT_LEAST_ONE_SUCCESS":
      return failures === 0 && successes > 0 ? "run" : "skip";
    case "NONE_SKIPPED":
      return skips === 0 ? "run" : "skip";
    case "ALL_DONE_AT_LEAST_ONE_FAILED":
      return failures > 0 ? "run" : "skip";
  }
}
