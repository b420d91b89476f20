"""Executors in their own JVMs (local-cluster) with the jar given only through `spark.jars`, so
the plugin and its native library load on the executor side."""

import os
import tempfile

from common import executed_plan, session, spark_home

os.environ["SPARK_HOME"] = spark_home()
spark = session(master="local-cluster[2,1,2048]", app="thermite-cluster",
                conf={"spark.executor.memory": "1g"})
path = os.path.join(tempfile.mkdtemp(prefix="thermite-cluster-"), "t")
spark.conf.set("spark.thermite.enabled", "false")
(spark.range(0, 200000, 1, 4)
 .selectExpr("id", "cast(id % 100 AS decimal(10,2)) / 3 AS d", "id % 7 = 0 AS flag", "cast(id AS double) / 7 AS x")
 .write.parquet(path))

query = lambda: spark.read.parquet(path).where("flag OR d > 30").selectExpr("id", "d * 2 AS d2", "x % 3 AS r")
expected = sorted(query().collect())
spark.conf.set("spark.thermite.enabled", "true")
df = query()
actual = sorted(df.collect())
plan = executed_plan(df)
for node in ("ThermiteScanExec", "ThermiteFilterExec", "ThermiteProjectExec"):
    assert node in plan, f"{node} missing from the plan:\n{plan}"
assert expected == actual, "answers differ"

# A native shuffle between executor JVMs: blocks written by one executor, fetched by the other.
grouped = lambda: spark.read.parquet(path).selectExpr("id % 97 AS k", "d", "x").groupBy("k").agg({"d": "sum", "x": "max"})
spark.conf.set("spark.thermite.enabled", "false")
expected_groups = sorted(grouped().collect())
spark.conf.set("spark.thermite.enabled", "true")
df = grouped()
assert sorted(df.collect()) == expected_groups, "grouped answers differ"
assert "ThermiteShuffleExchangeExec" in executed_plan(df), executed_plan(df)
# Structs, arrays and maps between executor JVMs: read, shuffled and taken apart natively.
nested_path = os.path.join(os.path.dirname(path), "nested")
spark.conf.set("spark.thermite.enabled", "false")
(spark.range(0, 20000, 1, 4)
 .selectExpr("id", "if(id % 11 = 0, NULL, named_struct('a', id % 13, 'b', array(cast(id AS string), NULL))) AS s",
             "map(id % 5, array(cast(id AS double) / 3, -0.0D)) AS m")
 .write.parquet(nested_path))
nested = lambda: (spark.read.parquet(nested_path).repartition(3, "id")
                  .selectExpr("id", "s", "m", "s.b[0] AS b0", "m[id % 5] AS v", "size(s.b) AS n"))
# As text, so that -0.0 and 0.0 differ (they compare equal as Python floats).
expected_nested = sorted(map(repr, nested().collect()))
spark.conf.set("spark.thermite.enabled", "true")
df = nested()
assert sorted(map(repr, df.collect())) == expected_nested, "nested answers differ"
for node in ("ThermiteShuffleExchangeExec", "ThermiteProjectExec"):
    assert node in executed_plan(df), f"{node} missing from the plan:\n{executed_plan(df)}"

executors = spark.sparkContext._jsc.sc().getExecutorMemoryStatus().size() - 1
assert executors == 2, f"expected 2 executors, found {executors}"
spark.stop()
print(f"cluster: ok ({len(actual)} rows on {executors} executor JVMs)")
