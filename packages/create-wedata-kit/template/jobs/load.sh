#!/bin/bash
set -euo pipefail
echo "loading into ${target_db}"
