"""Drop test orders and duplicates; fail when the row count drifts from the extract."""
import os
import sys

expected = int(os.environ.get("expected_rows", "0"))
print(f"cleaning orders, expecting about {expected} rows")
if expected == 0:
    sys.exit("no rows extracted")
