"""Delta Lake tables, written by Delta itself (delta-spark from Maven Central), read with Thermite off
and on: equal answers, and the scans native where Thermite reads Delta's files itself. Shown:
TPC-H at SF0.1 as Delta tables (all 22 queries, fully native); column mapping in name and id
modes after a rename, a drop and an add; a partitioned table with partition pruning; time travel
to an older version; a column added by schema evolution; and deletion vectors: TPC-H queries
over lineitem and orders after DELETEs that leave deletion vectors (fully native), a table whose
files span many row groups and splits after two DELETEs and an UPDATE, and the same table as of
each version; and a table with deletion vectors on an S3-compatible server (moto's, on loopback)
through s3a://.

Environment: THERMITE_DELTA_JARS, the folder holding delta-spark and delta-storage (`make
delta-jars` fetches them from Maven Central); THERMITE_S3_JARS, hadoop-aws and its SDK (`make
s3-jars`)."""

import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tpch"))

import tpch  # noqa: E402
from common import fetched_jars, plugin_jar, session  # noqa: E402
from differential import compare  # noqa: E402
from s3_server import S3Server  # noqa: E402

root = tempfile.mkdtemp(prefix="thermite-delta-")
server = S3Server()
spark = session(app="thermite-delta", conf={
    **server.s3a_conf(),
    "spark.jars": ",".join([plugin_jar()] + fetched_jars("delta-jars", ["delta-spark", "delta-storage"])
                           + fetched_jars("s3-jars", ["hadoop-aws", "the AWS SDK bundle"])),
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.showConsoleProgress": "false",
})
failures = []


def check(sql, **kwargs):
    if not compare(spark, sql, **kwargs):
        failures.append(sql)


def write(df, name, **options):
    path = os.path.join(root, name)
    writer = df.write.format("delta")
    for key, value in options.items():
        writer = writer.option(key, value)
    writer.save(path)
    return path


