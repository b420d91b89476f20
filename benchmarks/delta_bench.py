"""TPC-H over Delta Lake tables with deletion vectors: vanilla Spark and Spark + Thermite, each in a
fresh JVM, reading the same Delta tables (written once by Delta itself from the TPC-H Parquet data
and cached; then DELETEs that leave deletion vectors on lineitem and orders, as a table in use
has). Reports per query the median times, Thermite's speed-up and the operators it left in
Spark. Answers must equal vanilla Spark's.

Usage: delta_bench.py --scale 1 --iterations 3 [--results DIR]"""

import argparse
import os
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
sys.path.insert(0, os.path.join(REPO, "tests", "tpch"))
sys.path.insert(0, os.path.join(REPO, "tests", "pyspark"))

import tpch  # noqa: E402
from common import fetched_jars, plugin_jar  # noqa: E402
from tpch_bench import (COMMON_CONF, answer_differences, failed, median, report_tail,  # noqa: E402
                        run_configuration, write_markdown)

# Rows deleted after the tables are written: about 1/7 of lineitem, 1/11 of orders.
DELETES = {"lineitem": "l_orderkey % 7 = 3", "orders": "o_orderkey % 11 = 5"}


def delta_conf():
    return {
        "spark.jars": ",".join(fetched_jars("delta-jars", ["delta-spark", "delta-storage"])),
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    }


def ensure_delta_tables(scale):
    """The TPC-H tables as Delta tables with deletion vectors, written by vanilla Spark once."""
    data = tpch.ensure_data(scale)
    target = os.path.join(os.environ.get("THERMITE_CACHE", os.path.expanduser("~/.cache/thermite")),
                          "tpch-delta", f"sf{scale}-dv")
    stamp = os.path.join(target, ".complete")
    if os.path.exists(stamp):
        return target
    from pyspark.sql import SparkSession
    builder = SparkSession.builder.appName("tpch-delta-tables")
    for key, value in {**COMMON_CONF, **delta_conf()}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    start = time.time()
    for table in tpch.TABLES:
        path = os.path.join(target, table)
        (spark.read.parquet(os.path.join(data, table)).write.format("delta").mode("overwrite")
         .option("delta.enableDeletionVectors", "true").save(path))
        if table in DELETES:
            spark.sql(f"DELETE FROM delta.`{path}` WHERE {DELETES[table]}")
    spark.stop()
    open(stamp, "w").close()
    print(f"wrote TPC-H SF{scale} as Delta tables in {time.time() - start:.0f} s: {target}", flush=True)
    return target


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="1")
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--results", default=os.path.join(BENCH, "results"))
    args = parser.parse_args()

    tables = ensure_delta_tables(args.scale)
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        for engine, extra, prefix in [("vanilla", {}, "-"), ("thermite", {"spark.plugins": "dev.thermite.ThermitePlugin"},
                                                              "Thermite")]:
            conf = {**COMMON_CONF, **delta_conf(), **extra}
            if engine == "thermite":
                conf["spark.jars"] = ",".join([plugin_jar(), conf["spark.jars"]])
            results[engine] = run_configuration(engine, conf, prefix, tables, args.iterations, workdir, "delta")
    differences = answer_differences(results)
    write_report(args, results, differences)
    return 1 if failed(results, differences) else 0


def write_report(args, results, differences):
    os.makedirs(args.results, exist_ok=True)
    totals = {n: sum(median(results[n][q]) for q in tpch.query_names()) for n in results}
    lines = [f"# TPC-H SF{args.scale} over Delta tables with deletion vectors", "",
             f"Tables written by delta-spark from the TPC-H Parquet data, then `DELETE`s that leave deletion "
             f"vectors: {', '.join(f'{t} where {c}' for t, c in DELETES.items())}. Median of {args.iterations} "
             "timed iteration(s) after a warm-up, seconds, each engine in a fresh JVM.", "",
             "| query | Spark | Thermite | speed-up |", "| --- | ---: | ---: | ---: |"]
    for q in tpch.query_names():
        spark, thermite = median(results["vanilla"][q]), median(results["thermite"][q])
        lines.append(f"| {q} | {spark:.2f} | {thermite:.2f} | {spark / thermite:.2f}x |")
    lines.append(f"| **total** | **{totals['vanilla']:.1f}** | **{totals['thermite']:.1f}** | "
                 f"**{totals['vanilla'] / totals['thermite']:.2f}x** |")
    lines = report_tail(lines + [""], results["thermite"], differences, "")
    write_markdown(os.path.join(args.results, f"delta-sf{args.scale}.md"), lines)

if __name__ == "__main__":
    sys.exit(main())
