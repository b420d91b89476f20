package dev.thermite

import scala.util.Random

import org.apache.spark.sql.catalyst.plans.logical.{Filter, Project}
import org.apache.spark.sql.execution.datasources.LogicalRelation
import org.apache.spark.sql.types._
import org.junit.Test

/**
 * Random expression trees over awkward values, Thermite off vs on. The seed is fixed so a failure
 * reproduces; set -Dthermite.seed=N to explore other trees.
 */
class RandomizedExpressionSuite extends ThermiteTestBase with BitExact {
  private val seed = sys.props.getOrElse("thermite.seed", "20261124").toLong
  private val queries = sys.props.getOrElse("thermite.randomQueries", "40").toInt

  /** Two columns per type, so comparisons and arithmetic meet different awkward values. */
  private val types: Seq[(String, DataType)] = Seq(
    "int" -> IntegerType, "bigint" -> LongType, "smallint" -> ShortType, "double" -> DoubleType,
    "float" -> FloatType, "decimal(10,2)" -> DecimalType(10, 2), "decimal(38,6)" -> DecimalType(38, 6),
    "decimal(16,0)" -> DecimalType(16, 0), "decimal(16,2)" -> DecimalType(16, 2))

  private val awkward: Map[String, Seq[String]] = Map(
    "int" -> Seq("0", "1", "-1", "2147483647", "-2147483648", "7", "null"),
    "bigint" -> Seq("0", "1", "-1", "9223372036854775807", "-9223372036854775808", "1099511627776", "null"),
    "smallint" -> Seq("0", "1", "-1", "32767", "-32768", "300", "null"),
    // Besides the special values: exp near its overflow and underflow thresholds and where its last
    // bit is hard (e^42.7), logarithms near 1, a subnormal, halves for pow's integer cases.
    "double" -> Seq("0.0", "-0.0", "'NaN'", "'Infinity'", "'-Infinity'", "1.5", "-2.25", "1e308", "4.9e-324", "null",
      "42.699", "709.78", "-745.13", "0.9999999", "1.0000001", "2.5e-310", "-0.5", "3.0", "1e-8", "123456.789"),
    "float" -> Seq("0.0", "-0.0", "'NaN'", "'Infinity'", "1.5", "-3.4028235e38", "0.1", "null"),
    "decimal(10,2)" -> Seq("0", "0.01", "-0.01", "99999999.99", "-99999999.99", "12.5", "null"),
    "decimal(38,6)" -> Seq("0", "0.000001", "-1", "99999999999999999999999999999999.999999", "3.141593", "null"),
    "decimal(16,0)" -> Seq("0", "1", "-1", "9999999999999999", "-9999999999999999", "4503599627370497", "null"),
    "decimal(16,2)" -> Seq("0", "0.5", "-0.5", "99999999999999.99", "-99999999999999.99", "90071992547409.93",
      "0.01", "null"))

  private lazy val table: String = {
    val rnd = new Random(seed)
    val rows = 300
    val cols = types.flatMap { case (t, _) =>
      val name = t.replaceAll("\\W", "_")
      Seq("a", "b").map { side =>
        val values = (0 until rows).map(_ => s"cast(${pick(rnd, awkward(t))} as $t)")
        s"$side$name" -> values
      }
    }
    val selects = (0 until rows).map { r =>
      (s"$r as id" +: cols.map { case (name, values) => s"${values(r)} as $name" }).mkString("select ", ", ", "")
    }
    val path = tempPath("random")
    spark.sql(selects.mkString(" union all ")).repartition(2).write.parquet(path)
    spark.read.parquet(path).createOrReplaceTempView("rnd")
    "rnd"
  }

  private def pick[T](rnd: Random, xs: Seq[T]): T = xs(rnd.nextInt(xs.size))

  private def column(rnd: Random, t: String): String = s"${pick(rnd, Seq("a", "b"))}${t.replaceAll("\\W", "_")}"

  private def literal(rnd: Random, t: String): String = s"cast(${pick(rnd, awkward(t))} as $t)"

