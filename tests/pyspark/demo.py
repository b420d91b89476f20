"""`make demo`: a real Spark query over Parquet with and without Thermite, plans and times.

Times here are one run each on a shared machine: an illustration, not a benchmark (those live
under benchmarks/).
"""

import os
import shutil
import tempfile
import time

from common import executed_plan, fallback_reasons, session

ROWS = int(os.environ.get("DEMO_ROWS", "10000000"))

QUERY = """
SELECT id, price * quantity AS revenue, discount, category
FROM sales
WHERE quantity > 10 AND discount BETWEEN 0.02 AND 0.08 AND category IN ('books', 'games', 'music')
"""


def make_data(spark, path):
    spark.conf.set("spark.thermite.enabled", "false")
    (spark.range(0, ROWS, 1, 4)
     .selectExpr("id",
                 "cast(id % 50 as int) AS quantity",
                 "cast((id * 7919) % 10000 as decimal(10,2)) / 100 AS price",
                 "cast((id % 11) / 100.0 as double) AS discount",
                 "element_at(array('books','games','music','tools','garden','toys'), cast(id % 6 as int) + 1) AS category")
     .write.mode("overwrite").parquet(path))


def run(spark, enabled):
    spark.conf.set("spark.thermite.enabled", str(enabled).lower())
    df = spark.sql(QUERY)
    plan = executed_plan(df)  # planned now, under this setting
    start = time.perf_counter()
    df.write.format("noop").mode("overwrite").save()
    elapsed = time.perf_counter() - start
    rows = spark.sql(QUERY).count()
    return df, plan, elapsed, rows


def main():
    spark = session(app="thermite-demo")
    work = tempfile.mkdtemp(prefix="thermite-demo-")
    try:
        path = os.path.join(work, "sales")
        print(f"Writing {ROWS:,} rows of Parquet to {path} ...")
        make_data(spark, path)
        spark.read.parquet(path).createOrReplaceTempView("sales")
        print("Query:" + QUERY)
        results = {}
        for enabled in (False, True, False, True):  # the second round runs on a warm JVM
            results[enabled] = run(spark, enabled)
        for enabled, label in ((False, "Spark"), (True, "Spark + Thermite")):
            _, plan, elapsed, rows = results[enabled]
            print(f"\n=== {label}: {elapsed:.2f} s, {rows:,} rows ===")
            print(plan)
        plan = results[True][1]
        native = [n for n in ("ThermiteScanExec", "ThermiteFilterExec", "ThermiteProjectExec") if n in plan]
        print("Native operators:", ", ".join(native))
        print("Fallback:", fallback_reasons(spark, results[True][0]))
        if results[False][3] != results[True][3]:
            raise SystemExit("row counts differ between Spark and Thermite")
        print(f"Time: Spark {results[False][2]:.2f} s, Thermite {results[True][2]:.2f} s "
              f"(one warm run each; see benchmarks/ for measurements)")
        if len(native) != 3:
            raise SystemExit("the demo query did not run natively")
    finally:
        spark.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
