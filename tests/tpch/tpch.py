"""TPC-H for the correctness suite and the benchmark: data generation, the 22 queries, answer
comparison and the walk of an executed plan that finds operators left in Spark."""

import math
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
QUERIES_DIR = os.path.join(HERE, "queries")
TABLES = ["region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem"]

# Doubles (none of the 22 answers has one over tpchgen's decimal columns, but a query edited to
# use them must still compare) are equal within this relative tolerance; every other value,
# decimals included, compares exactly.
DOUBLE_RELATIVE_TOLERANCE = 1e-9


def cache_root():
    return os.environ.get("THERMITE_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "thermite"))


def ensure_data(scale, parts=2):
    """The TPC-H tables at `scale` as Parquet, one folder per table of `parts` files, generated
    once by tpchgen-cli under $THERMITE_CACHE/tpch and reused afterwards."""
    target = os.path.join(cache_root(), "tpch", f"sf{scale}-parts{parts}")
    return generated_once(target, f"TPC-H SF{scale}", lambda out: [
        "tpchgen-cli", "parquet", "--scale-factor", str(scale), "--parts", str(parts), "--output-dir", out, "--quiet"])


def generated_once(target, what, command):
    """`target`, made by `command(folder)` (a generator of the Python environment writing into
    the folder) the first time and reused afterwards; a run cut short leaves nothing behind."""
    if os.path.exists(os.path.join(target, "_COMPLETE")):
        return target
    args = command(target + ".partial")
    generator = os.path.join(os.path.dirname(sys.executable), args[0])
    if not os.path.exists(generator):
        sys.exit(f"{generator} is missing: run `make pyenv`")
    staging = target + ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    start = time.time()
    subprocess.run([generator] + args[1:], check=True, stdout=subprocess.DEVNULL)
    open(os.path.join(staging, "_COMPLETE"), "w").close()
    shutil.rmtree(target, ignore_errors=True)
    os.rename(staging, target)
    print(f"generated {what} in {time.time() - start:.1f} s: {target}", flush=True)
    return target


def register_tables(spark, data_dir, table_format="parquet"):
    for table in TABLES:
        spark.read.format(table_format).load(os.path.join(data_dir, table)).createOrReplaceTempView(table)


def query_names():
    return [f"q{n:02d}" for n in range(1, 23)]


def query_text(name):
    with open(os.path.join(QUERIES_DIR, name + ".sql")) as f:
        return f.read()


def is_ordered(sql):
    """Whether the query's answer has an order to compare (its outermost ORDER BY; a TPC-H query
    without one returns a single row)."""
    body = "\n".join(line.split("--")[0] for line in sql.splitlines())
    return "order by" in " ".join(body.lower().split())


def _values_equal(a, b):
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=DOUBLE_RELATIVE_TOLERANCE, abs_tol=0.0) or a == b
    return type(a) is type(b) and a == b


def _sort_key(row):
    return tuple((v is None, str(type(v)), repr(v)) for v in row)


def _rows_differ(e, a):
    return len(e) != len(a) or not all(_values_equal(x, y) for x, y in zip(e, a))


def answer_difference(expected, actual, ordered, order_keys=None, cut=False):
    """None when two answers (lists of tuples) are equal, else a description of the first
    difference. Unordered answers are compared as multisets. Ordered ones row by row, or, when
    `order_keys` gives the positions of the ORDER BY columns, by those columns row by row and as
    multisets within each run of rows that tie on them (a sort may put ties in any order). `cut`:
    a LIMIT ended the answer, so its last run of ties may hold any of the tied rows."""
    if len(expected) != len(actual):
        return f"{len(expected)} rows expected, {len(actual)} returned"
    if not ordered:
        expected, actual = sorted(expected, key=_sort_key), sorted(actual, key=_sort_key)
    elif order_keys:
        key = lambda row: tuple(row[k] for k in order_keys)
        for i, (e, a) in enumerate(zip(expected, actual)):
            if _rows_differ(key(e), key(a)):
                return f"row {i} out of order: expected {e!r}, returned {a!r}"
        start = 0
        for end in range(1, len(expected) + 1):
            if end == len(expected) or _rows_differ(key(expected[end]), key(expected[start])):
                if cut and end == len(expected):
                    break
                difference = answer_difference(expected[start:end], actual[start:end], False)
                if difference:
                    return f"rows {start}-{end - 1} (tied on the order): {difference}"
                start = end
        return None
    for i, (e, a) in enumerate(zip(expected, actual)):
        if _rows_differ(e, a):
            return f"row {i}: expected {e!r}, returned {a!r}"
    return None


def cut_by_limit(sql, rows):
    """Whether the query's outermost LIMIT ended its answer of `rows` rows."""
    body = " ".join("\n".join(line.split("--")[0] for line in sql.splitlines()).lower().split())
    match = re.search(r"limit (\d+)\s*;?\s*$", body)
    return bool(match) and rows == int(match.group(1))


def order_key_positions(df):
    """The output positions of the columns the executed plan's result is sorted by, or None when
    its order is not on output columns alone."""
    plan = df._jdf.queryExecution().executedPlan()
    if plan.nodeName() == "AdaptiveSparkPlan":
        plan = plan.executedPlan()
    output = [a.exprId().id() for a in _seq(plan.output())]
    positions = []
    for order in _seq(plan.outputOrdering()):
        child = order.child()
        if child.getClass().getSimpleName() != "AttributeReference" or child.exprId().id() not in output:
            return None
        positions.append(output.index(child.exprId().id()))
    return positions or None