  /** A random expression of SQL type `t`. */
  private def numeric(rnd: Random, t: String, depth: Int): String = {
    if (depth <= 0) return if (rnd.nextInt(4) == 0) literal(rnd, t) else column(rnd, t)
    val sub = () => numeric(rnd, t, depth - 1)
    rnd.nextInt(11) match {
      case 8 => s"(-${sub()})"
      case 0 | 1 =>
        val op = pick(rnd, Seq("+", "-", "*", "%") ++ (if (t == "double" || t == "float") Seq("/") else Nil))
        // Decimal results widen; cast back so the tree keeps its type.
        if (t.startsWith("decimal")) s"cast((${sub()} $op ${sub()}) as $t)" else s"(${sub()} $op ${sub()})"
      case 2 => s"(case when ${predicate(rnd, depth - 1)} then ${sub()} else ${sub()} end)"
      case 3 => s"coalesce(${sub()}, ${sub()})"
      case 4 => s"if(${predicate(rnd, depth - 1)}, ${sub()}, ${sub()})"
      case 5 =>
        s"cast(${numeric(rnd, pick(rnd, types.map(_._1)), depth - 1)} as $t)"
      case 6 => s"${pick(rnd, Seq("greatest", "least"))}(${sub()}, ${sub()})"
      case 10 if Seq("int", "bigint", "smallint").contains(t) =>
        if (t != "smallint" && rnd.nextBoolean()) {
          val shift = pick(rnd, Seq("shiftleft", "shiftright", "shiftrightunsigned"))
          s"$shift(${sub()}, cast(${numeric(rnd, "int", depth - 1)} as int))"
        } else {
          s"(${sub()} ${pick(rnd, Seq("&", "|", "^"))} ${sub()})"
        }
      case 9 => lastBitMath(rnd, t, depth)
      case 7 =>
        // pmod by zero, of negative values; rounding at ties, to negative scales.
        if (t == "double" || t == "float" || (t.startsWith("decimal") && rnd.nextBoolean())) {
          s"cast(${pick(rnd, Seq("round", "bround"))}(${sub()}, ${rnd.nextInt(6) - 2}) as $t)"
        } else {
          s"cast(pmod(${sub()}, ${sub()}) as $t)"
        }
      case _ => if (rnd.nextBoolean()) column(rnd, t) else literal(rnd, t)
    }
  }

  /**
   * Math whose last bit matters, of type `t`: Spark's StrictMath functions of doubles, and ceil,
   * floor and round of decimal arithmetic (of scale 0 too), each cast back to `t` (a double to a
   * long or a decimal, a decimal to a double: the casts that expose a last-bit difference).
   */
  private def lastBitMath(rnd: Random, t: String, depth: Int): String = {
    val double = () => numeric(rnd, "double", depth - 1)
    val decimal = () => numeric(rnd, pick(rnd, Seq("decimal(10,2)", "decimal(16,0)", "decimal(16,2)")), depth - 1)
    val e = rnd.nextInt(3) match {
      case 0 =>
        val f = pick(rnd, Seq("exp", "ln", "log10", "log2", "log1p", "cbrt", "sqrt", "asinh", "acosh", "atanh",
          "expm1", "sinh", "cosh", "tanh", "asin", "acos", "atan"))
        s"$f(${double()})"
      case 1 => s"${pick(rnd, Seq("pow", "log", "atan2", "hypot"))}(${double()}, ${double()})"
      case _ =>
        val inner = s"(${decimal()} ${pick(rnd, Seq("+", "-", "*"))} ${decimal()})"
        pick(rnd, Seq(s"ceil(ceil($inner))", s"floor($inner)", s"ceil(floor($inner))",
          s"round($inner, ${rnd.nextInt(5) - 2})", s"bround(ceil($inner), -1)"))
    }
    s"cast($e as $t)"
  }

  /** A random boolean expression. */
  private def predicate(rnd: Random, depth: Int): String = {
    val t = pick(rnd, types.map(_._1))
    val operand = () => numeric(rnd, t, math.max(depth - 1, 0))
    rnd.nextInt(if (depth <= 0) 3 else 7) match {
      case 0 => s"(${operand()} ${pick(rnd, Seq("=", "<=>", "<", "<=", ">", ">=", "!="))} ${operand()})"
      case 1 => s"(${operand()} is ${pick(rnd, Seq("", "not "))}null)"
      case 2 =>
        val n = pick(rnd, Seq(2, 3, 12))
        s"(${operand()} ${pick(rnd, Seq("in", "not in"))} (${(0 until n).map(_ => literal(rnd, t)).mkString(", ")}))"
      case 3 => s"(${predicate(rnd, depth - 1)} and ${predicate(rnd, depth - 1)})"
      case 4 => s"(${predicate(rnd, depth - 1)} or ${predicate(rnd, depth - 1)})"
      case 5 => s"(not ${predicate(rnd, depth - 1)})"
      case _ => s"coalesce(${predicate(rnd, depth - 1)}, ${pick(rnd, Seq("true", "false", "null"))})"
    }
  }

