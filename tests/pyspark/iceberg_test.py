"""Apache Iceberg tables, written by Iceberg itself (iceberg-spark-runtime from Maven Central, a
Hadoop catalog), read with Thermite off and on: equal answers, and the scans native. Shown: TPC-H
at SF0.1 as Iceberg tables (all 22 queries, fully native); merge-on-read DELETEs and UPDATEs that
leave position delete files (format 2) and deletion vectors (format 3), under TPC-H queries and
on a table whose files span many row groups and splits, as of each snapshot (time travel by id
and by timestamp); schema evolution resolved by field id (renamed, dropped, added and widened
columns); hidden partitioning (days and buckets) with partition pruning, and dynamic partition
pruning of a join; what stays in Spark
says why (Iceberg's metadata columns); and a table with deletes on an S3-compatible server
(moto's, on loopback) through s3a://.

Environment: THERMITE_ICEBERG_JARS, the folder holding iceberg-spark-runtime (`make
iceberg-jars` fetches it from Maven Central); THERMITE_S3_JARS, hadoop-aws and its SDK (`make
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

root = tempfile.mkdtemp(prefix="thermite-iceberg-")
server = S3Server()
catalog = "org.apache.iceberg.spark.SparkCatalog"
spark = session(app="thermite-iceberg", conf={
    **server.s3a_conf(),
    "spark.jars": ",".join([plugin_jar()] + fetched_jars("iceberg-jars", ["iceberg-spark-runtime"])
                           + fetched_jars("s3-jars", ["hadoop-aws", "the AWS SDK bundle"])),
    "spark.sql.extensions": "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
    "spark.sql.catalog.ice": catalog,
    "spark.sql.catalog.ice.type": "hadoop",
    "spark.sql.catalog.ice.warehouse": os.path.join(root, "warehouse"),
    "spark.sql.catalog.s3ice": catalog,
    "spark.sql.catalog.s3ice.type": "hadoop",
    "spark.sql.catalog.s3ice.warehouse": "s3a://iceberg/warehouse",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.showConsoleProgress": "false",
})
failures = []

MERGE_ON_READ = ("'write.delete.mode'='merge-on-read', 'write.update.mode'='merge-on-read', "
                 "'write.merge.mode'='merge-on-read'")


def check(sql, **kwargs):
    if not compare(spark, sql, **kwargs):
        failures.append(sql)


def delete_files(table):
    """How many delete files (position delete files or deletion vectors) `table`'s current
    snapshot has."""
    return spark.sql(f"SELECT count(*) FROM {table}.delete_files").collect()[0][0]


def run_tpch(names, label):
    for name in names:
        result = tpch.check_query(spark, name, {})
        print(f"{label}{result.summary()}", flush=True)
        if result.problems:
            failures.append(f"{label}{name}")


try:
    # Writes are Spark's (Iceberg's); only reads are compared.
    spark.conf.set("spark.thermite.enabled", "false")
    start = time.time()
    data = tpch.ensure_data("0.1")
    spark.sql("CREATE NAMESPACE IF NOT EXISTS ice.tpch")
    for table in tpch.TABLES:
        spark.sql(f"CREATE TABLE ice.tpch.{table} USING iceberg AS SELECT * FROM parquet.`{os.path.join(data, table)}`")
        spark.table(f"ice.tpch.{table}").createOrReplaceTempView(table)
    print(f"TPC-H SF0.1 as Iceberg tables in {time.time() - start:.1f} s", flush=True)
    run_tpch(os.environ.get("TPCH_QUERIES", ",".join(tpch.query_names())).split(","), "")

    # Merge-on-read deletes: position delete files (format 2) and deletion vectors (format 3).
    spark.sql("CREATE NAMESPACE IF NOT EXISTS ice.db")
    for version in [2, 3]:
        for table, condition in [("lineitem", "l_orderkey % 7 = 3"), ("orders", "o_orderkey % 11 = 5")]:
            name = f"ice.db.{table}_v{version}"
            spark.sql(f"CREATE TABLE {name} USING iceberg TBLPROPERTIES ('format-version'='{version}', "
                      f"{MERGE_ON_READ}) AS SELECT * FROM ice.tpch.{table}")
            spark.sql(f"DELETE FROM {name} WHERE {condition}")
            if delete_files(name) == 0:
                failures.append(f"DELETE on {name} left no delete file")
            spark.table(name).createOrReplaceTempView(table)
        run_tpch(["q01", "q03", "q04", "q06", "q12", "q18"], f"format {version} with deletes: ")

    # Files of many row groups, read in many splits: a deleted row's position counts from its
    # file's start. Each snapshot by id, and the first by timestamp.
    name = "ice.db.deleted"
    spark.sql(f"CREATE TABLE {name} (id bigint, k bigint, s string) USING iceberg TBLPROPERTIES "
              f"('format-version'='2', {MERGE_ON_READ}, 'write.parquet.row-group-size-bytes'='65536', "
              "'read.split.target-size'='262144')")
    spark.range(0, 200000, 1, 2).selectExpr("id", "id % 10 AS k", "concat('v', id) AS s").writeTo(name).append()
    time.sleep(0.01)
    spark.sql(f"DELETE FROM {name} WHERE id % 3 = 0")
    spark.sql(f"DELETE FROM {name} WHERE id % 1000 < 10")
    spark.sql(f"UPDATE {name} SET k = k + 100 WHERE id % 7 = 1")
    if delete_files(name) == 0:
        failures.append(f"the DELETEs on {name} left no delete file")
    snapshots = spark.sql(f"SELECT snapshot_id, committed_at FROM {name}.snapshots ORDER BY committed_at").collect()
    for snapshot in snapshots:
        check(f"SELECT k, count(*), sum(id), max(s) FROM {name} VERSION AS OF {snapshot[0]} GROUP BY k")
    first = snapshots[0][1].strftime("%Y-%m-%d %H:%M:%S.%f")
    check(f"SELECT count(*), sum(k) FROM {name} TIMESTAMP AS OF '{first}'")
    check(f"SELECT * FROM {name} WHERE id BETWEEN 99000 AND 101000")

    # Schema evolution by field id: rename, drop, add, widen; old files read through the new schema.
    name = "ice.db.evolved"
    spark.sql(f"CREATE TABLE {name} (id int, v float, price decimal(5,2), name string, gone string) USING iceberg")
    spark.range(0, 1000, 1, 2).selectExpr("cast(id AS int) AS id", "cast(id / 3 AS float) AS v",
                                          "cast(id / 7 AS decimal(5,2)) AS price", "concat('n', id) AS name",
                                          "'x' AS gone").writeTo(name).append()
    for change in ["ALTER COLUMN id TYPE bigint", "ALTER COLUMN v TYPE double", "ALTER COLUMN price TYPE decimal(12,2)",
                   "RENAME COLUMN name TO label", "DROP COLUMN gone", "ADD COLUMN name string",
                   "ADD COLUMN extra int"]:
        spark.sql(f"ALTER TABLE {name} {change}")
    spark.sql(f"INSERT INTO {name} VALUES (5000000000, 1.5, 1234567.89, 'l', 'new name', 7)")
    check(f"SELECT * FROM {name} WHERE id % 50 = 0 OR extra IS NOT NULL")
    check(f"SELECT count(*), sum(id), sum(v), sum(price), max(label), count(name), sum(extra) FROM {name}")

    # Hidden partitioning: the filter on ts prunes days, the one on id buckets.
    name = "ice.db.events"
    spark.sql(f"CREATE TABLE {name} (id bigint, ts timestamp, amount decimal(10,2)) USING iceberg "
              "PARTITIONED BY (days(ts), bucket(4, id))")
    (spark.range(0, 20000, 1, 2)
     .selectExpr("id", "timestamp_seconds(1700000000 + id * 37) AS ts", "cast(id * 1.25 AS decimal(10,2)) AS amount")
     .writeTo(name).append())
    check(f"SELECT date(ts), count(*), sum(amount) FROM {name} WHERE ts >= '2023-11-20' GROUP BY date(ts)")
    check(f"SELECT count(*), sum(amount) FROM {name} WHERE id = 1234")

    # Dynamic partition pruning: the join's filtered side prunes the fact table's partitions at
    # run time (Iceberg's runtime filtering), in the native scan as in Spark's.
    spark.sql("CREATE TABLE ice.db.facts (id bigint, part int, v double) USING iceberg PARTITIONED BY (part)")
    spark.range(0, 40000, 1, 2).selectExpr("id", "cast(id % 20 AS int) AS part", "id * 0.5 AS v") \
        .writeTo("ice.db.facts").append()
    spark.sql("CREATE TABLE ice.db.dims (part int, name string) USING iceberg")
    spark.range(0, 20).selectExpr("cast(id AS int) AS part", "concat('p', id % 4) AS name").writeTo("ice.db.dims").append()
    check("SELECT d.name, count(*), sum(f.v) FROM ice.db.facts f JOIN ice.db.dims d ON f.part = d.part "
          "WHERE d.name = 'p1' GROUP BY d.name")

    # Iceberg's metadata columns stay in Spark, and say so.
    check("SELECT count(DISTINCT _file), count(*) FROM ice.db.events", native=False,
          reason="Iceberg's metadata column _file is not supported")

    # On S3: Iceberg's metadata, data files and delete files all in a bucket.
    server.client().create_bucket(Bucket="iceberg")
    name = "s3ice.db.deleted"
    spark.sql(f"CREATE TABLE {name} (id bigint, k bigint) USING iceberg TBLPROPERTIES ('format-version'='2', "
              f"{MERGE_ON_READ})")
    spark.range(0, 50000, 1, 2).selectExpr("id", "id % 10 AS k").writeTo(name).append()
    spark.sql(f"DELETE FROM {name} WHERE id % 3 = 0")
    if delete_files(name) == 0:
        failures.append(f"the DELETE on {name} left no delete file")
    check(f"SELECT k, count(*), sum(id) FROM {name} GROUP BY k")
    first = spark.sql(f"SELECT snapshot_id FROM {name}.snapshots ORDER BY committed_at").collect()[0][0]
    check(f"SELECT k, count(*), sum(id) FROM {name} VERSION AS OF {first} GROUP BY k")
    spark.stop()
finally:
    server.stop()
    shutil.rmtree(root, ignore_errors=True)

print(f"iceberg: {'ok' if not failures else 'FAILED: ' + '; '.join(failures)}")
sys.exit(1 if failures else 0)
