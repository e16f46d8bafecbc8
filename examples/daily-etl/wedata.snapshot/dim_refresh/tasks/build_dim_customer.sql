-- Customer dimension, type 2: close changed rows, insert new versions.
MERGE INTO dw.dim_customer t
USING ods.customers s
ON t.customer_id = s.id AND t.is_current
WHEN MATCHED AND t.tier <> s.tier THEN UPDATE SET is_current = false, valid_to = current_date()
WHEN NOT MATCHED THEN INSERT (customer_id, name, tier, valid_from, is_current)
  VALUES (s.id, s.name, s.tier, current_date(), true);
