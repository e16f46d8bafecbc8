INSERT OVERWRITE TABLE dw.fact_orders PARTITION (ds = '${bizdate}')
SELECT o.id, o.customer_id, o.product_id, o.amount, o.created_at
FROM ods.orders o
JOIN dw.dim_customer c ON c.customer_id = o.customer_id AND c.is_current
WHERE o.dt = '${bizdate}';