  /**
   * The optimizer may fold a random tree to a constant, removing the operator it sat in (or the
   * whole scan): only the operators that remain are required to be native.
   */
  private def unlessFolded(sql: String, nodes: Seq[String]): Seq[String] = {
    val plan = spark.sql(sql).queryExecution.optimizedPlan
    val remains = Map(
      "ThermiteScanExec" -> plan.collectFirst { case r: LogicalRelation => r }.isDefined,
      "ThermiteFilterExec" -> plan.collectFirst { case f: Filter => f }.isDefined,
      "ThermiteProjectExec" -> plan.collectFirst { case p: Project => p }.isDefined)
    nodes.filter(remains)
  }

  @Test def randomProjections(): Unit = {
    val rnd = new Random(seed)
    val view = table
    for (q <- 0 until queries) {
      val exprs = (0 until 6).map { k =>
        val t = pick(rnd, types.map(_._1))
        s"${numeric(rnd, t, 1 + rnd.nextInt(3))} as e$k"
      } :+ s"${predicate(rnd, 2)} as p"
      val sql = s"select id, ${exprs.mkString(", ")} from $view"
      try checkBits(sql, unlessFolded(sql, Seq("ThermiteScanExec", "ThermiteProjectExec")))
      catch { case e: Throwable => throw new AssertionError(s"seed $seed query $q: $sql", e) }
    }
  }

  /**
   * Random trees of arrays and structs built from random numeric trees, taken apart again
   * (elements at any index, struct fields, sizes, searches) or returned whole (NaN and -0.0
   * inside compared exactly).
   */
  private def nested(rnd: Random, depth: Int): String = {
    val t = pick(rnd, types.map(_._1))
    val values = () => (0 until 1 + rnd.nextInt(4)).map(_ => numeric(rnd, t, depth))
    val array = () => s"array(${values().mkString(", ")})"
    rnd.nextInt(7) match {
      case 0 => s"${array()}[${pick(rnd, Seq("0", "1", "3", "-1", "abs(aint % 4)", "aint"))}]"
      case 1 => s"element_at(${array()}, ${pick(rnd, Seq("1", "2", "-1", "-3", "5"))})"
      case 2 => s"size(${pick(rnd, Seq(array(), s"if(${predicate(rnd, 1)}, ${array()}, null)"))})"
      case 3 if t != "double" && t != "float" => s"array_contains(${array()}, ${numeric(rnd, t, depth)})"
      case 4 => s"named_struct('x', ${numeric(rnd, t, depth)}, 'y', ${array()})${pick(rnd, Seq(".x", ".y", ".y[1]", ""))}"
      case 5 => s"if(${predicate(rnd, 1)}, ${array()}, null)"
      case _ => array()
    }
  }

  @Test def randomNestedValues(): Unit = {
    val rnd = new Random(seed + 3)
    val view = table
    for (q <- 0 until queries) {
      val exprs = (0 until 4).map(k => s"${nested(rnd, 1 + rnd.nextInt(2))} as n$k")
      val sql = s"select id, ${exprs.mkString(", ")} from $view"
      try checkSql(sql, unlessFolded(sql, Seq("ThermiteScanExec", "ThermiteProjectExec")))
      catch { case e: Throwable => throw new AssertionError(s"seed $seed query $q: $sql", e) }
    }
  }

  @Test def randomFilters(): Unit = {
    val rnd = new Random(seed + 1)
    val view = table
    for (q <- 0 until queries) {
      val sql = s"select id from $view where ${predicate(rnd, 3)}"
      try checkSql(sql, unlessFolded(sql, Seq("ThermiteScanExec", "ThermiteFilterExec")))
      catch { case e: Throwable => throw new AssertionError(s"seed $seed query $q: $sql", e) }
    }
  }

