package dev.thermite

import scala.collection.JavaConverters._

import org.apache.spark.sql.Row
import org.apache.spark.sql.types._
import org.junit.Assert.assertTrue
import org.junit.Test

/** String functions over awkward strings, Thermite off vs on. */
class StringExpressionSuite extends ThermiteTestBase {
  private lazy val words: String = {
    val strings = Seq[String]("", " ", "  a b  ", "abc", "aXb", "a_b", "a%b", "50%", "xxa😀byy", "héllo wörld",
      "日本語", "tab\tx", "a\nb", "nul\u0000", "ab!%b", null, "aaa", "ababab", "xyxzy", "a\\b", "ǆemo ŉ")
    val ints = Seq[Any](-1, 0, 1, 2, 5, 100, null, Int.MinValue + 100)
    val patterns = Seq[String]("a", "", "b", "😀", null, "xy", "é")
    val rows = strings.indices.flatMap { i =>
      Seq(0, 1).map(k => Row(i * 2 + k, strings(i), ints((i + k) % ints.size), patterns((i + 3 * k) % patterns.size)))
    }
    val schema = StructType(Seq(StructField("id", IntegerType, nullable = false), StructField("s", StringType),
      StructField("n", IntegerType), StructField("p", StringType)))
    val path = tempPath("words")
    spark.createDataFrame(rows.asJava, schema).repartition(2).write.parquet(path)
    spark.read.parquet(path).createOrReplaceTempView("words")
    "words"
  }

  private lazy val edge: String = {
    val path = TestData.write(spark, tempPath("string-edge"), n = 200)
    spark.read.parquet(path).createOrReplaceTempView("string_edge")
    "string_edge"
  }

  private val projected = Seq("ThermiteScanExec", "ThermiteProjectExec")

  private def project(exprs: String*): Unit =
    checkSql(s"SELECT id, ${exprs.mkString(", ")} FROM $words", projected)

  @Test def edgeValues(): Unit = {
    checkSql(s"SELECT id, str like '%a_b%', str like '_', concat_ws('|', str, str), trim(str), rtrim(str, 'x'), " +
      s"replace(str, 'x', 'yz'), lpad(str, b, '-'), rpad(str, 3, 'ab'), instr(str, 'e'), locate('x', str, i), " +
      s"reverse(str), translate(str, 'ax', 'b') FROM $edge", projected)
  }

  @Test def digestsAndHex(): Unit = {
    project("md5(s)", "sha1(s)", "sha2(s, 0)", "sha2(s, 224)", "sha2(s, 256)", "sha2(s, 384)", "sha2(s, 512)",
      "sha2(s, 1)", "sha2(s, cast(null as int))", "crc32(s)", "hex(s)", "hex(n)", "hex(-n)", "hex(cast(s as binary))",
      "unhex(s)", "unhex(hex(s))", "unhex(p)", "unhex('1aF')", "unhex('0g')", "md5(unhex(hex(p)))")
    checkSql(s"SELECT id, md5(bin), sha1(bin), crc32(bin), hex(bin), hex(l), hex(b), hex(str), sha2(str, 256) " +
      s"FROM $edge", projected)
  }

  @Test def codesAndDelimitedParts(): Unit = {
    project("ascii(s)", "ascii(p)", "chr(n)", "chr(n + 256)", "chr(-n)", "chr(0)", "chr(233)",
      "substring_index(s, 'a', 1)", "substring_index(s, 'a', -1)", "substring_index(s, 'ab', 2)",
      "substring_index(s, 'ab', -2)", "substring_index(s, p, n)", "substring_index(s, '', 1)", "substring_index(s, 'b', 0)",
      "substring_index(s, '😀', -1)", "substring_index(s, ' ', 100)", "levenshtein(s, p)", "levenshtein(s, 'abc')",
      "levenshtein('', s)", "soundex(s)", "soundex(p)", "soundex('Ashcraft')", "soundex(concat('Tym', s))")
    checkSql(s"SELECT id, ascii(str), chr(l), chr(i), substring_index(str, 'e', b) FROM $edge", projected)
  }

