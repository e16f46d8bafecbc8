from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("score_customers").getOrCreate()
orders = spark.table("dw.fact_orders")
scores = orders.groupBy("customer_id").agg(F.sum("amount").alias("ltv"), F.count("*").alias("orders"))
scores.write.mode("overwrite").saveAsTable("dw.customer_scores")
