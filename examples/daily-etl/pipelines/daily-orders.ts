import { task, workflow } from "@wedata-kit/dsl";
import { dimensions } from "./dimensions.js";
import { DLC, OWNER, RESOURCE_GROUP, START } from "./shared.js";

const extract = task("extract_orders")
  .shell("jobs/extract_orders.sh")
  .owner(OWNER)
  .resourceGroup(RESOURCE_GROUP)
  .brokerIp("any")
  .folder("/ods")
  .schedulingParams({ bizdate: "${yyyyMMdd}" })
  .output("row_count", "$[0]")
  .retry(4, { waitMinutes: 5 })
  .timeout(60);

const clean = task("clean_orders")
  .python("jobs/clean_orders.py", { version: "python3.11" })
  .owner(OWNER)
  .resourceGroup(RESOURCE_GROUP)
  .folder("/ods")
  .after(extract)
  .input("expected_rows", { from: extract, param: "row_count" });

const runDims = task("run_dim_refresh").runWorkflow(dimensions).owner(OWNER).description("Refresh dimensions first");

const loadFact = task("load_fact_orders")
  .dlcSql("sql/fact_orders.sql", { ...DLC, conf: { "spark.sql.shuffle.partitions": "200" } })
  .owner(OWNER)
  .resourceGroup(RESOURCE_GROUP)
  .folder("/dw")
  .priority("high")
  .after(clean, runDims)
  .registerOutput({
    datasourceId: "62176",
    database: "dw",
    table: "fact_orders",
    partition: "ds",
    tablePhysicalId: "dw.fact_orders",
  });

const score = task("score_customers")
  .dlcPySpark("jobs/score_customers.py", {
    engine: "dlc-spark-batch",
    region: "ap-guangzhou",
    roleArn: "1131",
    pythonVersion: "python3.11",
  })
  .owner(OWNER)
  .folder("/dw")
  .after(loadFact)
  .redo("FAILURE");

const publish = task("publish_report")
  .shell("jobs/publish_report.sh")
  .owner(OWNER)
  .resourceGroup(RESOURCE_GROUP)
  .after(loadFact, score)
  .waitTimeout(180);

const notify = task("notify")
  .shell({ inline: '#!/bin/bash\necho "daily_orders finished for ${bizdate}"\n' })
  .owner(OWNER)
  .resourceGroup(RESOURCE_GROUP)
  .after(publish)
  .triggerWhen("ALL_DONE")
  .retry(0);

export const dailyOrders = workflow("daily_orders", {
  folder: "/etl/daily",
  owner: OWNER,
  description: "Orders: extract, clean, load, score, publish",
  params: { bizdate: "${yyyyMMdd}", env: "dev" },
  schedule: { cron: "0 0 2 * * ? *", start: START },
  maxConcurrentRuns: 1,
  queueWhenBusy: true,
  sparkSqlParams: { "spark.sql.adaptive.enabled": "true" },
}).tasks(extract, clean, runDims, loadFact, score, publish, notify);
