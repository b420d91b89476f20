"""Differential checks of one SQL query for the table-format tests: Thermite off, then on."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tpch"))

import tpch  # noqa: E402


def compare(spark, sql, native=True, reason=None):
    """`sql` with Thermite off, then on: equal rows (as multisets); with `native`, no operator
    left in Spark; with `reason`, Thermite names it for an operator it left in Spark."""
    spark.conf.set("spark.thermite.enabled", "false")
    expected = sorted(map(repr, tpch.collect(spark.sql(sql))))
    spark.conf.set("spark.thermite.enabled", "true")
    df = spark.sql(sql)
    actual = sorted(map(repr, tpch.collect(df)))
    problems = []
    if expected != actual:
        problems.append(f"answers differ: Spark {expected[:5]} ... ({len(expected)} rows), "
                        f"Thermite {actual[:5]} ... ({len(actual)} rows)")
    in_spark = tpch.spark_operators(tpch.executed_plan(df))
    reasons = [f"{op}: {why}" for op, why in tpch.fallback_reasons(spark, df)]
    if native and in_spark:
        problems.append(f"operators left in Spark: {sorted(set(in_spark))}: {reasons}")
    if reason and not any(reason in r for r in reasons):
        problems.append(f"expected the reason '{reason}', got {reasons}")
    print(f"{'FAILED' if problems else 'ok'}: {sql} ({len(actual)} rows)", flush=True)
    for problem in problems:
        print(f"  {problem}", flush=True)
    return not problems
