INSERT OVERWRITE TABLE dw.dim_product
SELECT id AS product_id, name, category, price
FROM ods.products;
