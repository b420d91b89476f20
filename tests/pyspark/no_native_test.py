"""When the native library cannot load (another platform, a missing symbol), the plugin says so
once and Spark runs every query unchanged."""

import os
import tempfile

os.environ["THERMITE_NATIVE_LIB"] = "/nonexistent/libthermite.so"

from common import executed_plan, session  # noqa: E402

spark = session(app="thermite-no-native")
path = os.path.join(tempfile.mkdtemp(prefix="thermite-no-native-"), "t")
spark.range(0, 1000).selectExpr("id", "id % 7 AS k").write.parquet(path)
df = spark.read.parquet(path).where("k > 3").selectExpr("id * 2 AS twice")
plan = executed_plan(df)
assert "Thermite" not in plan, f"native nodes without a native library:\n{plan}"
actual = sorted(df.collect())
spark.conf.set("spark.thermite.enabled", "false")
assert actual == sorted(spark.read.parquet(path).where("k > 3").selectExpr("id * 2 AS twice").collect())
spark.stop()
print("no-native: ok (Spark ran unchanged)")
