package dev.thermite

import java.io.File
import java.nio.file.Files

import org.apache.spark.sql.{DataFrame, Row, SparkSession}
import org.apache.spark.sql.execution.SparkPlan
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
 * Differential testing: the same query with Thermite off and on, answers compared exactly, and
 * the plan checked for the native nodes it must contain.
 *
 * Exactness: values are compared by a canonical text that keeps what users can see, so -0.0 and
 * 0.0 differ, every NaN is one NaN, and decimals keep their scale (1.50 is not 1.5). Floating
 * point alone gets a tolerance, for results that depend on the order values are added in (sums,
 * averages, variances): a difference of at most 1e-12 relative, or 1e-12 absolute near zero,
 * where one engine's rounding noise meets the other's exact 0.0 (see `FloatTolerance`).
 */
trait ThermiteTestBase {
  lazy val spark: SparkSession = TestSpark.spark

  val FloatTolerance = 1e-12

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
   * Runs `query` with Thermite off, then on; asserts equal answers and that each of `nativeNodes`
   * appears in the native plan. Returns the native DataFrame for further checks.
   */
  def checkNative(query: => DataFrame, nativeNodes: Seq[String] = Seq("ThermiteScanExec")): DataFrame = {
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
    assertSameRows(expected, actual)
    df
  }

  /**
   * Like [[checkNative]], and the rows must also come in the same order. Queries must order by a
   * unique key last, so that the order is fully determined.
   */
  def checkOrdered(query: => DataFrame, nativeNodes: Seq[String]): DataFrame = {
    val expected = withConf(ThermiteConf.Enabled -> "false") { query.collect() }
    val df = checkNative(query, nativeNodes)
    val actual = df.collect()
    expected.zip(actual).zipWithIndex.foreach { case ((e, a), i) =>
      if (canonical(e) != canonical(a)) fail(s"row $i differs:\n  Spark:    ${canonical(e)}\n  Thermite: ${canonical(a)}")
    }
    df
  }

  /** Checks a SQL query. */
  def checkSql(sql: String, nativeNodes: Seq[String] = Seq("ThermiteScanExec")): DataFrame =
    checkNative(spark.sql(sql), nativeNodes)

  def assertSameRows(expected: Array[Row], actual: Array[Row]): Unit = {
    assertEquals("row count", expected.length, actual.length)
    val e = expected.map(r => (canonical(r), r)).sortBy(_._1)
    val a = actual.map(r => (canonical(r), r)).sortBy(_._1)
    e.zip(a).foreach { case ((ek, er), (ak, ar)) =>
      if (ek != ak && !closeEnough(er, ar)) {
        fail(s"rows differ:\n  Spark:    $ek\n  Thermite: $ak")
      }
    }
  }

  def canonical(r: Row): String = r.toSeq.map(canonicalValue).mkString("[", ", ", "]")

  def canonicalValue(v: Any): String = v match {
    case null => "null"
    case d: Double if d.isNaN => "NaN"
    case f: Float if f.isNaN => "NaN"
    case d: Double => java.lang.Double.toString(d)
    case f: Float => java.lang.Float.toString(f) + "f"
    case b: Array[Byte] => b.map("%02x".format(_)).mkString("0x", "", "")
    case d: java.math.BigDecimal => d.toPlainString + "BD"
    case other => other.toString
  }

  private def closeEnough(e: Row, a: Row): Boolean = e.length == a.length && e.toSeq.zip(a.toSeq).forall {
    case (x: Double, y: Double) => relativelyClose(x, y)
    case (x: Float, y: Float) => relativelyClose(x.toDouble, y.toDouble)
    case (x, y) => canonicalValue(x) == canonicalValue(y)
  }

  private def relativelyClose(x: Double, y: Double): Boolean =
    java.lang.Double.compare(x, y) == 0 ||
      (!x.isNaN && !y.isNaN && !x.isInfinite && !y.isInfinite &&
        math.abs(x - y) <= FloatTolerance * math.max(1.0, math.max(math.abs(x), math.abs(y))))
}
