import { task, workflow } from "@wedata-kit/dsl";
import { DLC, OWNER, RESOURCE_GROUP } from "./shared.js";

const syncCustomers = task("sync_customers")
  .offlineSync({
    job: {
      reader: { plugin: "mysql", table: "customers", columns: ["id", "name", "tier", "updated_at"] },
      writer: { plugin: "dlc", database: "ods", table: "customers" },
    },
  })
  .sourceServices("62175")
  .targetServices("62176")
  .owner(OWNER)
  .resourceGroup(RESOURCE_GROUP)
  .folder("/ods")
  .retry(2, { waitMinutes: 10 });

const dimCustomer = task("build_dim_customer")
  .dlcSql("sql/dim_customer.sql", DLC)
  .owner(OWNER)
  .description("SCD2 customer dimension")
  .resourceGroup(RESOURCE_GROUP)
  .after(syncCustomers);

const dimProduct = task("build_dim_product")
  .dlcSql("sql/dim_product.sql", { ...DLC, engineKind: "supersql-presto" })
  .owner(OWNER)
  .resourceGroup(RESOURCE_GROUP);

const checkDims = task("check_dims")
  .python("jobs/check_dims.py", { version: "python3.11" })
  .owner(OWNER)
  .resourceGroup(RESOURCE_GROUP)
  .after(dimCustomer, dimProduct)
  .triggerWhen("ALL_DONE");

/** Refreshes the dimension tables; run by daily_orders, never scheduled on its own. */
export const dimensions = workflow("dim_refresh", {
  folder: "/etl/dims",
  owner: OWNER,
  description: "Customer and product dimensions",
  status: "PAUSED",
}).tasks(syncCustomers, dimCustomer, dimProduct, checkDims);
