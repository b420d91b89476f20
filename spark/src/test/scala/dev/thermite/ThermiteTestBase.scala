package dev.thermite

import java.io.File
import java.nio.file.Files

import org.apache.spark.sql.{DataFrame, Row, SparkSession}
import org.apache.spark.sql.execution.SparkPlan
import org.apache.spark.sql.types.{DoubleType, FloatType, StructType}
import org.junit.Assert.{assertEquals, assertTrue, fail}

/** One local SparkSession for the test JVM, with Thermite enabled as users enable it. */
object TestSpark {
  lazy val spark: SparkSession = build()

  /** A session with `extra` settings; static ones (memory) need a JVM of their own. */
  def build(extra: Map[String, String] = Map.empty): SparkSession = {
    val builder = SparkSession.builder()
      .master("local[2]")
      .appName("thermite-tests")
      .config("spark.plugins", "dev.thermite.ThermitePlugin")
      .config("spark.driver.host", "127.0.0.1")
      .config("spark.driver.bindAddress", "127.0.0.1")
      .config("spark.ui.enabled", "false")
      .config("spark.sql.shuffle.partitions", "2")
      // Memory a task leaves reserved fails it, native memory included (see ThermiteMemoryConsumer).
      .config("spark.unsafe.exceptionOnMemoryLeak", "true")
      // Native metrics that do not match the plan's nodes fail the test.
      .config("spark.thermite.strictContracts", "true")
      // A zone with DST and a non-zero offset, so time zone mistakes show.
      .config("spark.sql.session.timeZone", "America/Los_Angeles")
    extra.foreach { case (k, v) => builder.config(k, v) }
    val session = builder.getOrCreate()
    session.sparkContext.setLogLevel("WARN")
    session
  }

  lazy val tempRoot: File = {
    val dir = Files.createTempDirectory("thermite-tests").toFile
    dir.deleteOnExit()
    dir
  }
}

/**
 * Floating point results a test allows to differ: the named output columns only, each an
 * aggregate whose value depends on the order its inputs are added in (sums, averages,
 * variances), which differs between the engines. Two values match when they are bit for bit
 * equal, both NaN, or `|x - y| <= relative * max(|x|, |y|) + absolute`. Tests that use one say
 * why at the call.
 */
case class Tolerance(columns: Seq[String], relative: Double, absolute: Double = 0.0)

object Tolerance {
  /** No column may differ in any bit (except the payload of a NaN). */
  val Exact: Tolerance = Tolerance(Nil, 0.0)
}

/**
 * Differential testing: the same query with Thermite off and on, answers compared exactly, and
 * the plan checked for the native nodes it must contain.
 *
 * Exactness: values are compared by a canonical text that keeps every bit users can see, so -0.0
 * and 0.0 differ, 4.9e-324 is not 0.0, every NaN is one NaN, and decimals keep their scale (1.50
 * is not 1.5). Only the floating point columns a test names in a [[Tolerance]] may differ, by
 * its bound; rows are matched as multisets by their exact columns.
 */
trait ThermiteTestBase {
  lazy val spark: SparkSession = TestSpark.spark

  def tempPath(name: String): String = {
    val dir = Files.createTempDirectory(TestSpark.tempRoot.toPath, name).toFile
    dir.delete()
    dir.getAbsolutePath
  }

  def withConf[T](pairs: (String, String)*)(body: => T): T = {
    val before = pairs.map { case (k, _) => k -> spark.conf.getOption(k) }
    pairs.foreach { case (k, v) => spark.conf.set(k, v) }
    try body
    finally before.foreach {
      case (k, Some(v)) => spark.conf.set(k, v)
      case (k, None) => spark.conf.unset(k)
    }
  }

  /** Every node of the executed plan, through adaptive plans and stages. */
  def planNodes(df: DataFrame): Seq[SparkPlan] = Fallback.allNodes(df.queryExecution.executedPlan)

  def nativeNodeNames(df: DataFrame): Seq[String] =
    planNodes(df).map(_.nodeName).filter(_.startsWith("Thermite"))

  /**
   * Runs `query` with Thermite off, then on; asserts equal answers (exactly, but for the columns
   * `tolerance` names) and that each of `nativeNodes` appears in the native plan. Returns the
   * native DataFrame for further checks.
   */
  def checkNative(query: => DataFrame, nativeNodes: Seq[String] = Seq("ThermiteScanExec"),
      tolerance: Tolerance = Tolerance.Exact): DataFrame = {
    val expected = withConf(ThermiteConf.Enabled -> "false") {
      val df = query
      assertTrue("plan with Thermite off has native nodes", nativeNodeNames(df).isEmpty)
      df.collect()
    }
    val df = query
    val actual = df.collect()
    val present = nativeNodeNames(df)
    nativeNodes.foreach { n =>
      if (!present.contains(n)) {
        fail(s"expected $n in the plan, got:\n${df.queryExecution.executedPlan}\n" +
          s"fallback reasons:\n${Thermite.explainFallback(df)}")
      }
    }
    assertSameRows(expected, actual, tolerantColumns(df.schema, tolerance), tolerance)
    df
  }

