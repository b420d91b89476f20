"""Faults a native plugin must survive, on executors in their own JVMs (local-cluster) with the jar
given only through `spark.jars`: queries from eight threads at once, a task over its memory
budget, a cancelled job, and an executor JVM killed in a native shuffle map stage and in a reduce
stage. Answers are vanilla Spark's (Thermite off); memory is checked through the per-task native
memory reports the plugin sends under `spark.thermite.memoryReports.enabled`, and Spark's own
leak check is on (`spark.unsafe.exceptionOnMemoryLeak`)."""

import json
import os
import signal
import subprocess
import tempfile
import threading
import time

from common import executed_plan, session, spark_home

# Off-heap memory Spark gives each executor (one task at a time): native operators reserve from it.
OFF_HEAP = 64 << 20
ROWS = 2_000_000

os.environ["SPARK_HOME"] = spark_home()
spark = session(master="local-cluster[2,1,2048]", app="thermite-faults", conf={
    "spark.executor.memory": "1g",
    "spark.memory.offHeap.enabled": "true",
    "spark.memory.offHeap.size": str(OFF_HEAP),
    "spark.thermite.memoryReports.enabled": "true",
    "spark.unsafe.exceptionOnMemoryLeak": "true",
    "spark.sql.shuffle.partitions": "6",
    "spark.sql.adaptive.coalescePartitions.enabled": "false",
    "spark.sql.autoBroadcastJoinThreshold": "-1",
})
sc = spark.sparkContext
tracker = sc.statusTracker()
reports = spark._jvm.dev.thermite.exec.NativeMemoryReports

path = os.path.join(tempfile.mkdtemp(prefix="thermite-faults-"), "t")
spark.conf.set("spark.thermite.enabled", "false")
(spark.range(0, ROWS, 1, 8)
 .selectExpr("id", "CAST(id % 97 AS INT) AS k", "CAST((id * 7919) % 10007 AS DOUBLE) / 4 AS x",
             "concat('v', id % 50000) AS s")
 .write.parquet(path))
spark.read.parquet(path).createOrReplaceTempView("t")


def drain_reports(settle=1.5):
    """The task reports executors sent since the last call (they arrive asynchronously)."""
    time.sleep(settle)
    return json.loads(reports.drain())


def check_within_grant(task_reports, what):
    """Native code never held more than Spark granted, returned everything, and stayed in budget."""
    assert task_reports, f"{what}: no native memory reports"
    for r in task_reports:
        assert r["peakOverdraft"] == 0 and r["peakNative"] <= r["peakGranted"], f"{what}: beyond the grant: {r}"
        assert r["notReturned"] == 0, f"{what}: memory not returned: {r}"
        assert r["peakGranted"] <= OFF_HEAP, f"{what}: over the executor's budget: {r}"


def vanilla(queries):
    spark.conf.set("spark.thermite.enabled", "false")
    answers = [sorted(spark.sql(q).collect()) for q in queries]
    spark.conf.set("spark.thermite.enabled", "true")
    return answers


def executors():
    """The ids of the live executors."""
    return set(filter(None, spark._jsc.sc().getExecutorIds().mkString(",").split(",")))


# --- Eight queries at once from eight threads of one session -----------------------------------
QUERIES = [
    "SELECT k, count(*), sum(x), max(s) FROM t GROUP BY k",
    "SELECT k, min(id), avg(x) FROM t WHERE s LIKE '%7%' GROUP BY k",
    "SELECT a.k, count(*), sum(b.x) FROM t a JOIN t b ON a.id = b.id + 1 GROUP BY a.k",
    "SELECT id, x FROM t ORDER BY x DESC, id LIMIT 100",
    "SELECT count(DISTINCT s), count(DISTINCT x) FROM t",
    "SELECT s, count(*) FROM t GROUP BY s ORDER BY 2 DESC, 1 LIMIT 50",
    "SELECT k % 7, sum(id), max(x) FROM t WHERE id % 3 = 0 GROUP BY k % 7",
    "SELECT s, sum(x) FROM t WHERE k < 20 GROUP BY s HAVING sum(x) > 20000",
]
start = time.time()
expected = vanilla(QUERIES)
drain_reports(0)
results = [None] * len(QUERIES)


def run(i):
    try:
        results[i] = sorted(spark.sql(QUERIES[i]).collect())
    except Exception as e:  # reported below, with the query
        results[i] = e


