"""Drop test orders and duplicates; fail when the row count drifts from the extract."""
import sys

# WeData replaces ${expected_rows} (the input parameter) before the script runs.
expected = int("${expected_rows}" or "0")
print(f"cleaning orders, expecting about {expected} rows")
if expected == 0:
    sys.exit("no rows extracted")
