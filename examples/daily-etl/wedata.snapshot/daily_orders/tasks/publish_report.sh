#!/bin/bash
set -euo pipefail
python3 /opt/reports/daily_orders.py --date "${bizdate}" --out "cos://acme-reports/daily/${bizdate}.html"
