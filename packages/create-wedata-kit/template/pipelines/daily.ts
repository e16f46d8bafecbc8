import { byTarget, task, workflow } from "@wedata-kit/dsl";

// Two tasks: `load` runs after `extract` succeeded, each a shell script kept in jobs/.
const extract = task("extract")
  .shell("jobs/extract.sh")
  .description("pull yesterday's data")
  .schedulingParams({ data_date: "${yyyyMMdd-1d}" })
  .retry(2, { waitMinutes: 5 });

const load = task("load")
  .shell("jobs/load.sh")
  .description("load it into the warehouse")
  .schedulingParams({ target_db: byTarget({ dev: "dw_dev", prod: "dw" }) })
  .after(extract);

/** Runs every day at 02:00 (Quartz cron: seconds first). */
export const daily = workflow("daily", {
  folder: "/{{name}}",
  description: "daily extract and load",
  schedule: { cron: "0 0 2 * * ? *", start: "2026-01-01 00:00:00" },
}).tasks(extract, load);
