package dev.thermite

import org.junit.Assert.assertTrue
import org.junit.Test

/** Each supported expression over the edge-value table, Thermite off vs on. */
class ExpressionSuite extends ThermiteTestBase {
  private lazy val table: String = {
    val path = TestData.write(spark, tempPath("expressions"), n = 400)
    spark.read.parquet(path).createOrReplaceTempView("edge")
    "edge"
  }

  private val projected = Seq("ThermiteScanExec", "ThermiteProjectExec")
  private val filtered = Seq("ThermiteScanExec", "ThermiteFilterExec")

  private def project(exprs: String*): Unit =
    checkSql(s"SELECT id, ${exprs.mkString(", ")} FROM $table", projected)

  private def where(condition: String): Unit =
    checkSql(s"SELECT id FROM $table WHERE $condition", filtered)

  private val integral = Seq("b", "s", "i", "l")
  private val floating = Seq("f", "d")
  private val decimals = Seq("dec5", "dec15", "dec30", "dec38")

  @Test def integralArithmeticWraps(): Unit = {
    for (c <- integral) {
      project(s"$c + $c", s"$c - $c", s"$c * $c", s"$c + cast(1 as ${typeOf(c)})",
        s"$c - cast(1 as ${typeOf(c)})", s"cast(-1 as ${typeOf(c)}) * $c")
    }
    project("i + l", "b * s", "s - i", "l * i")
  }

  @Test def remainderAndDivisionByZero(): Unit = {
    for (c <- integral ++ floating) {
      project(s"$c % $c", s"$c % cast(0 as ${typeOf(c)})", s"$c % cast(-1 as ${typeOf(c)})",
        s"$c % cast(3 as ${typeOf(c)})", s"$c / $c", s"$c / cast(0 as ${typeOf(c)})")
    }
    project("d / 0.0", "d / -0.0", "d % -0.0", "f / cast(-0.0 as float)")
  }

  @Test def floatingPointArithmetic(): Unit = {
    for (c <- floating) project(s"$c + $c", s"$c - $c", s"$c * $c", s"$c * -1", s"$c + cast(0 as ${typeOf(c)})")
    project("f + d", "d * i", "l / d")
  }

  @Test def decimalArithmetic(): Unit = {
    for (c <- decimals) project(s"$c + $c", s"$c - $c", s"$c * $c", s"$c / $c", s"$c % $c", s"$c * 1.5", s"$c / 3")
    project("dec5 + dec15", "dec30 * dec5", "dec38 + dec38", "dec38 * dec38", "dec15 / dec30", "dec5 % dec30",
      "dec30 / 0.0", "dec5 % 0", "dec38 * 10")
  }

  @Test def comparisons(): Unit = {
    for (op <- Seq("=", "<=>", "<", "<=", ">", ">=", "!=")) {
      where(s"d $op cast('NaN' as double)")
      where(s"d $op -0.0d")
      where(s"f $op 0.0f")
      where(s"d $op cast(f as double)")
      where(s"l $op cast(i as bigint)")
      where(s"dec15 $op dec5")
      where(s"str $op 'a'")
      where(s"str $op ''")
      where(s"bin $op X'00'")
      where(s"date $op date'1970-01-01'")
      where(s"ts $op timestamp'1970-01-01 00:00:00'")
      where(s"ntz $op timestamp_ntz'2024-03-10 02:30:00'")
      where(s"bool $op true")
      where(s"b $op s")
    }
    project("d = d", "d < d", "f <=> f", "str <=> str", "dec38 = dec38", "date >= date")
  }

  @Test def threeValuedLogic(): Unit = {
    project("bool and i > 0", "bool or i > 0", "not bool", "bool and null", "bool or null",
      "(i > 0) and (d > 0)", "not (str = 'a')")
    where("bool or i is null")
    where("not (bool and d > 0)")
  }

  @Test def nullTests(): Unit = {
    for (c <- TestData.schema.fieldNames) project(s"$c is null", s"$c is not null")
    where("d is null or f is not null")
  }

  @Test def inLists(): Unit = {
    where("i in (0, 1, -1, null)")
    where("d in (cast('NaN' as double), 0.0d, 1.5d)")
    where("f in (cast(-0.0 as float), 1.5f)")
    where("str in ('a', '', '日本語')")
    where("dec5 in (0.01, -999.99)")
    where("date in (date'1970-01-01', date'9999-12-31')")
    // More than 10 items: Spark plans InSet.
    where(s"l in (${(0 until 40).mkString(", ")}, ${Long.MinValue}L)")
    where(s"str in (${(0 until 30).map(n => s"'v$n'").mkString(", ")}, 'abc')")
    where(s"d in (${(0 until 20).map(n => s"${n}.5d").mkString(", ")}, cast('NaN' as double), -0.0d)")
    project("i in (1, 2, null)", "str not in ('a', 'b')")
  }

  @Test def conditionals(): Unit = {
    project("case when i > 0 then 'pos' when i < 0 then 'neg' end",
      "case when bool then d else d * -1.0d end",
      "case when str = 'a' then dec5 when str = '' then null else dec5 * 2 end",
      "if(bool, i, l)", "if(d > 0, date, null)",
      "coalesce(i, 0)", "coalesce(str, 'none')", "coalesce(null, d, f)", "coalesce(dec5, dec15, dec30)",
      "nvl(ts, timestamp'2000-01-01 00:00:00')")
    where("coalesce(bool, false)")
    where("case when i is null then true else i > 0 end")
  }

