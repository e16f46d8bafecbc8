/**
 * WeData's own CreateTriggerTask example ("a workflow task with no upstream"), as code: a Shell task
 * placed in an existing workflow by id.
 */
import { existingWorkflow, task } from "@wedata-kit/dsl";

const gallop = task("gallop_workflow_task_test_2_1222")
  .shell("jobs/gallop_task.sh")
  .owner("100028579801")
  .description("")
  .resourceGroup("20240222212719833743")
  .kerberos(false)
  .ext("extraInfo", JSON.stringify({ fromMapping: false }))
  .dataCluster("")
  .brokerIp("any")
  .schedulingParams({})
  .priority("low")
  .retry(4, { waitMinutes: 5 })
  .timeout(-1)
  .waitTimeout(-1)
  .redo("ALL")
  .output("asadad", "1");

export const legacy = existingWorkflow("d3e40dcc-bf42-4fb9-b081-b00408d478ec", "gallop").tasks(gallop);
