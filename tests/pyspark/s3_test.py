"""Data on S3: an S3-compatible server (moto's, from PyPI) started here on loopback, a bucket and
objects this test creates, and Spark reading them through `s3a://` with hadoop-aws, the job's own
settings and nothing for Thermite. The native scan reads through the task's S3A file system.
Shown: TPC-H at SF0.1 from the bucket, equal answers and fully native; a missing object and a
missing bucket fail as in Spark; a server that is gone fails the task (retried) within the
configured timeouts, never a hang.

Environment: THERMITE_S3_JARS, the folder holding hadoop-aws and the AWS SDK bundle (`make
s3-jars` fetches them from Maven Central)."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tpch"))

import tpch  # noqa: E402
from common import fetched_jars, plugin_jar, session  # noqa: E402
from s3_server import S3Server  # noqa: E402

BUCKET = "tpch"
# A task that cannot reach the server gives up within these (milliseconds, attempts).
CONNECT_TIMEOUT_MS, ATTEMPTS = 2000, 2
GONE_SERVER_BOUND_S = 120


def failure(spark, query, thermite):
    """The error running `query` (a function making a fresh DataFrame: a DataFrame keeps its
    plan) raised, its whole text, and how long it took to fail."""
    spark.conf.set("spark.thermite.enabled", str(thermite).lower())
    start = time.time()
    try:
        query().collect()
    except Exception as e:  # noqa: BLE001 - any failure is what is compared
        return str(e), time.time() - start
    raise AssertionError(f"the query succeeded with Thermite {'on' if thermite else 'off'}")


server = S3Server()
failures = []
try:
    client = server.client()
    client.create_bucket(Bucket=BUCKET)
    start = time.time()
    data = tpch.ensure_data("0.1")
    objects = server.upload(BUCKET, data, "sf0.1")
    print(f"uploaded TPC-H SF0.1 ({objects} objects) to {server.endpoint} in {time.time() - start:.1f} s", flush=True)

    spark = session(master="local[2,2]", app="thermite-s3", conf={
        "spark.jars": ",".join([plugin_jar()] + fetched_jars("s3-jars", ["hadoop-aws", "the AWS SDK bundle"])),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "4",
        "spark.ui.showConsoleProgress": "false",
        **server.s3a_conf(CONNECT_TIMEOUT_MS, ATTEMPTS),
    })
    tpch.register_tables(spark, f"s3a://{BUCKET}/sf0.1")
    for name in os.environ.get("TPCH_QUERIES", ",".join(tpch.query_names())).split(","):
        result = tpch.check_query(spark, name, {})
        print(result.summary(), flush=True)
        if result.problems:
            failures.append(name)

    # An object deleted after planning: Spark's file-not-found failure, or skipped when missing
    # files are ignored.
    client.upload_file(os.path.join(data, "nation", os.listdir(os.path.join(data, "nation"))[0]), BUCKET,
                       "gone/part-0.parquet")
    client.upload_file(os.path.join(data, "nation", os.listdir(os.path.join(data, "nation"))[0]), BUCKET,
                       "gone/part-1.parquet")
    gone = spark.read.parquet(f"s3a://{BUCKET}/gone")
    client.delete_object(Bucket=BUCKET, Key="gone/part-1.parquet")
    spark_error, _ = failure(spark, lambda: gone.select("n_name"), thermite=False)
    thermite_error, _ = failure(spark, lambda: gone.select("n_name"), thermite=True)
    for error, who in [(spark_error, "Spark"), (thermite_error, "Thermite")]:
        if "FileNotFoundException" not in error or "part-1.parquet" not in error:
            failures.append(f"missing object ({who})")
            print(f"missing object: {who} failed with\n{error[:2000]}", flush=True)
    spark.conf.set("spark.sql.files.ignoreMissingFiles", "true")
    for thermite in ["false", "true"]:
        spark.conf.set("spark.thermite.enabled", thermite)
        if gone.select("n_name").count() != 25:
            failures.append(f"ignored missing object (Thermite {thermite})")
    spark.conf.set("spark.sql.files.ignoreMissingFiles", "false")
    print("missing object: ok" if not any("missing object" in f for f in failures) else "missing object: FAILED",
          flush=True)

    # A bucket that does not exist fails while planning, as in Spark: the same Java exception
    # and S3 error code (messages differ in S3's request ids).
    errors = []
    for thermite in ["false", "true"]:
        spark.conf.set("spark.thermite.enabled", thermite)
        try:
            spark.read.parquet("s3a://no-such-bucket/t").collect()
            errors.append(None)
        except Exception as e:  # noqa: BLE001
            java = getattr(e, "java_exception", None)
            errors.append(f"{java.getClass().getName()}: NoSuchBucket" if java and "NoSuchBucket" in str(e) else str(e))
    ok = errors[0] is not None and errors[0] == errors[1]
    if not ok:
        failures.append("missing bucket")
    print(f"missing bucket: {'ok' if ok else 'FAILED'} (Spark: {errors[0]}; Thermite: {errors[1]})", flush=True)

    # The server gone after planning: each task fails (and is retried once) within the timeouts.
    def lineitem():
        return spark.sql("SELECT l_returnflag, sum(l_quantity) FROM lineitem GROUP BY l_returnflag")

    server.stop()
    for thermite in [False, True]:
        error, seconds = failure(spark, lineitem, thermite)
        who = "Thermite" if thermite else "Spark"
        retried = "failed 2 times" in error
        cause = next((line for line in error.splitlines() if "Exception" in line), "")[:300]
        print(f"server gone ({who}): failed in {seconds:.1f} s, task retried: {retried}: {cause}", flush=True)
        if seconds > GONE_SERVER_BOUND_S or not retried:
            failures.append(f"server gone ({who})")
            print(error[:2000], flush=True)
    spark.stop()
finally:
    server.stop()

print(f"s3: {'ok' if not failures else 'FAILED: ' + ', '.join(failures)}")
sys.exit(1 if failures else 0)
