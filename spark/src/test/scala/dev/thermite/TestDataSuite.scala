package dev.thermite

import org.junit.Assert.{assertEquals, assertTrue}
import org.junit.Test

/** The edge-value table holds what the suites rely on: every value of every column, in many pairings. */
class TestDataSuite extends ThermiteTestBase {
  private val n = 200

  private lazy val written = withConf(ThermiteConf.Enabled -> "false") {
    spark.read.parquet(TestData.write(spark, tempPath("test-data"), n = n)).collect()
  }

  @Test def everyColumnHoldsEachOfItsValues(): Unit = {
    assertEquals(n, written.length)
    assertEquals((0 until n).toSet, written.map(_.getInt(0)).toSet)
    for (((name, values), k) <- TestData.values.zipWithIndex) {
      val read = written.map(r => canonicalValue(r.get(k + 1))).groupBy(identity).mapValues(_.length)
      assertEquals(s"values of `$name`", values.map(canonicalValue).toSet, read.keySet)
      // Whole shuffles of the values: each appears in every block of values.size rows.
      read.foreach { case (v, count) =>
        assertTrue(s"`$name` holds $v $count times", count >= n / values.size)
      }
    }
  }

  /** Of the value pairs two columns can hold, at least half meet in a row, up to one per row. */
  @Test def valuesOfDifferentColumnsMeet(): Unit = {
    val columns = TestData.values.indices
    for (j <- columns; k <- columns if j < k) {
      val possible = TestData.values(j)._2.size * TestData.values(k)._2.size
      val met = written.map(r => (canonicalValue(r.get(j + 1)), canonicalValue(r.get(k + 1)))).toSet.size
      assertTrue(s"`${TestData.values(j)._1}` and `${TestData.values(k)._1}`: $met of $possible pairs",
        met * 2 >= math.min(possible, n))
    }
  }
}
