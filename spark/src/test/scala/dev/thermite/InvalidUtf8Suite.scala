package dev.thermite

import org.apache.spark.sql.DataFrame
import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.types.{DataType, StringType, StructType}
import org.junit.Assert.{assertEquals, assertTrue, fail}
import org.junit.Test

/**
 * Strings that are not valid UTF-8, which Spark stores and returns as they are: read from
 * Parquet, through every native string function, as keys, through native shuffles and sorts, and
 * from a Spark operator. Answers are compared as bytes (a collected `String` would turn every
 * invalid sequence into U+FFFD and hide differences).
 */
class InvalidUtf8Suite extends ThermiteTestBase {
  /** Hex of each string: invalid sequences mixed with valid multi-byte text. */
  private val whole = Seq(
    "FF61", "61FF62", "80", "618062", "C080", "E080AF", "EDA080", "EDB08061", "F4908080", "F8", "FE", "FFFE",
    "C3A9FF", "E697A5E69CAC", "68C3A96C6C6F", "", "20FF20", "E2826120", "C361", "F09F9880", "61F09F98E282",
    "2031FF", "31", "74727565", "61", "6161", "FF", "FF")
  /** Strings whose last character is cut short: Spark reads past their end in a few functions. */
  private val truncated = Seq("E282", "61E282", "C3", "61C3", "F09F98")

  private def table(name: String, hexes: Seq[String]): String = {
    val rows = (hexes.map(h => s"'$h'") :+ "NULL").zipWithIndex.map { case (h, i) => s"($i, $h)" }.mkString(", ")
    val path = tempPath(name)
    withConf(ThermiteConf.Enabled -> "false") {
      spark.sql(s"SELECT id, CAST(unhex(h) AS STRING) AS s, h FROM VALUES $rows AS t(id, h)")
        .repartition(2).write.parquet(path)
    }
    spark.read.parquet(path).createOrReplaceTempView(name)
    name
  }

  private lazy val bad: String = table("bad", whole ++ truncated)
  private lazy val badWhole: String = table("bad_whole", whole)

  private val projected = Seq("ThermiteScanExec", "ThermiteProjectExec")

  /** A row as text, strings as their bytes in hex. */
  private def raw(row: InternalRow, schema: StructType): String = schema.fields.indices.map { i =>
    if (row.isNullAt(i)) "null"
    else schema(i).dataType match {
      case StringType => row.getUTF8String(i).getBytes.map("%02x".format(_)).mkString("'", "", "'")
      case t: DataType => String.valueOf(row.get(i, t))
    }
  }.mkString("[", ", ", "]")

  private def rawRows(df: DataFrame): Seq[String] =
    df.queryExecution.executedPlan.executeCollect().map(raw(_, df.schema)).toSeq

  /** Thermite off vs on, equal rows byte for byte (in order if `ordered`), `nativeNodes` present. */
  private def checkBytes(sql: String, nativeNodes: Seq[String], ordered: Boolean = false): DataFrame = {
    val expected = withConf(ThermiteConf.Enabled -> "false") { rawRows(spark.sql(sql)) }
    val df = spark.sql(sql)
    val actual = rawRows(df)
    val present = nativeNodeNames(df)
    nativeNodes.foreach { n =>
      if (!present.contains(n)) {
        fail(s"expected $n in the plan, got:\n${df.queryExecution.executedPlan}\n${Thermite.explainFallback(df)}")
      }
    }
    if (ordered) assertEquals(expected.mkString("\n"), actual.mkString("\n"))
    else assertEquals(expected.sorted.mkString("\n"), actual.sorted.mkString("\n"))
    df
  }

  private def project(table: String, exprs: String*): Unit =
    checkBytes(s"SELECT id, ${exprs.mkString(", ")} FROM $table", projected)

  @Test def scanReadsTheBytes(): Unit = {
    checkBytes(s"SELECT id, s, h FROM $bad", Seq("ThermiteScanExec"))
    val df = checkBytes(s"SELECT id, s FROM $bad WHERE h = 'FF61' OR s IS NULL OR length(s) = 3",
      Seq("ThermiteScanExec", "ThermiteFilterExec"))
    assertTrue(df.count() > 2)
  }

