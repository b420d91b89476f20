"""TPC-H over table formats with deletes: vanilla Spark and Spark + Thermite, each in a fresh JVM,
reading the same tables, written once by the format itself from the TPC-H Parquet data and
cached, then DELETEs on lineitem and orders, as a table in use has: Delta Lake tables with
deletion vectors, or Apache Iceberg tables (format 2) with merge-on-read position deletes.
Reports per query the median times, Thermite's speed-up and the operators it left in Spark.
Answers must equal vanilla Spark's.

Usage: table_format_bench.py --format delta|iceberg --scale 1 --iterations 3 [--results DIR]"""

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


class Delta:
    title = "Delta tables with deletion vectors"
    cache = "tpch-delta"
    deletes = "deletion vectors"

    @staticmethod
    def conf():
        return {
            "spark.jars": ",".join(fetched_jars("delta-jars", ["delta-spark", "delta-storage"])),
            "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
            "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        }

    @staticmethod
    def write(spark, df, table, path):
        df.write.format("delta").option("delta.enableDeletionVectors", "true").save(path)
        if table in DELETES:
            spark.sql(f"DELETE FROM delta.`{path}` WHERE {DELETES[table]}")


class Iceberg:
    title = "Iceberg tables with merge-on-read deletes"
    cache = "tpch-iceberg"
    deletes = "position delete files"

    @staticmethod
    def conf():
        return {
            "spark.jars": ",".join(fetched_jars("iceberg-jars", ["iceberg-spark-runtime"])),
            "spark.sql.extensions": "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
        }

    @staticmethod
    def write(spark, df, table, path):
        # A path-based (Hadoop) table, read back by its path.
        df.createOrReplaceTempView("source")
        spark.conf.set("spark.sql.catalog.bench", "org.apache.iceberg.spark.SparkCatalog")
        spark.conf.set("spark.sql.catalog.bench.type", "hadoop")
        spark.conf.set("spark.sql.catalog.bench.warehouse", os.path.dirname(os.path.dirname(path)))
        name = f"bench.`{os.path.basename(os.path.dirname(path))}`.{table}"
        spark.sql(f"CREATE TABLE {name} USING iceberg TBLPROPERTIES ('format-version'='2', "
                  "'write.delete.mode'='merge-on-read') AS SELECT * FROM source")
        if table in DELETES:
            spark.sql(f"DELETE FROM {name} WHERE {DELETES[table]}")


FORMATS = {"delta": Delta, "iceberg": Iceberg}


def ensure_tables(table_format, scale):
    """The TPC-H tables in `table_format`, with deletes, written by vanilla Spark once."""
    fmt = FORMATS[table_format]
    data = tpch.ensure_data(scale)
    target = os.path.join(os.environ.get("THERMITE_CACHE", os.path.expanduser("~/.cache/thermite")),
                          fmt.cache, f"sf{scale}-deletes" if table_format != "delta" else f"sf{scale}-dv")
    stamp = os.path.join(target, ".complete")
    if os.path.exists(stamp):
        return target
    from pyspark.sql import SparkSession
    builder = SparkSession.builder.appName(f"tpch-{table_format}-tables")
    for key, value in {**COMMON_CONF, **fmt.conf()}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    start = time.time()
    for table in tpch.TABLES:
        fmt.write(spark, spark.read.parquet(os.path.join(data, table)), table, os.path.join(target, table))
    spark.stop()
    open(stamp, "w").close()
    print(f"wrote TPC-H SF{scale} as {table_format} tables in {time.time() - start:.0f} s: {target}", flush=True)
    return target


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--format", choices=sorted(FORMATS), required=True)
    parser.add_argument("--scale", default="1")
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--results", default=os.path.join(BENCH, "results"))
    args = parser.parse_args()

    fmt = FORMATS[args.format]
    tables = ensure_tables(args.format, args.scale)
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        for engine, extra, prefix in [("vanilla", {}, "-"), ("thermite", {"spark.plugins": "dev.thermite.ThermitePlugin"},
                                                              "Thermite")]:
            conf = {**COMMON_CONF, **fmt.conf(), **extra}
            if engine == "thermite":
                conf["spark.jars"] = ",".join([plugin_jar(), conf["spark.jars"]])
            results[engine] = run_configuration(engine, conf, prefix, tables, args.iterations, workdir, args.format)
    differences = answer_differences(results)
    write_report(args, results, differences)
    return 1 if failed(results, differences) else 0


def write_report(args, results, differences):
    os.makedirs(args.results, exist_ok=True)
    totals = {n: sum(median(results[n][q]) for q in tpch.query_names()) for n in results}
    fmt = FORMATS[args.format]
    lines = [f"# TPC-H SF{args.scale} over {fmt.title}", "",
             f"Tables written by {args.format} from the TPC-H Parquet data, then `DELETE`s that leave {fmt.deletes}: "
             f"{', '.join(f'{t} where {c}' for t, c in DELETES.items())}. Median of {args.iterations} "
             "timed iteration(s) after a warm-up, seconds, each engine in a fresh JVM.", "",
             "| query | Spark | Thermite | speed-up |", "| --- | ---: | ---: | ---: |"]
    for q in tpch.query_names():
        spark, thermite = median(results["vanilla"][q]), median(results["thermite"][q])
        lines.append(f"| {q} | {spark:.2f} | {thermite:.2f} | {spark / thermite:.2f}x |")
    lines.append(f"| **total** | **{totals['vanilla']:.1f}** | **{totals['thermite']:.1f}** | "
                 f"**{totals['vanilla'] / totals['thermite']:.2f}x** |")
    lines = report_tail(lines + [""], results["thermite"], differences, "")
    write_markdown(os.path.join(args.results, f"{args.format}-sf{args.scale}.md"), lines)

if __name__ == "__main__":
    sys.exit(main())
