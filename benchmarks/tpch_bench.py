"""TPC-H benchmark: vanilla Spark, Spark + Thermite and Spark + Apache DataFusion Comet on the same
Parquet data, each configuration in a fresh JVM with the same memory and cores; checks that all
three answer alike and writes the report (see benchmarks/README.md).

Usage: tpch_bench.py --scale 1 --iterations 3 --comet-jar PATH [--results DIR]"""

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
sys.path.insert(0, os.path.join(REPO, "tests", "tpch"))
sys.path.insert(0, os.path.join(REPO, "tests", "pyspark"))

import bench_report  # noqa: E402
import tpch  # noqa: E402
from common import plugin_jar  # noqa: E402

# Every configuration gets these: the same cores, heap and off-heap budget (Comet requires
# off-heap memory; Thermite and Spark's own Tungsten operators use it too when it is enabled).
COMMON_CONF = {
    "spark.master": "local[2]",
    "spark.driver.memory": "4g",
    "spark.memory.offHeap.enabled": "true",
    "spark.memory.offHeap.size": "4g",
    "spark.sql.shuffle.partitions": "16",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}


def configurations(comet_jar):
    """(name, the settings it adds, the prefix of its native operators' names)."""
    thermite_jar = plugin_jar()
    return [
        ("vanilla", {}, "-"),
        ("thermite", {
            "spark.jars": thermite_jar,
            "spark.plugins": "dev.thermite.ThermitePlugin",
        }, "Thermite"),
        ("comet", {
            "spark.jars": comet_jar,
            # The shuffle manager is created with SparkEnv, before `spark.jars` is on the class path.
            "spark.driver.extraClassPath": comet_jar,
            "spark.executor.extraClassPath": comet_jar,
            "spark.plugins": "org.apache.spark.CometPlugin",
            "spark.shuffle.manager": "org.apache.spark.sql.comet.execution.shuffle.CometShuffleManager",
            "spark.comet.enabled": "true",
            "spark.comet.exec.enabled": "true",
            "spark.comet.exec.shuffle.enabled": "true",
        }, "Comet"),
    ]


def run_configuration(name, conf, native_prefix, data_dir, iterations, workdir, table_format="parquet"):
    conf_path = os.path.join(workdir, f"{name}.json")
    out_path = os.path.join(workdir, f"{name}.pickle")
    with open(conf_path, "w") as f:
        json.dump(conf, f)
    print(f"=== {name}: a warm-up pass, then {iterations} timed iteration(s) in a fresh JVM", flush=True)
    start = time.time()
    subprocess.run([sys.executable, os.path.join(BENCH, "tpch_engine.py"), name, conf_path, data_dir,
                    str(iterations), out_path, native_prefix, table_format], check=True)
    print(f"=== {name}: done in {time.time() - start:.0f} s", flush=True)
    with open(out_path, "rb") as f:
        return pickle.load(f)


def median(run):
    """A query's median time in one configuration (NaN where it failed)."""
    return statistics.median(run["times"]) if run["times"] else float("nan")


def failed(results, differences):
    """Whether any answer differs or any query failed in any configuration."""
    return bool(differences) or any(r["error"] for runs in results.values() for r in runs.values())


def report_tail(lines, runs, differences, where):
    """`lines` with the queries `runs` (Thermite's) left in Spark and the answers' verdict."""
    not_native = [(q, runs[q]["in_spark"]) for q in tpch.query_names() if runs[q]["in_spark"]]
    return lines + [
        f"Every query ran fully natively{where}." if not not_native else
        f"Left in Spark{where}: " + "; ".join(f"{q}: {ops}" for q, ops in not_native),
        "Answers: " + ("all equal to vanilla Spark's." if not differences else
                       "; ".join(f"{q} ({n}): {d}" for q, n, d in differences))]


def write_markdown(path, lines):
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"report: {path}")


def answer_differences(results):
    """(query, configuration, difference) for each answer that differs from vanilla Spark's."""
    differences = []
    reference = results["vanilla"]
    for name, runs in results.items():
        if name == "vanilla":
            continue
        for query in tpch.query_names():
            expected, actual = reference[query], runs[query]
            if expected["error"] or actual["error"]:
                continue
            difference = tpch.answer_difference(expected["answer"], actual["answer"],
                                                tpch.is_ordered(tpch.query_text(query)))
            if expected["columns"] != actual["columns"]:
                difference = f"columns {actual['columns']} instead of {expected['columns']}"
            if difference:
                differences.append((query, name, difference))
    return differences


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="1")
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--comet-jar", required=True)
    parser.add_argument("--results", default=os.path.join(BENCH, "results"))
    args = parser.parse_args()

    data_dir = tpch.ensure_data(args.scale)
    results = {}
    configs = configurations(args.comet_jar)
    with tempfile.TemporaryDirectory(prefix="thermite-bench-") as workdir:
        for name, extra, native_prefix in configs:
            results[name] = run_configuration(name, {**COMMON_CONF, **extra}, native_prefix, data_dir,
                                              args.iterations, workdir)

    differences = answer_differences(results)
    for query, name, difference in differences:
        print(f"ANSWER DIFFERS: {query} on {name}: {difference}", flush=True)
    settings = {
        "scale": args.scale, "iterations": args.iterations, "data": data_dir,
        "common": COMMON_CONF, "configurations": {name: extra for name, extra, _ in configs},
    }
    written = bench_report.write(args.results, f"tpch-sf{args.scale}", results, differences, settings)
    for path in written:
        print(f"wrote {path}")
    errors = [(q, n) for n, runs in results.items() for q, r in runs.items() if r["error"]]
    sys.exit(1 if differences or errors else 0)


if __name__ == "__main__":
    main()
