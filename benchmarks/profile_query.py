"""Where a TPC-H query's time goes under Thermite: task time split into native operator time (by
Thermite node), native shuffle encode/decode, Spark's shuffle I/O, and the rest (JVM side: Spark
scheduling, Arrow/JNI hand-over, row conversions, GC), from Spark's own metrics.

Usage: python benchmarks/profile_query.py SCALE QUERY [QUERY ...]   e.g. 1 q09 q18 q21
Runs each query once to warm up, then once measured, in the benchmark's settings."""

import os
import sys
import time
from collections import defaultdict

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
sys.path.insert(0, os.path.join(REPO, "tests", "tpch"))
sys.path.insert(0, os.path.join(REPO, "tests", "pyspark"))

import tpch  # noqa: E402
from common import session  # noqa: E402
from tpch_bench import COMMON_CONF  # noqa: E402

NS = 1e9


def stage_totals(spark, before):
    """Summed task metrics (seconds) of the stages not in `before`."""
    jvm, gateway = spark._jvm, spark.sparkContext._gateway
    listed = spark._jsc.sc().statusStore().stageList(
        jvm.java.util.ArrayList(), False, False, gateway.new_array(jvm.double, 0), jvm.java.util.ArrayList())
    totals = defaultdict(float)
    for i in range(listed.size()):
        s = listed.apply(i)
        if s.stageId() in before:
            continue
        totals["task run"] += s.executorRunTime() / 1e3
        totals["GC"] += s.jvmGcTime() / 1e3
        totals["shuffle fetch wait"] += s.shuffleFetchWaitTime() / 1e3
        totals["shuffle write (Spark)"] += s.shuffleWriteTime() / NS
    return totals


def stage_ids(spark):
    jvm, gateway = spark._jvm, spark.sparkContext._gateway
    listed = spark._jsc.sc().statusStore().stageList(
        jvm.java.util.ArrayList(), False, False, gateway.new_array(jvm.double, 0), jvm.java.util.ArrayList())
    return {listed.apply(i).stageId() for i in range(listed.size())}


def native_times(spark, df):
    """Native seconds per Thermite node name, from the executed plan's SQL metrics."""
    nodes = spark._jvm.dev.thermite.Fallback.allNodes(df._jdf.queryExecution().executedPlan())
    times = defaultdict(float)
    for i in range(nodes.size()):
        node = nodes.apply(i)
        name = node.nodeName()
        if not name.startswith("Thermite"):
            continue
        metrics = node.metrics()
        for key, label in (("nativeTimeNs", name), ("nativeWriteTimeNs", name + " write"),
                           ("nativeReadTimeNs", name + " read")):
            metric = metrics.get(key)
            if metric.isDefined():
                times[label] += metric.get().value() / NS
    return times


def main():
    scale, queries = sys.argv[1], sys.argv[2:]
    data = tpch.ensure_data(scale)
    conf = {k: v for k, v in COMMON_CONF.items() if k != "spark.master"}
    conf["spark.plugins"] = "dev.thermite.ThermitePlugin"
    spark = session(master=COMMON_CONF["spark.master"], app="thermite-profile", conf=conf)
    tpch.register_tables(spark, data)
    for q in queries:
        text = tpch.query_text(q)
        spark.sql(text).collect()
        before = stage_ids(spark)
        df = spark.sql(text)
        start = time.time()
        df.collect()
        wall = time.time() - start
        tasks = stage_totals(spark, before)
        native = native_times(spark, df)
        print(f"\n{q}: {wall:.2f} s wall, {tasks['task run']:.2f} s of task time on 2 cores")
        for name, seconds in sorted(native.items(), key=lambda kv: -kv[1]):
            print(f"  {name:45s} {seconds:7.2f} s  {100 * seconds / max(tasks['task run'], 1e-9):5.1f}%")
        for name in ("shuffle write (Spark)", "shuffle fetch wait", "GC"):
            print(f"  {name:45s} {tasks[name]:7.2f} s")
        rest = tasks["task run"] - sum(native.values()) - tasks["shuffle write (Spark)"] - tasks["shuffle fetch wait"]
        print(f"  {'rest: JVM side (Spark, Arrow/JNI hand-over, rows)':45s} {rest:7.2f} s")


if __name__ == "__main__":
    main()
