"""TPC-H from an S3-compatible server against local disk: vanilla Spark and Spark + Thermite, each
reading the same Parquet files from local disk and from a bucket of moto's S3 server on loopback
(through s3a:// and hadoop-aws), each configuration in a fresh JVM. Reports per query the median
times, Thermite's speed-up over Spark on each source, S3's overhead over local disk, and the S3
read requests and bytes each engine made (from the s3a file system's statistics). Answers must
equal vanilla Spark's from local disk.

Usage: s3_bench.py --scale 1 --iterations 3 [--results DIR]"""

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
from s3_server import S3Server  # noqa: E402
from tpch_bench import (COMMON_CONF, answer_differences, failed, median, report_tail,  # noqa: E402
                        run_configuration, write_markdown)

BUCKET = "tpch"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="1")
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--results", default=os.path.join(BENCH, "results"))
    args = parser.parse_args()

    data = tpch.ensure_data(args.scale)
    server = S3Server()
    try:
        server.client().create_bucket(Bucket=BUCKET)
        start = time.time()
        objects = server.upload(BUCKET, data, f"sf{args.scale}")
        print(f"uploaded {objects} objects to {server.endpoint} in {time.time() - start:.1f} s", flush=True)
        s3_jars = fetched_jars("s3-jars", ["hadoop-aws", "the AWS SDK bundle"])
        thermite = {"spark.plugins": "dev.thermite.ThermitePlugin"}
        sources = {"local": (data, {}), "s3": (f"s3a://{BUCKET}/sf{args.scale}", server.s3a_conf())}
        results = {}
        with tempfile.TemporaryDirectory() as workdir:
            for source, (path, source_conf) in sources.items():
                for engine, engine_conf, prefix in [("vanilla", {}, "-"), ("thermite", thermite, "Thermite")]:
                    jars = ([plugin_jar()] if engine == "thermite" else []) + (s3_jars if source == "s3" else [])
                    conf = {**COMMON_CONF, **source_conf, **engine_conf}
                    if jars:
                        conf["spark.jars"] = ",".join(jars)
                    name = f"{engine}-{source}"
                    results[name] = run_configuration(name, conf, prefix, path, args.iterations, workdir)
    finally:
        server.stop()

    reference = {"vanilla": results["vanilla-local"]}
    differences = answer_differences({**reference, **{k: v for k, v in results.items() if k != "vanilla-local"}})
    write_report(args, results, differences)
    return 1 if failed(results, differences) else 0


def write_report(args, results, differences):
    os.makedirs(args.results, exist_ok=True)
    names = ["vanilla-local", "thermite-local", "vanilla-s3", "thermite-s3"]
    totals = {n: sum(median(results[n][q]) for q in tpch.query_names()) for n in names}
    lines = [f"# TPC-H SF{args.scale}: local disk against S3 (moto on loopback)", "",
             f"Median of {args.iterations} timed iteration(s) after a warm-up, seconds; S3 requests and "
             "bytes are the s3a file system's read operations and bytes read for the last iteration.", "",
             "| query | " + " | ".join(names) + " | S3 requests Spark | S3 requests Thermite | "
             "S3 MB Spark | S3 MB Thermite |",
             "| --- | " + " | ".join("---:" for _ in names) + " | ---: | ---: | ---: | ---: |"]
    for q in tpch.query_names():
        io = {n: results[n][q]["io"] or (0, 0) for n in ["vanilla-s3", "thermite-s3"]}
        lines.append(f"| {q} | " + " | ".join(f"{median(results[n][q]):.2f}" for n in names) +
                     f" | {io['vanilla-s3'][0]} | {io['thermite-s3'][0]} | {io['vanilla-s3'][1] / 1e6:.1f} | "
                     f"{io['thermite-s3'][1] / 1e6:.1f} |")
    lines.append("| **total** | " + " | ".join(f"**{totals[n]:.1f}**" for n in names) + " | | | | |")
    lines += ["", f"Thermite over Spark: {totals['vanilla-local'] / totals['thermite-local']:.2f}x from local disk, "
              f"{totals['vanilla-s3'] / totals['thermite-s3']:.2f}x from S3. S3 over local disk: "
              f"Spark {totals['vanilla-s3'] / totals['vanilla-local']:.2f}x, "
              f"Thermite {totals['thermite-s3'] / totals['thermite-local']:.2f}x.", ""]
    lines = report_tail(lines, results["thermite-s3"], differences, " from S3")
    write_markdown(os.path.join(args.results, f"s3-sf{args.scale}.md"), lines)

if __name__ == "__main__":
    sys.exit(main())
