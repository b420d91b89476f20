"""PySpark on a stock Spark with only `spark.plugins` (and the jar): filter + project over Parquet
runs natively and answers as Spark does."""

import os
import tempfile

from common import executed_plan, session

spark = session(app="thermite-smoke")
path = os.path.join(tempfile.mkdtemp(prefix="thermite-smoke-"), "t")
spark.conf.set("spark.thermite.enabled", "false")
spark.range(0, 100000, 1, 3).selectExpr("id", "id % 13 AS k", "cast(id AS string) AS s").write.parquet(path)

query = lambda: spark.read.parquet(path).where("k > 3 AND id % 2 = 0").selectExpr("id * 2 AS twice", "s")
expected = sorted(query().collect())
spark.conf.set("spark.thermite.enabled", "true")
df = query()
actual = sorted(df.collect())
plan = executed_plan(df)
print(plan)
for node in ("ThermiteScanExec", "ThermiteFilterExec", "ThermiteProjectExec"):
    assert node in plan, f"{node} missing from the plan"
assert expected == actual, "answers differ"
spark.stop()
print("smoke: ok")
