#!/bin/bash
set -euo pipefail
echo "extracting data for ${data_date}"
