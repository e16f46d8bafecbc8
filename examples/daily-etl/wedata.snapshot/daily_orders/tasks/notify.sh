#!/bin/bash
echo "daily_orders finished for ${bizdate}"