threads = [threading.Thread(target=run, args=(i,)) for i in range(len(QUERIES))]
for t in threads:
    t.start()
for t in threads:
    t.join(timeout=120)
for query, want, got in zip(QUERIES, expected, results):
    assert got == want, f"eight threads: {query} differs: {got if isinstance(got, Exception) else len(got)} rows"
concurrent = drain_reports()
check_within_grant(concurrent, "eight threads")
print(f"eight threads: {len(QUERIES)} answers equal, {len(concurrent)} native tasks within their grants "
      f"(largest {max(r['peakGranted'] for r in concurrent) >> 20} MiB), {time.time() - start:.0f} s", flush=True)

# --- A task over its memory budget: it spills, the JVM lives, the next query runs --------------
start = time.time()
before = executors()
over_budget = "SELECT count(*), sum(a.x), max(b.s) FROM t a JOIN t b ON a.id = b.id"
spark.conf.set("spark.sql.shuffle.partitions", "1")
[want] = vanilla([over_budget])
df = spark.sql(over_budget)
assert sorted(df.collect()) == want, "over budget: answers differ"
plan = executed_plan(df)
assert "ThermiteSortMergeJoinExec" in plan or "ThermiteShuffledHashJoinExec" in plan, plan
spark.conf.set("spark.sql.shuffle.partitions", "6")
big = drain_reports()
check_within_grant(big, "over budget")
assert max(r["peakGranted"] for r in big) > OFF_HEAP // 2, f"over budget: the task did not use its budget: {big}"
assert executors() == before, f"over budget: executors changed: {before} -> {executors()}"
assert sorted(spark.sql(QUERIES[0]).collect()) == expected[0], "over budget: the next query differs"
print(f"over budget: spilled within {OFF_HEAP >> 20} MiB, same executors, next query equal, "
      f"{time.time() - start:.0f} s", flush=True)
drain_reports(0)

# --- A native error in a task that holds memory: all of it returned, the session goes on -------
start = time.time()
mixed = os.path.join(tempfile.mkdtemp(prefix="thermite-faults-"), "mixed")
(spark.range(0, 300000, 1, 1)
 .selectExpr("id", "date_add(DATE'2000-01-01', CAST(id % 1000 AS INT)) AS d").write.parquet(mixed))
spark.range(0, 10, 1, 1).selectExpr("id", "CAST(id AS STRING) AS d").write.mode("append").parquet(mixed)
# One task reads the large file, then the small one whose column is not a date: the native sort
# above the scan holds the first file's rows when the scan fails.
spark.conf.set("spark.sql.files.minPartitionNum", "1")
try:
    spark.read.schema("id LONG, d DATE").parquet(mixed).sortWithinPartitions("d", "id").limit(5).collect()
    raise AssertionError("native error: the query should have failed")
except Exception as e:
    assert "ThermiteScanExec" in str(e), f"native error: not the scan's: {e}"
spark.conf.unset("spark.sql.files.minPartitionNum")
failed = [r for r in drain_reports() if r["outcome"] == "ExceptionFailure"]
assert any(r["peakGranted"] > 0 for r in failed), f"native error: no failed task held memory: {failed}"
assert all(r["notReturned"] == 0 for r in failed), f"native error: memory not returned: {failed}"
assert sorted(spark.sql(QUERIES[1]).collect()) == expected[1], "native error: the next query differs"
print(f"native error: {len(failed)} failed attempts returned all memory, next query equal, "
      f"{time.time() - start:.0f} s", flush=True)

# --- A job cancelled while native operators run ------------------------------------------------
start = time.time()
# About 80 million joined rows: the join stage runs natively for far longer than the test waits.
slow = "SELECT count(*), sum(c) FROM (SELECT a.s, count(*) c FROM t a JOIN t b ON a.s = b.s GROUP BY a.s)"
outcome = {}


def cancelled_query():
    sc.setJobGroup("cancel", "a job to cancel", interruptOnCancel=True)
    try:
        spark.sql(slow).collect()
        outcome["finished"] = True
    except Exception as e:  # the cancellation
        outcome["error"] = str(e)


def active_tasks(group):
    stages = {s for j in tracker.getJobIdsForGroup(group) if tracker.getJobInfo(j)
              for s in tracker.getJobInfo(j).stageIds}
    infos = [tracker.getStageInfo(s) for s in stages]
    return [i for i in infos if i and i.numActiveTasks > 0]