  /**
   * Random window specifications over the awkward columns. Ordered by keys full of ties (NULL,
   * NaN, -0.0 with 0.0): the functions whose result depends only on the peer groups; ordered
   * by a key then `id` (every row in one place): any function, any frame from the partition's start.
   */
  @Test def randomWindows(): Unit = {
    val rnd = new Random(seed + 3)
    val view = table
    val keyTypes = types.map(_._1)
    // Sums of these are exact in any order; decimal(38,6) sums stay in Spark (a reason of their own).
    val exact = Seq("int", "bigint", "smallint", "decimal(10,2)", "decimal(16,0)", "decimal(16,2)")
    val summable = keyTypes.filterNot(_ == "decimal(38,6)")
    for (q <- 0 until queries / 2) {
      val windows = (0 until 4).map { k =>
        val partition = if (rnd.nextInt(4) == 0) "" else s"PARTITION BY ${column(rnd, pick(rnd, keyTypes))}"
        val key = column(rnd, pick(rnd, keyTypes)) + pick(rnd, Seq("", " DESC", " NULLS LAST", " DESC NULLS FIRST"))
        val unique = rnd.nextBoolean()
        val (function, frames) = if (unique) {
          val arg = column(rnd, pick(rnd, summable))
          val anyFrame = Seq("", " ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW",
            " RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING")
          pick(rnd, Seq("row_number()" -> Seq(""), s"lag($arg, ${rnd.nextInt(5) - 2})" -> Seq(""),
            s"lead($arg, ${1 + rnd.nextInt(3)}, null)" -> Seq(""), s"ntile(${1 + rnd.nextInt(7)})" -> Seq(""),
            s"sum($arg)" -> anyFrame, s"avg($arg)" -> anyFrame, s"first($arg)" -> anyFrame,
            s"last($arg, true)" -> anyFrame, s"min($arg)" -> anyFrame, s"max($arg)" -> anyFrame))
        } else {
          val arg = column(rnd, pick(rnd, exact))
          val peerFrames = Seq("", " RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING")
          pick(rnd, Seq("rank()" -> Seq(""), "dense_rank()" -> Seq(""), "percent_rank()" -> Seq(""),
            "cume_dist()" -> Seq(""), s"count($arg)" -> peerFrames, s"min(${column(rnd, pick(rnd, keyTypes))})" -> peerFrames,
            s"max(${column(rnd, pick(rnd, keyTypes))})" -> peerFrames, s"sum($arg)" -> peerFrames))
        }
        val order = if (unique) s"ORDER BY $key, id" else s"ORDER BY $key"
        s"$function OVER ($partition $order${pick(rnd, frames)}) AS w$k"
      }
      val sql = s"select id, ${windows.mkString(", ")} from $view"
      try checkSql(sql, Seq("ThermiteScanExec", "ThermiteWindowExec"))
      catch { case e: Throwable => throw new AssertionError(s"seed $seed query $q: $sql", e) }
    }
  }

  /**
   * Random grouped and global aggregates of random expressions: decimal sums that overflow in some
   * groups only, averages at rounding boundaries, a distinct aggregate beside the others, inputs
   * filtered to nothing (in Spark or natively). Floating point
   * sums are left out: over 1e308 and infinities their value depends on the order of addition.
   */
  @Test def randomAggregates(): Unit = {
    val rnd = new Random(seed + 2)
    val view = table
    val exact = Seq("int", "bigint", "smallint", "decimal(10,2)", "decimal(38,6)")
    for (q <- 0 until queries / 2) {
      val key = numeric(rnd, pick(rnd, Seq("int", "smallint", "decimal(10,2)")), rnd.nextInt(2))
      val withDistinct = rnd.nextBoolean()
      // Beside a distinct aggregate, buffers meet in hash table order: first/last would then
      // depend on each engine's hash table.
      val functions = Seq("sum", "avg", "min", "max", "count") ++ (if (withDistinct) Nil else Seq("first", "last"))
      val aggregates = (0 until 4).map { k =>
        val t = pick(rnd, exact)
        // FILTER clauses (NULL predicates among them) beside a distinct aggregate make Spark
        // rewrite the aggregate into one it keeps (first over a sort): without distinct only.
        val filter = if (!withDistinct && rnd.nextInt(3) == 0) s" filter (where ${predicate(rnd, 2)})" else ""
        s"${pick(rnd, functions)}(${numeric(rnd, t, rnd.nextInt(3))})$filter as a$k"
      }
      val distinct = if (withDistinct) Seq(s"count(distinct ${column(rnd, pick(rnd, exact))}) as d") else Nil
      // Some over no rows at all: a filter left in Spark (RLIKE) or a native one removes them all.
      val where = rnd.nextInt(4) match {
        case 0 => s" where cast(id as string) rlike '^never$$'"
        case 1 => " where id < 0"
        case 2 => s" where ${predicate(rnd, 2)}"
        case _ => ""
      }
      val global = rnd.nextInt(3) == 0
      val selected = (aggregates ++ distinct).mkString(", ")
      val sql = if (global) s"select $selected from $view$where" else s"select $key as k, $selected from $view$where group by 1"
      // first/last depend on row order: one partition per stage keeps it the same for both engines.
      try withConf("spark.sql.shuffle.partitions" -> "1") { checkSql(sql, Seq("ThermiteHashAggregateExec")) }
      catch { case e: Throwable => throw new AssertionError(s"seed $seed query $q: $sql", e) }
    }
  }
}