try:
    # Writes are Spark's (Delta's); only reads are compared.
    spark.conf.set("spark.thermite.enabled", "false")
    start = time.time()
    data = tpch.ensure_data("0.1")
    for table in tpch.TABLES:
        path = write(spark.read.parquet(os.path.join(data, table)), f"tpch_{table}")
        spark.read.format("delta").load(path).createOrReplaceTempView(table)
    print(f"TPC-H SF0.1 as Delta tables in {time.time() - start:.1f} s", flush=True)
    for name in os.environ.get("TPCH_QUERIES", ",".join(tpch.query_names())).split(","):
        result = tpch.check_query(spark, name, {})
        print(result.summary(), flush=True)
        if result.problems:
            failures.append(name)

    # Column mapping: the files' columns have physical names of their own.
    for mode in ["name", "id"]:
        path = write(spark.range(0, 1000, 1, 3).selectExpr("id", "id * 2 AS v", "cast(id AS string) AS s",
                                                             "id % 7 AS k"),
                     f"mapped_{mode}", **{"delta.columnMapping.mode": mode, "delta.minReaderVersion": "2",
                                          "delta.minWriterVersion": "5"})
        spark.sql(f"ALTER TABLE delta.`{path}` RENAME COLUMN v TO w")
        spark.sql(f"ALTER TABLE delta.`{path}` DROP COLUMN s")
        spark.sql(f"ALTER TABLE delta.`{path}` ADD COLUMNS (s STRING)")
        spark.sql(f"INSERT INTO delta.`{path}` VALUES (5000, 10000, 3, 'new')")
        check(f"SELECT k, count(*), sum(w), count(s), max(s) FROM delta.`{path}` WHERE w > 10 GROUP BY k")
        check(f"SELECT * FROM delta.`{path}` WHERE id % 100 = 0 OR s IS NOT NULL")

    # Partitions, pruned by Spark's file index.
    path = os.path.join(root, "partitioned")
    (spark.range(0, 2000, 1, 4).selectExpr("id", "id % 5 AS part", "cast(id * 1.5 AS decimal(12, 2)) AS amount")
     .write.format("delta").partitionBy("part").save(path))
    check(f"SELECT part, count(*), sum(amount) FROM delta.`{path}` WHERE part IN (1, 3) GROUP BY part")

    # Time travel and schema evolution.
    path = write(spark.range(0, 500).selectExpr("id", "id % 3 AS k"), "versions")
    spark.sql(f"UPDATE delta.`{path}` SET k = k + 10 WHERE id < 100")
    (spark.range(500, 600).selectExpr("id", "id % 3 AS k", "id * 10 AS extra")
     .write.format("delta").mode("append").option("mergeSchema", "true").save(path))
    check(f"SELECT k, count(*), sum(id) FROM delta.`{path}` VERSION AS OF 0 GROUP BY k")
    check(f"SELECT k, count(*), sum(id), count(extra), sum(extra) FROM delta.`{path}` GROUP BY k")

    # Deletion vectors: DELETEs mark rows in a vector beside each file rather than rewrite it.
    def deletion_vectors_added(path):
        history = spark.sql(f"DESCRIBE HISTORY delta.`{path}`").collect()
        return sum(int(h["operationMetrics"].get("numDeletionVectorsAdded", "0")) for h in history)

    for table, condition in [("lineitem", "l_orderkey % 7 = 3"), ("orders", "o_orderkey % 11 = 5")]:
        path = write(spark.read.parquet(os.path.join(data, table)), f"dv_{table}",
                     **{"delta.enableDeletionVectors": "true"})
        spark.sql(f"DELETE FROM delta.`{path}` WHERE {condition}")
        if deletion_vectors_added(path) == 0:
            failures.append(f"DELETE on {table} left no deletion vector")
        spark.read.format("delta").load(path).createOrReplaceTempView(table)
    for name in ["q01", "q03", "q04", "q06", "q12", "q18"]:
        result = tpch.check_query(spark, name, {})
        print(f"with deletion vectors: {result.summary()}", flush=True)
        if result.problems:
            failures.append(f"{name} with deletion vectors")

    # Files of many row groups, read in many splits: a row's index counts from its file's start.
    spark.conf.set("parquet.block.size", "65536")
    path = write(spark.range(0, 200000, 1, 2).selectExpr("id", "id % 10 AS k", "concat('v', id) AS s"), "deleted",
                 **{"delta.enableDeletionVectors": "true"})
    spark.conf.unset("parquet.block.size")
    spark.sql(f"DELETE FROM delta.`{path}` WHERE id % 3 = 0")
    spark.sql(f"DELETE FROM delta.`{path}` WHERE id % 1000 < 10")
    spark.sql(f"UPDATE delta.`{path}` SET k = k + 100 WHERE id % 7 = 1")
    if deletion_vectors_added(path) == 0:
        failures.append("the DELETEs left no deletion vector")
    spark.conf.set("spark.sql.files.maxPartitionBytes", "262144")
    for version in range(4):
        check(f"SELECT k, count(*), sum(id), max(s) FROM delta.`{path}` VERSION AS OF {version} GROUP BY k")
    check(f"SELECT * FROM delta.`{path}` WHERE id BETWEEN 99000 AND 101000")
    spark.conf.unset("spark.sql.files.maxPartitionBytes")

    # On S3: Delta's log, the data files and the deletion vectors all in a bucket.
    server.client().create_bucket(Bucket="delta")
    path = "s3a://delta/deleted"
    (spark.range(0, 50000, 1, 2).selectExpr("id", "id % 10 AS k").write.format("delta")
     .option("delta.enableDeletionVectors", "true").save(path))
    spark.sql(f"DELETE FROM delta.`{path}` WHERE id % 3 = 0")
    if deletion_vectors_added(path) == 0:
        failures.append("the DELETE on S3 left no deletion vector")
    check(f"SELECT k, count(*), sum(id) FROM delta.`{path}` GROUP BY k")
    check(f"SELECT k, count(*), sum(id) FROM delta.`{path}` VERSION AS OF 0 GROUP BY k")
    spark.stop()
finally:
    server.stop()
    shutil.rmtree(root, ignore_errors=True)

print(f"delta: {'ok' if not failures else 'FAILED: ' + '; '.join(failures)}")
sys.exit(1 if failures else 0)