thread = threading.Thread(target=cancelled_query)
thread.start()
# The two map stages run first, each in a job of its own; then the join's.
in_join = lambda: len(tracker.getJobIdsForGroup("cancel")) >= 3 and active_tasks("cancel")
deadline = time.time() + 60
while not in_join() and time.time() < deadline:
    time.sleep(0.05)
time.sleep(1.0)  # well into the native join
assert active_tasks("cancel"), "cancel: the query never ran (or ended too soon)"
cancelled_at = time.time()
sc.cancelJobGroup("cancel")
while active_tasks("cancel") and time.time() < cancelled_at + 30:
    time.sleep(0.02)
stopped = time.time() - cancelled_at
thread.join(timeout=60)
assert "error" in outcome and "cancel" in outcome["error"].lower(), f"cancel: the job was not cancelled: {outcome}"
assert stopped < 1.0, f"cancel: native work took {stopped:.2f} s to stop"
killed = [r for r in drain_reports() if r["outcome"] == "TaskKilled"]
assert killed, "cancel: no killed native task reported"
for r in killed:
    assert r["notReturned"] == 0 and r["peakOverdraft"] == 0, f"cancel: memory of a killed task: {r}"
assert sorted(spark.sql(QUERIES[2]).collect()) == expected[2], "cancel: the next query differs"
print(f"cancel: tasks stopped {stopped * 1000:.0f} ms after the cancel, {len(killed)} killed tasks returned "
      f"all memory, next query equal, {time.time() - start:.0f} s", flush=True)

# --- An executor JVM killed in a native shuffle map stage, then in a reduce stage --------------
app = sc.applicationId


def executor_pids():
    ps = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True, check=True).stdout
    return [int(line.split()[0]) for line in ps.splitlines()
            if "CoarseGrainedExecutorBackend" in line and app in line]


def kill_during(df, group, ready):
    """Runs `df` in `group`, kills one executor JVM once `ready(active stages)`; the answer."""
    answer = {}

    def collect():
        sc.setJobGroup(group, group)
        try:
            answer["rows"] = sorted(df.collect())
        except Exception as e:  # reported below
            answer["error"] = e

    thread = threading.Thread(target=collect)
    thread.start()
    victim = None
    deadline = time.time() + 90
    while victim is None and thread.is_alive() and time.time() < deadline:
        stages = active_tasks(group)
        if stages and ready(stages):
            pids = executor_pids()
            assert len(pids) == 2, f"{group}: expected 2 executor JVMs, found {pids}"
            victim = pids[0]
            os.kill(victim, signal.SIGKILL)
        # Map tasks take a fraction of a second: poll often enough to catch a stage midway.
        time.sleep(0.01)
    thread.join(timeout=180)
    assert victim is not None, f"{group}: the stage ended before an executor could be killed"
    assert "rows" in answer, f"{group}: the job failed: {answer.get('error')}"
    return answer["rows"]


def wait_for_executors():
    deadline = time.time() + 60
    while len(executors()) < 2 and time.time() < deadline:
        time.sleep(0.2)


joined = lambda: (spark.table("t").selectExpr("id", "x").join(spark.table("t").selectExpr("id", "s"), "id")
                  .where("x + length(s) > 2505"))
spark.conf.set("spark.thermite.enabled", "false")
want = sorted(joined().collect())
spark.conf.set("spark.thermite.enabled", "true")
start = time.time()
df = joined()
# First run: the two map stages (scan, native shuffle write) run first, each in a job of its own.
mid_map = lambda stages: len(tracker.getJobIdsForGroup("kill-map")) <= 2 and any(
    s.numCompletedTasks > 0 for s in stages)
assert kill_during(df, "kill-map", mid_map) == want, "executor killed in a map stage: answers differ"
assert "ThermiteShuffleExchangeExec" in executed_plan(df), executed_plan(df)
wait_for_executors()
print(f"kill in a map stage: answers equal after Spark's retry, {time.time() - start:.0f} s", flush=True)
# Second run of the same plan: its shuffles are reused, so the one stage that runs is the reduce
# (the native join reading the native shuffles); the killed executor's map output is recomputed.
start = time.time()
mid_reduce = lambda stages: any(s.numCompletedTasks > 0 for s in stages)
assert kill_during(df, "kill-reduce", mid_reduce) == want, "executor killed in a reduce stage: answers differ"
wait_for_executors()
print(f"kill in a reduce stage: answers equal after Spark's retry, {time.time() - start:.0f} s", flush=True)

spark.stop()
print("faults: ok")