  @Test def numericCasts(): Unit = {
    val targets = Seq("tinyint", "smallint", "int", "bigint", "float", "double",
      "decimal(5,2)", "decimal(10,0)", "decimal(20,5)", "decimal(38,10)")
    for (c <- integral ++ floating ++ decimals; t <- targets) {
      val floatToDecimal = floating.contains(c) && t.startsWith("decimal")
      // A cast to the column's own type is optimized away; it leaves nothing to run.
      if (!floatToDecimal && !t.equalsIgnoreCase(typeOf(c))) project(s"cast($c as $t)")
    }
  }

  @Test def literalsOfEveryType(): Unit = {
    project("true", "cast(null as int)", "cast(-1 as tinyint)", "cast(7 as smallint)", "12345678901L",
      "cast(1.5 as float)", "cast('NaN' as double)", "cast('-Infinity' as double)", "-0.0d",
      "123.45", "cast(-1 as decimal(38,0))", "99999999999999999999999999999999999999",
      "'日本語'", "X'00FF'", "date'2024-02-29'", "timestamp'2024-03-10 02:30:00'",
      "timestamp_ntz'1900-01-01 00:00:00'", "cast(null as string)", "cast(null as decimal(20,3))")
  }

  @Test def stringFunctions(): Unit = {
    project("upper(str)", "lower(str)", "length(str)", "concat(str, '-', str)", "concat(str, null)",
      "str like 'a%'", "startswith(str, 'a')", "endswith(str, 'e')", "contains(str, '本')", "contains(str, '')",
      "upper('ß straße')", "length('😀')")
    for (pos <- Seq(-1000, -3, -1, 0, 1, 2, 5, 1000); len <- Seq(-1, 0, 1, 3, 1000)) {
      project(s"substring(str, $pos, $len)")
    }
    project("substr(str, 2)", "substring(concat(str, str), 3, 4)")
    where("startswith(str, 'a') or endswith(str, 'c') or contains(str, 'x')")
  }

  @Test def hashesAreSparksBitForBit(): Unit = {
    for (c <- TestData.schema.fieldNames.filterNot(Set("dec30", "dec38"))) project(s"hash($c)", s"xxhash64($c)")
    project("hash(i, str, d, dec15)", "xxhash64(l, date, ts, bool)", "hash(null)", "hash(b, s, f, bin, ntz)")
    // Decimals wider than 18 digits hash through Spark's BigInteger bytes (1 to 16 of them).
    project("hash(dec30)", "hash(dec38)", "hash(dec38, str, dec30)",
      "hash(cast(id * 982451653 - 200000000000 AS decimal(30, 4)))",
      "hash(cast(l AS decimal(38, 0)) * 1000, -cast(i AS decimal(20, 0)))")
    // xxhash64 of those stays in Spark.
    val df = checkSql(s"SELECT xxhash64(dec38) FROM $table", Seq("ThermiteScanExec"))
    assertTrue(Thermite.explainFallback(df).contains("decimal(38,0)"))
  }

  @Test def absAndIsNaN(): Unit = {
    for (c <- integral ++ floating ++ decimals) project(s"abs($c)")
    project("isnan(d)", "isnan(f)", "isnan(cast(null as double))")
  }

  /** Spark computes these with `StrictMath` (fdlibm): compared bit for bit. */
  @Test def mathFunctions(): Unit = {
    for (c <- Seq("d", "f", "i", "l", "dec15")) {
      project(s"sqrt($c)", s"exp($c)", s"ln($c)", s"log10($c)", s"log2($c)", s"signum($c)", s"pow($c, 2)",
        s"pow(2, $c)", s"pow($c, 0.5)")
    }
    for (c <- Seq("d", "f", "l", "i", "dec5", "dec15", "dec30")) project(s"floor($c)", s"ceil($c)")
    project("ln(0.0d)", "ln(-0.0d)", "log2(8.0d)", "signum(-0.0d)", "pow(d, d)", "pow(-8.0d, 1.0d / 3)")
  }

  @Test def negation(): Unit = {
    for (c <- integral ++ floating ++ decimals) project(s"-$c", s"-(-$c)")
  }

  private def typeOf(c: String): String = TestData.schema(c).dataType.sql

  @Test def scalarSubqueries(): Unit = Seq("true", "false").foreach { aqe =>
    withConf("spark.sql.adaptive.enabled" -> aqe) {
      where(s"l > (SELECT avg(l) FROM $table WHERE id % 3 = 0)")
      where(s"str = (SELECT max(str) FROM $table) OR dec15 < (SELECT min(dec15) + 1 FROM $table)")
      // NULL and empty subqueries.
      where(s"i = (SELECT max(i) FROM $table WHERE id < 0)")
      project(s"i + (SELECT max(i) FROM $table WHERE i < 100)", s"(SELECT max(date) FROM $table)")
      // Spark merges subqueries over one table into one of a struct type and reads its fields:
      // aggregates over no rows, and a subquery of no row (a NULL struct).
      project(s"(SELECT count(*) FROM $table WHERE id % 3 = 0)", s"(SELECT avg(dec15) FROM $table WHERE id % 3 = 0)",
        s"(SELECT max(str) FROM $table WHERE id % 3 = 0)", s"(SELECT min(d) FROM $table WHERE id < 0)",
        s"(SELECT max(d) FROM $table WHERE id < 0)")
      project(s"(SELECT i FROM $table WHERE id = -5)", s"(SELECT l FROM $table WHERE id = -5)")
      // Below a native shuffle, in the map side's plan.
      checkSql(s"SELECT str, count(*) FROM $table WHERE l > (SELECT avg(l) FROM $table) GROUP BY str",
        Seq("ThermiteFilterExec", "ThermiteShuffleExchangeExec"))
    }
  }
}
