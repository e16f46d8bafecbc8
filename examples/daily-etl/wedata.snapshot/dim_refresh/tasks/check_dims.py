"""Fail when a dimension table is empty."""
for table in ("dw.dim_customer", "dw.dim_product"):
    print(f"checking {table}")
