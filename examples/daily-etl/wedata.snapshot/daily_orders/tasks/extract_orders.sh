#!/bin/bash
set -euo pipefail
# Export yesterday's orders from the OLTP replica to COS.
bizdate="${bizdate:?bizdate is required}"
rows=$(mysql --defaults-group-suffix=replica -N -e "select count(*) from orders where dt='${bizdate}'")
mysqldump --defaults-group-suffix=replica --where="dt='${bizdate}'" shop orders | gzip > "/data/orders_${bizdate}.sql.gz"
coscli cp "/data/orders_${bizdate}.sql.gz" "cos://acme-raw/orders/dt=${bizdate}/"
echo "rows=${rows}"
