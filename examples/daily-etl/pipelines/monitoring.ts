import { task, workflow } from "@wedata-kit/dsl";
import { OWNER, RESOURCE_GROUP, START } from "./shared.js";

const freshness = task("check_freshness")
  .python("jobs/check_freshness.py", { version: "python3" })
  .owner(OWNER)
  .resourceGroup(RESOURCE_GROUP)
  .timeout(10)
  .retry(1, { waitMinutes: 1 });

const alert = task("alert_oncall")
  .shell("jobs/alert.sh")
  .owner(OWNER)
  .resourceGroup(RESOURCE_GROUP)
  .after(freshness)
  .triggerWhen("ALL_FAILED")
  .priority("high");

export const monitoring = workflow("hourly_monitor", {
  folder: "/ops",
  owner: OWNER,
  description: "Hourly freshness check of the warehouse",
  schedule: { cron: "0 5 * * * ? *", cycle: "HOUR_CYCLE", start: START },
}).tasks(freshness, alert);