  @Test def functionsOfEveryString(): Unit = {
    project(bad, "length(s)", "upper(s)", "lower(s)", "concat(s, 'x', s)", "concat_ws('|', s, h, s)", "trim(s)",
      "ltrim(s)", "rtrim(s)", "instr(s, 'a')", "instr(s, 'é')", "locate('b', s, 2)", "startswith(s, 'a')",
      "endswith(s, 'a')", "contains(s, ' ')", "replace(s, 'a', 'é')", "replace(s, ' ', '')",
      "translate(s, 'aé', 'bx')", "s like '%a_'", "s like '_'", "s like '%'", "ascii(s)", "md5(s)", "crc32(s)",
      "hex(s)", "substring_index(s, 'a', 1)", "substring_index(s, 'a', -1)", "levenshtein(s, 'aé')", "soundex(s)")
    project(bad, "s = 'a'", "s < 'a'", "s >= 'é'", "s IN ('a', 'aa', 'é')", "hash(s)", "xxhash64(s)", "hash(s, h)",
      "CAST(s AS INT)", "CAST(s AS BIGINT)", "CAST(s AS DOUBLE)", "CAST(s AS FLOAT)", "CAST(s AS BOOLEAN)",
      "CAST(s AS DATE)", "coalesce(s, h)", "CASE WHEN id > 5 THEN s ELSE h END")
  }

  @Test def functionsThatReadWholeCharacters(): Unit = {
    project(badWhole, "substring(s, 2)", "substring(s, 1, 2)", "substring(s, -2, 1)", "reverse(s)",
      "trim(BOTH 'a' FROM s)", "ltrim(s, 'é ')", "rtrim(s, 'ab')", "btrim(s, ' ')", "lpad(s, 5, 'é')",
      "rpad(s, 4, 'xy')", "lpad(s, 1, 'x')", "rpad(s, 2, s)")
  }

  @Test def groupedSortedAndShuffled(): Unit = {
    checkBytes(s"SELECT s, count(*), min(h), max(s) FROM $bad GROUP BY s",
      Seq("ThermiteHashAggregateExec", "ThermiteShuffleExchangeExec"))
    checkBytes(s"SELECT h, min(s), max(s) FROM $bad GROUP BY h", Seq("ThermiteHashAggregateExec"))
    checkBytes(s"SELECT s, id FROM $bad ORDER BY s, id", Seq("ThermiteSortExec", "ThermiteShuffleExchangeExec"),
      ordered = true)
    checkBytes(s"SELECT s, id FROM $bad ORDER BY s DESC, id LIMIT 7", Seq("ThermiteScanExec"), ordered = true)
  }

  @Test def joinedOnInvalidKeys(): Unit = {
    withConf("spark.sql.autoBroadcastJoinThreshold" -> "-1") {
      checkBytes(s"SELECT a.id, b.id, a.s FROM $bad a JOIN $bad b ON a.s = b.s",
        Seq("ThermiteSortMergeJoinExec"))
      checkBytes(s"SELECT /*+ SHUFFLE_HASH(b) */ a.id, b.s FROM $bad a LEFT JOIN $badWhole b ON a.s = b.s",
        Seq("ThermiteShuffledHashJoinExec"))
    }
    checkBytes(s"SELECT a.id, b.id FROM $bad a JOIN (SELECT * FROM $badWhole WHERE id < 10) b ON a.s = b.s",
      Seq("ThermiteBroadcastHashJoinExec"))
  }

  @Test def stringsFromASparkOperator(): Unit = {
    // A local relation stays in Spark: its strings reach native operators as Arrow batches from the JVM.
    val hexes = (whole ++ truncated).map(h => s"('$h')").mkString(", ")
    val fromSpark = s"(SELECT CAST(unhex(h) AS STRING) AS s, h FROM VALUES $hexes AS v(h))"
    checkBytes(s"SELECT s, count(*), max(h) FROM $fromSpark GROUP BY s", Seq("ThermiteHashAggregateExec"))
    checkBytes(s"SELECT s, h FROM $fromSpark ORDER BY s, h", Seq("ThermiteSortExec"), ordered = true)
    checkBytes(s"SELECT t.id, f.h FROM $bad t JOIN $fromSpark f ON t.s = f.s", Seq("ThermiteScanExec"))
  }

  @Test def invalidLiteralsStayInSpark(): Unit = {
    val df = checkBytes(s"SELECT id, concat(s, CAST(unhex('FF') AS STRING)) FROM $bad", Seq("ThermiteScanExec"))
    assertTrue(Thermite.explainFallback(df).contains("not valid UTF-8"))
  }
}
