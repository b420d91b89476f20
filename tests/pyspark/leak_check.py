"""Runs the same native query many times in one JVM and checks that the JVM's resident memory
stays flat: native plans, batches and their Arrow buffers must all be freed."""

import os
import sys
import tempfile
import time

from common import session

ITERATIONS = int(os.environ.get("LEAK_ITERATIONS", "1000"))
WARMUP = ITERATIONS // 5
# Each query moves ~6 MB through native code; leaking one query's batches per run would add
# gigabytes over the run, while JIT and allocator noise stay well under this bound.
MAX_GROWTH_MB = 150

# The heap is committed whole at start-up, so resident memory moves only with native memory.
spark = session(app="thermite-leak", conf={
    "spark.driver.memory": "1g",
    "spark.driver.extraJavaOptions": "-Xms1g -XX:+AlwaysPreTouch",
})
pid = spark._jvm.java.lang.ProcessHandle.current().pid()


def rss_mb():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


path = os.path.join(tempfile.mkdtemp(prefix="thermite-leak-"), "t")
spark.conf.set("spark.thermite.enabled", "false")
spark.range(0, 200000, 1, 2).selectExpr("id", "cast(id AS string) AS s", "id * 1.5 AS x").write.parquet(path)
spark.conf.set("spark.thermite.enabled", "true")
df = spark.read.parquet(path).where("id % 3 <> 0").selectExpr("id + 1 AS n", "s", "x * 2 AS y")
assert "ThermiteProjectExec" in df._jdf.queryExecution().executedPlan().toString()

samples = []
start = time.time()
for i in range(1, ITERATIONS + 1):
    df.write.format("noop").mode("overwrite").save()
    if i == WARMUP or i % (ITERATIONS // 10) == 0:
        spark._jvm.System.gc()
        samples.append((i, rss_mb()))
        print(f"iteration {i}: JVM RSS {samples[-1][1]:.0f} MB", flush=True)
elapsed = time.time() - start
warm = next(mb for i, mb in samples if i == WARMUP)
final = samples[-1][1]
growth = final - warm
print(f"leak check: {ITERATIONS} queries in {elapsed:.0f} s; RSS {warm:.0f} MB after {WARMUP}, "
      f"{final:.0f} MB after {ITERATIONS} (growth {growth:+.0f} MB, limit {MAX_GROWTH_MB} MB)")
spark.stop()
sys.exit(0 if growth < MAX_GROWTH_MB else 1)
