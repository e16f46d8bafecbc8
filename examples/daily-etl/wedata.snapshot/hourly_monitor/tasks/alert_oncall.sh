#!/bin/bash
curl -fsS -X POST "https://alerts.example.com/hooks/oncall" -d '{"text":"fact_orders is stale"}'
