"""Shuffle bytes written per row: TPC-H lineitem hash-partitioned by l_orderkey (every column
shuffled), with Spark's shuffle and with Thermite's native one, in one Spark session.

Usage: python benchmarks/shuffle_bytes.py [SCALE] (default 0.1; data generated like the TPC-H suite).
Prints rows, bytes and bytes per row for each codec and for Spark, and the ratios."""

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "pyspark"))
sys.path.insert(0, os.path.join(REPO, "tests", "tpch"))

import tpch  # noqa: E402
from common import session  # noqa: E402


def shuffle_written(spark, run):
    """Records and bytes the stages run by `run` wrote to shuffle files."""
    store = spark._jsc.sc().statusStore()
    jvm, gateway = spark._jvm, spark.sparkContext._gateway

    def stages():
        empty = jvm.java.util.ArrayList()
        listed = store.stageList(empty, False, False, gateway.new_array(jvm.double, 0), jvm.java.util.ArrayList())
        return [listed.apply(i) for i in range(listed.size())]

    before = {s.stageId() for s in stages()}
    run()
    records = written = 0
    for s in stages():
        if s.stageId() not in before:
            records += s.shuffleWriteRecords()
            written += s.shuffleWriteBytes()
    return records, written


def main():
    scale = sys.argv[1] if len(sys.argv) > 1 else "0.1"
    lineitem = os.path.join(tpch.ensure_data(scale), "lineitem")
    spark = session(app="thermite-shuffle-bytes", conf={"spark.sql.adaptive.enabled": "false"})
    rows = spark.read.parquet(lineitem).count()

    def shuffle():
        spark.read.parquet(lineitem).repartition(16, "l_orderkey").write.format("noop").mode("overwrite").save()

    results = []
    spark.conf.set("spark.thermite.shuffle.enabled", "false")
    _, spark_bytes = shuffle_written(spark, shuffle)
    results.append(("Spark (UnsafeRow, lz4 stream)", spark_bytes))
    spark.conf.set("spark.thermite.shuffle.enabled", "true")
    for codec in ("lz4", "zstd", "none"):
        spark.conf.set("spark.thermite.shuffle.codec", codec)
        _, native_bytes = shuffle_written(spark, shuffle)
        results.append((f"Thermite (Arrow IPC, {codec})", native_bytes))

    print(f"lineitem SF{scale}: {rows} rows, 16 partitions by l_orderkey, all 16 columns")
    print("| shuffle | bytes written | bytes/row | vs Spark |")
    print("| --- | ---: | ---: | ---: |")
    for name, written in results:
        print(f"| {name} | {written} | {written / rows:.1f} | {written / spark_bytes:.2f} |")


if __name__ == "__main__":
    main()
