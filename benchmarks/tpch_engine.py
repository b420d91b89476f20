"""Runs the 22 TPC-H queries in one configuration, in this process's own JVM: a warm-up pass,
then timed iterations. Writes each query's times, the operators its last run left in Spark and
its answer (the last run's rows) to a pickle for tpch_bench.py, which starts one such process
per configuration. NATIVE_PREFIX names the configuration's native operators (`-`: none to check).

Usage: tpch_engine.py NAME CONF_JSON DATA_DIR ITERATIONS OUT_PICKLE NATIVE_PREFIX [TABLE_FORMAT]"""

import json
import os
import pickle
import sys
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "tpch"))

import tpch  # noqa: E402

name, conf_path, data_dir, iterations, out_path, native_prefix = sys.argv[1:7]
table_format = sys.argv[7] if len(sys.argv) > 7 else "parquet"
iterations = int(iterations)
with open(conf_path) as f:
    conf = json.load(f)

from pyspark.sql import SparkSession  # noqa: E402

builder = SparkSession.builder.appName(f"tpch-{name}")
for key, value in conf.items():
    builder = builder.config(key, value)
spark = builder.getOrCreate()
spark.sparkContext.setLogLevel("ERROR")
tpch.register_tables(spark, data_dir, table_format)

results = {q: {"times": [], "answer": None, "columns": None, "error": None, "in_spark": None, "io": None}
           for q in tpch.query_names()}
scheme = data_dir.split("://")[0] if "://" in data_dir else "file"


def io_counts():
    """(read operations, bytes read) of the data's Hadoop file system in this JVM so far (local
    mode: the executors' reads too). Thermite's reads of a non-local file system go through it."""
    ops, read = 0, 0
    for stats in spark._jvm.org.apache.hadoop.fs.FileSystem.getAllStatistics():
        if stats.getScheme() == scheme:
            ops += stats.getReadOps()
            read += stats.getBytesRead()
    return ops, read



def run(query, label):
    result = results[query]
    if result["error"]:
        return
    try:
        before = io_counts()
        start = time.perf_counter()
        df = spark.sql(tpch.query_text(query))
        rows = tpch.collect(df)
        elapsed = time.perf_counter() - start
        after = io_counts()
    except Exception as e:  # a configuration that fails a query is reported, not fatal
        result["error"] = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"[{name}] {label} {query}: ERROR {result['error']}", flush=True)
        traceback.print_exc(limit=1)
        return
    print(f"[{name}] {label} {query}: {elapsed:.2f} s", flush=True)
    if label != "warm-up":
        result["times"].append(elapsed)
        result["io"] = (after[0] - before[0], after[1] - before[1])
    result["answer"] = rows
    result["columns"] = df.schema.simpleString()
    if native_prefix != "-":
        result["in_spark"] = sorted(set(tpch.spark_operators(tpch.executed_plan(df), native_prefix)))


for query in tpch.query_names():
    run(query, "warm-up")
for iteration in range(1, iterations + 1):
    for query in tpch.query_names():
        run(query, f"iteration {iteration}/{iterations}")

spark.stop()
with open(out_path, "wb") as f:
    pickle.dump(results, f)
