package dev.thermite

import org.apache.spark.sql.Row
import org.junit.Assert.{assertEquals, fail}

/**
 * Answers compared bit for bit, with no tolerance at all: for projections, where Spark's value
 * does not depend on the order rows meet in, a last-bit difference is a wrong answer.
 */
trait BitExact { self: ThermiteTestBase =>

  /**
   * Runs `sql` with Thermite off and on, asserts each of `nativeNodes` in the plan, and compares
   * the rows matched by their first column (a unique key): doubles and floats by their bits.
   */
  def checkBits(sql: String, nativeNodes: Seq[String]): Unit = {
    val expected = withConf(ThermiteConf.Enabled -> "false")(spark.sql(sql).collect())
    val df = spark.sql(sql)
    val actual = df.collect()
    val present = nativeNodeNames(df)
    nativeNodes.foreach { n =>
      if (!present.contains(n)) fail(s"expected $n in the plan of $sql:\n${Thermite.explainFallback(df)}")
    }
    assertEquals(s"row count of $sql", expected.length, actual.length)
    val byKey = (rows: Array[Row]) => rows.sortBy(r => canonicalValue(r.get(0)))
    val columns = df.columns
    byKey(expected).zip(byKey(actual)).foreach { case (e, a) =>
      (0 until e.length).foreach { c =>
        if (bits(e.get(c)) != bits(a.get(c))) {
          fail(s"$sql\n  column ${columns(c)} of row ${e.get(0)}: Spark ${bits(e.get(c))}, Thermite ${bits(a.get(c))}")
        }
      }
    }
  }

  /** A value's exact text: floating point as its bits (every NaN one NaN), then as a number. */
  def bits(v: Any): String = v match {
    case d: Double => f"${java.lang.Double.doubleToLongBits(d)}%016x ($d)"
    case f: Float => f"${java.lang.Float.floatToIntBits(f)}%08x (${f}f)"
    case other => canonicalValue(other)
  }
}
