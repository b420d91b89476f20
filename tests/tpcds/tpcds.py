"""TPC-DS for the correctness suite: data generation, Spark's own query set and the tables'
registration. Answer comparison and the plan walk are TPC-H's (tests/tpch/tpch.py)."""

import os
import re
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "tpch"))

from tpch import cache_root, generated_once  # noqa: E402

SPARK_VERSION = "3.5.9"
TPCGEN_VERSION = "4.0.0"
# Spark's TPC-DS v1.4 queries ship in its spark-sql test jar, under tpcds/.
SPARK_TESTS_JAR = os.path.join(cache_root(), "spark-tests", f"spark-sql_2.12-{SPARK_VERSION}-tests.jar")
TABLES = ["call_center", "catalog_page", "catalog_returns", "catalog_sales", "customer", "customer_address",
          "customer_demographics", "date_dim", "household_demographics", "income_band", "inventory", "item",
          "promotion", "reason", "ship_mode", "store", "store_returns", "store_sales", "time_dim", "warehouse",
          "web_page", "web_returns", "web_sales", "web_site"]
# tpcgen-cli names one column as the TPC-DS specification does; Spark's q30 uses the older name.
RENAMED_COLUMNS = {"customer": {"c_last_review_date_sk": "c_last_review_date"}}


def ensure_data(scale):
    """The TPC-DS tables at `scale` as Parquet, generated once by tpcgen-cli under
    $THERMITE_CACHE/tpcds and reused afterwards."""
    target = os.path.join(cache_root(), "tpcds", f"sf{scale}-tpcgen{TPCGEN_VERSION}")
    return generated_once(target, f"TPC-DS SF{scale}", lambda out: [
        "tpcgen-cli", "tpcds", "parquet", "--scale-factor", str(scale), "--output-dir", out])


def table_path(data_dir, table):
    """tpcgen-cli writes a table as `<table>.parquet`, a file or a folder of parts."""
    return os.path.join(data_dir, f"{table}.parquet")


def register_tables(spark, data_dir):
    for table in TABLES:
        df = spark.read.parquet(table_path(data_dir, table))
        for old, new in RENAMED_COLUMNS.get(table, {}).items():
            df = df.withColumnRenamed(old, new)
        df.createOrReplaceTempView(table)


def _query_number(name):
    m = re.match(r"q(\d+)([ab]?)$", name)
    return int(m.group(1)), m.group(2)


def query_names():
    """The 103 queries of Spark's tpcds/ folder, in numeric order (q14a and q14b after q13)."""
    with zipfile.ZipFile(_tests_jar()) as jar:
        names = [os.path.basename(n)[:-4] for n in jar.namelist()
                 if n.startswith("tpcds/") and n.endswith(".sql")]
    return sorted(names, key=_query_number)


def query_text(name):
    with zipfile.ZipFile(_tests_jar()) as jar:
        return jar.read(f"tpcds/{name}.sql").decode()


def _tests_jar():
    if not os.path.exists(SPARK_TESTS_JAR):
        sys.exit(f"{SPARK_TESTS_JAR} is missing: run `make spark-tests-jar`")
    return SPARK_TESTS_JAR
