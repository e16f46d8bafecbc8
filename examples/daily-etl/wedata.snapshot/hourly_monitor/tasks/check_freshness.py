"""Exit non-zero when fact_orders is more than 26 hours old."""
import sys
import time

LIMIT_HOURS = 26
last_load = time.time() - 3600  # replaced by a warehouse query in production
sys.exit(1 if (time.time() - last_load) / 3600 > LIMIT_HOURS else 0)
