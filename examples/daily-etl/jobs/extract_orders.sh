#!/bin/bash
set -euo pipefail
# Export yesterday's orders from the OLTP replica to COS. WeData replaces ${bizdate} before the script
# runs; the first line printed is the row count, read by the output parameter row_count ($[0]).
bizdate="${bizdate}"
rows=$(mysql --defaults-group-suffix=replica -N -e "select count(*) from orders where dt='${bizdate}'")
mysqldump --defaults-group-suffix=replica --where="dt='${bizdate}'" shop orders | gzip > "/data/orders_${bizdate}.sql.gz"
coscli cp "/data/orders_${bizdate}.sql.gz" "cos://acme-raw/orders/dt=${bizdate}/" >&2
echo "${rows}"