  /**
   * Like [[checkNative]], and the rows must also come in the same order. Queries must order by a
   * unique key last, so that the order is fully determined.
   */
  def checkOrdered(query: => DataFrame, nativeNodes: Seq[String],
      tolerance: Tolerance = Tolerance.Exact): DataFrame = {
    val expected = withConf(ThermiteConf.Enabled -> "false") { query.collect() }
    val df = checkNative(query, nativeNodes, tolerance)
    val actual = df.collect()
    val tolerant = tolerantColumns(df.schema, tolerance)
    expected.zip(actual).zipWithIndex.foreach { case ((e, a), i) =>
      if (!sameRow(e, a, tolerant, tolerance)) fail(s"row $i differs:\n  Spark:    ${canonical(e)}\n  Thermite: ${canonical(a)}")
    }
    df
  }

  /** Checks a SQL query; a failure names the query and the settings it ran under. */
  def checkSql(sql: String, nativeNodes: Seq[String] = Seq("ThermiteScanExec"),
      tolerance: Tolerance = Tolerance.Exact): DataFrame =
    try checkNative(spark.sql(sql), nativeNodes, tolerance)
    catch {
      case e: AssertionError =>
        val aqe = spark.conf.get("spark.sql.adaptive.enabled")
        throw new AssertionError(s"$sql (AQE $aqe): ${e.getMessage}", e)
    }

  /** The positions of the columns `tolerance` names; each must exist and be floating point. */
  private def tolerantColumns(schema: StructType, tolerance: Tolerance): Set[Int] =
    tolerance.columns.map { name =>
      val i = schema.fieldNames.indexOf(name)
      assertTrue(s"tolerance names `$name`, not a column of ${schema.simpleString}", i >= 0)
      assertTrue(s"tolerance on `$name` of type ${schema(i).dataType.simpleString}: only floating point may differ",
        schema(i).dataType == DoubleType || schema(i).dataType == FloatType)
      i
    }.toSet

  /** Equal rows as multisets, exactly: for results with a tolerance, see [[checkNative]]. */
  def assertSameRows(expected: Array[Row], actual: Array[Row]): Unit =
    assertSameRows(expected, actual, Set.empty, Tolerance.Exact)

  /**
   * Equal rows as multisets. Rows are matched by sorting on their exact columns' canonical text,
   * then on the tolerant columns' values, so a last-bit difference cannot pair the wrong rows.
   */
  private def assertSameRows(expected: Array[Row], actual: Array[Row], tolerant: Set[Int],
      tolerance: Tolerance): Unit = {
    assertEquals("row count", expected.length, actual.length)
    val order = rowOrdering(tolerant)
    val e = expected.sorted(order)
    val a = actual.sorted(order)
    e.zip(a).foreach { case (er, ar) =>
      if (!sameRow(er, ar, tolerant, tolerance)) fail(s"rows differ:\n  Spark:    ${canonical(er)}\n  Thermite: ${canonical(ar)}")
    }
  }

  private def rowOrdering(tolerant: Set[Int]): Ordering[Row] = {
    val tolerantColumns = tolerant.toSeq.sorted
    val exactKey = (r: Row) => r.toSeq.indices.filterNot(tolerant).map(i => canonicalValue(r.get(i))).mkString("\u0001")
    // Nulls first, then by value (NaN last); in each row the tolerant columns in order.
    val tolerantKey = (r: Row) => tolerantColumns.map { i =>
      if (r.isNullAt(i)) (0, 0.0) else (1, r.get(i).asInstanceOf[Number].doubleValue())
    }
    Ordering.by((r: Row) => (exactKey(r), tolerantKey(r).toIterable))(
      Ordering.Tuple2(Ordering.String, Ordering.Iterable(Ordering.Tuple2(Ordering.Int, Ordering.Double))))
  }

  private def sameRow(e: Row, a: Row, tolerant: Set[Int], tolerance: Tolerance): Boolean =
    e.length == a.length && e.toSeq.indices.forall { i =>
      (e.get(i), a.get(i)) match {
        case (x: Number, y: Number) if tolerant(i) => close(x.doubleValue(), y.doubleValue(), tolerance)
        case (x, y) => canonicalValue(x) == canonicalValue(y)
      }
    }

  private def close(x: Double, y: Double, t: Tolerance): Boolean =
    java.lang.Double.compare(x, y) == 0 || (!x.isNaN && !y.isNaN && !x.isInfinite && !y.isInfinite &&
      math.abs(x - y) <= t.relative * math.max(math.abs(x), math.abs(y)) + t.absolute)

  def canonical(r: Row): String = r.toSeq.map(canonicalValue).mkString("[", ", ", "]")

  /**
   * A text that tells apart every two values Spark tells apart: `Double.toString` is exact (it
   * prints as many digits as tell a double from its neighbours, and the sign of zero), and a
   * decimal prints every digit of its scale.
   */
  def canonicalValue(v: Any): String = v match {
    case null => "null"
    case d: Double if d.isNaN => "NaN"
    case f: Float if f.isNaN => "NaN"
    case d: Double => java.lang.Double.toString(d)
    case f: Float => java.lang.Float.toString(f) + "f"
    case b: Array[Byte] => b.map("%02x".format(_)).mkString("0x", "", "")
    case d: java.math.BigDecimal => d.toPlainString + "BD" + (if (d.scale < 0) s"(scale ${d.scale})" else "")
    case r: Row => canonical(r)
    case m: scala.collection.Map[_, _] =>
      m.toSeq.map { case (k, x) => canonicalValue(k) + " -> " + canonicalValue(x) }.sorted.mkString("{", ", ", "}")
    case s: scala.collection.Seq[_] => s.map(canonicalValue).mkString("Seq(", ", ", ")")
    case other => other.toString
  }
}