def collect(df):
    return [tuple(row) for row in df.collect()]


def _seq(scala_seq):
    return [scala_seq.apply(i) for i in range(scala_seq.size())]


# Nodes that only wrap or reference other plans: adaptive execution, its query stages and
# shuffle reads, reused exchanges and subqueries, and whole-stage codegen's InputAdapter (the
# boundary under a generated stage, e.g. between ColumnarToRow and its columnar input). They run
# no operator of their own.
WRAPPERS = {"AdaptiveSparkPlan", "ShuffleQueryStage", "BroadcastQueryStage", "TableCacheQueryStage",
            "AQEShuffleRead", "ReusedExchange", "Subquery", "ReusedSubquery", "InputAdapter"}


def spark_operators(plan, native_prefix="Thermite"):
    """Names of the operators of an executed plan (a py4j SparkPlan) that are not native (not
    named `native_prefix`...), through adaptive plans' final plans, query stages, reused exchanges
    and subqueries. The one ColumnarToRow that turns a result into rows (of the query or of a
    subquery) is expected and not listed."""
    found = []

    def walk(node, is_result_root):
        name = node.nodeName()
        if name == "AdaptiveSparkPlan":
            walk(node.executedPlan(), is_result_root)
            return
        if name in ("ShuffleQueryStage", "BroadcastQueryStage", "TableCacheQueryStage"):
            walk(node.plan(), False)
            return
        if name in ("ReusedExchange", "ReusedSubquery"):
            walk(node.child(), is_result_root)
            return
        if name == "Subquery":
            walk(node.child(), True)
            return
        # The result's transition to rows: Spark's ColumnarToRow or a peer's own (CometColumnarToRow),
        # alone or in its generated stage.
        at_result_root = is_result_root and (
            name.endswith("ColumnarToRow") or (name.startswith("WholeStageCodegen")
                                               and node.child().nodeName().endswith("ColumnarToRow")))
        if not (name.startswith(native_prefix) or name in WRAPPERS or at_result_root):
            found.append(name.split(" (")[0])  # WholeStageCodegen (3) -> WholeStageCodegen
        for child in _seq(node.children()):
            walk(child, at_result_root and name.startswith("WholeStageCodegen"))
        for subquery in _seq(node.subqueries()):
            walk(subquery, True)

    walk(plan, True)
    return found


def executed_plan(df):
    return df._jdf.queryExecution().executedPlan()


def fallback_reasons(spark, df):
    """(operator, reason) pairs from Thermite's fallback reporting."""
    pairs = spark._jvm.dev.thermite.Thermite.fallbackReasons(df._jdf)
    return [(p._1(), p._2()) for p in _seq(pairs)]


# Reasons that only say an operator followed its input into Spark.
CONSEQUENCES = ("is not native", "produces Spark columnar batches")


class QueryCheck:
    """One query run with Thermite off, then on: what differs, and why operators stayed in Spark."""

    def __init__(self, name, rows, seconds, state, problems, causes):
        self.name, self.rows, self.seconds, self.state = name, rows, seconds, state
        self.problems, self.causes = problems, causes

    def summary(self):
        status = "FAILED" if self.problems else "ok"
        lines = [f"{self.name}: {status} ({self.rows} rows, {self.seconds:.1f} s, {self.state})"]
        return "\n".join(lines + [f"  {problem}" for problem in self.problems])


def check_query(spark, name, known_fallbacks):
    """Runs query `name` with Thermite off, then on: answers must be equal, and the plan native
    throughout unless `known_fallbacks` lists the query (which must then still fall back)."""
    sql = query_text(name)
    start = time.time()
    spark.conf.set("spark.thermite.enabled", "false")
    expected_df = spark.sql(sql)
    expected = collect(expected_df)
    spark.conf.set("spark.thermite.enabled", "true")
    df = spark.sql(sql)
    actual = collect(df)

    problems = []
    if expected_df.schema != df.schema:
        problems.append(f"schema {df.schema.simpleString()} differs from Spark's {expected_df.schema.simpleString()}")
    difference = answer_difference(expected, actual, is_ordered(sql), order_key_positions(expected_df),
                                   cut_by_limit(sql, len(expected)))
    if difference:
        problems.append(f"answers differ: {difference}")
    in_spark = spark_operators(executed_plan(df))
    reasons = sorted({f"{op}: {why}" for op, why in fallback_reasons(spark, df)})
    causes = []
    if name in known_fallbacks:
        if not in_spark:
            problems.append("now runs natively: remove it from KNOWN_FALLBACKS")
        causes = [r for r in reasons if not any(consequence in r for consequence in CONSEQUENCES)]
        state = "known fallback: " + ", ".join(sorted({cause.split(":")[0] for cause in causes}))
    else:
        if in_spark:
            problems.append(f"operators left in Spark: {sorted(set(in_spark))}; Thermite says:\n    "
                            + "\n    ".join(reasons))
        state = "not native" if in_spark else "native"
    return QueryCheck(name, len(actual), time.time() - start, state, problems, causes)