  @Test def like(): Unit = {
    // Patterns Spark's optimizer does not rewrite into StartsWith/EndsWith/Contains.
    project("s like '%a_b%'", "s like '_'", "s like '___'", "s like '%\\\\%%'", "s like '%\\%%'",
      "s like '%a!%b' escape '!'", "s like '!_%' escape '!'", "s like 'a%b%'", "s like '%é%ö%'", "s like '_%_'",
      "s not like '%😀_'", "s like '%\\\\\\\\%'", "s like '%\t%'", "s like 'a_\nb'", "s like cast(null as string)")
    checkSql(s"SELECT id FROM $words WHERE s like '%a_b%' or s like '_'", Seq("ThermiteScanExec", "ThermiteFilterExec"))
    val df = checkSql(s"SELECT id, s like p FROM $words")
    assertTrue(Thermite.explainFallback(df).contains("not a literal"))
  }

  @Test def concatWs(): Unit = {
    project("concat_ws(',', s, null, s)", "concat_ws('', s, p)", "concat_ws(p, s, 'x', s)", "concat_ws('-')",
      "concat_ws('😀', s)", "concat_ws(cast(null as string), s)")
  }

  @Test def trims(): Unit = {
    project("trim(s)", "ltrim(s)", "rtrim(s)", "trim(BOTH 'ab' FROM s)", "trim(LEADING 'xy' FROM s)",
      "trim(TRAILING 'b😀y' FROM s)", "btrim(s, 'a ')", "trim(BOTH p FROM s)", "ltrim(p, s)", "rtrim(s, '')",
      "trim(BOTH cast(null as string) FROM s)")
  }

  @Test def replace(): Unit = {
    project("replace(s, 'a', 'XY')", "replace(s, '', 'z')", "replace(s, 'ab')", "replace(s, p, 'Q')",
      "replace(s, 'a', p)", "replace(s, 'aa', 'a')", "replace(s, '😀', '')")
  }

  @Test def pads(): Unit = {
    for (len <- Seq(-1, 0, 1, 3, 10); pad <- Seq("''", "'xy'", "'😀é'", "' '")) {
      project(s"lpad(s, $len, $pad)", s"rpad(s, $len, $pad)")
    }
    project("lpad(s, n, p)", "rpad(s, n, p)", "lpad(s, 4)", "rpad(s, 4)")
  }

  @Test def positions(): Unit = {
    project("instr(s, 'a')", "instr(s, '')", "instr(s, p)", "instr(s, 'ö')", "locate('b', s)", "locate('b', s, n)",
      "locate('', s, 3)", "locate('', s, -1)", "locate(p, s, 2)", "locate('a', s, 100)", "position('😀' IN s)",
      "locate('a', s, cast(null as int))")
  }

  @Test def reverseAndTranslate(): Unit = {
    project("reverse(s)", "translate(s, 'abé', 'xy')", "translate(s, 'aa', 'bc')", "translate(s, '', 'x')",
      "translate(s, 'a😀', '😀a')", "translate(s, p, 'Z')")
  }

  @Test def regularExpressionsStayInSpark(): Unit = {
    for (e <- Seq("s rlike 'a.b'", "regexp_replace(s, 'a+', 'x')", "regexp_extract(s, '(a)', 1)", "initcap(s)")) {
      val df = checkSql(s"SELECT id, $e FROM $words")
      assertTrue(Thermite.explainFallback(df).contains("stays in Spark"))
    }
  }

  @Test def binaryArgumentsStayInSpark(): Unit = {
    val df = checkSql(s"SELECT id, reverse(bin), lpad(bin, 5, X'00') FROM $edge", Seq("ThermiteScanExec"))
    assertTrue(Thermite.explainFallback(df).contains("binary"))
  }
}
