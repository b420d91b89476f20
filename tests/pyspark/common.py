"""Shared helpers for the PySpark tests and the demo: find the jar, build sessions on loopback."""

import glob
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLUGIN = "dev.thermite.ThermitePlugin"

# Spark in tests stays on loopback.
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


def plugin_jar():
    """The one plugin jar `make jar` builds."""
    jars = [j for j in glob.glob(os.path.join(REPO, "spark", "target", "thermite-*.jar"))
            if not j.endswith(("-sources.jar", "-tests.jar"))]
    if len(jars) != 1:
        sys.exit(f"expected one plugin jar under spark/target, found {jars}: run `make jar`")
    return jars[0]


def fetched_jars(name, what):
    """The jars `make NAME` fetched from Maven Central into the cache (or $THERMITE_<NAME>), `what`
    naming them."""
    cache = os.environ.get("THERMITE_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "thermite"))
    folder = os.environ.get("THERMITE_" + name.upper().replace("-", "_"), os.path.join(cache, name))
    jars = sorted(glob.glob(os.path.join(folder, "*.jar")))
    if len(jars) != len(what):
        sys.exit(f"expected {' and '.join(what)} in {folder}: run `make {name}`")
    return jars


def spark_home():
    """The PySpark package's folder is a complete Spark runtime."""
    import pyspark
    return os.path.dirname(pyspark.__file__)


def session(master="local[2]", app="thermite", plugin=True, conf=None):
    """A SparkSession configured the way a user would: the jar and `spark.plugins`, nothing else."""
    from pyspark.sql import SparkSession
    builder = (SparkSession.builder.master(master).appName(app)
               .config("spark.driver.host", "127.0.0.1")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.ui.enabled", "false")
               .config("spark.jars", plugin_jar())
               # Tests only: native metrics that do not match the plan's nodes fail the query.
               .config("spark.thermite.strictContracts", "true"))
    if plugin:
        builder = builder.config("spark.plugins", PLUGIN)
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


def executed_plan(df):
    """The executed physical plan as text (after the query ran, for adaptive plans)."""
    return df._jdf.queryExecution().executedPlan().toString()


def fallback_reasons(spark, df):
    """Why operators stayed in Spark, one line each (Thermite's user-facing API)."""
    return spark._jvm.dev.thermite.Thermite.explainFallback(df._jdf)
