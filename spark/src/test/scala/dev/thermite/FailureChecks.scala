package dev.thermite

import java.io.IOException

import org.apache.spark.SparkThrowable
import org.apache.spark.sql.DataFrame
import org.junit.Assert.{assertEquals, assertTrue, fail}

/** Differential checks of failures: the query fails with Thermite on as it does with it off. */
trait FailureChecks { self: ThermiteTestBase =>

  /** What the task failed with: the causes under Spark's "job aborted", outermost first. */
  def taskFailure(query: => DataFrame): Seq[Throwable] = {
    val thrown = try {
      query.collect()
      None
    } catch {
      case e: Throwable => Some(e)
    }
    val top = thrown.getOrElse(fail("the query should have failed").asInstanceOf[Throwable])
    Iterator.iterate(top)(_.getCause).takeWhile(_ != null).toSeq.drop(1)
  }

  private def describe(chain: Seq[Throwable]): String =
    chain.map(t => s"${t.getClass.getName}: ${t.getMessage}").mkString("\n  ")

  /**
   * Runs `query` with Thermite off, then on: Spark's own errors (exceptions with an error class)
   * must come back the same, class, error class and message; where Spark's chain ends in an
   * exception of the reader's (parquet-mr's), Thermite's must be of the kind Spark treats alike
   * (a RuntimeException or an IOException) and name `file`.
   */
  def checkSameFailure(query: => DataFrame, file: Option[String] = None): Unit = {
    val expected = withConf(ThermiteConf.Enabled -> "false") { taskFailure(query) }
    val actual = taskFailure(query)
    val context = s"\nSpark:\n  ${describe(expected)}\nThermite:\n  ${describe(actual)}"
    val sparkErrors = expected.takeWhile(_.isInstanceOf[SparkThrowable])
    assertTrue(s"Spark failed with its own error or the reader's$context", expected.nonEmpty)
    sparkErrors.zip(actual).foreach { case (e, a) =>
      assertEquals(s"exception class$context", e.getClass, a.getClass)
      assertEquals(s"error class$context",
        e.asInstanceOf[SparkThrowable].getErrorClass, a.asInstanceOf[SparkThrowable].getErrorClass)
      assertEquals(s"message$context", e.getMessage, a.getMessage)
    }
    assertTrue(s"as many of Spark's own errors$context",
      actual.takeWhile(_.isInstanceOf[SparkThrowable]).length == sparkErrors.length)
    if (sparkErrors.length < expected.length) {
      val reader = actual(sparkErrors.length)
      assertTrue(s"a reader failure of Spark's kind$context",
        reader.isInstanceOf[RuntimeException] || reader.isInstanceOf[IOException])
      file.foreach(f => assertTrue(s"the failure names $f$context", reader.getMessage.contains(f)))
    }
  }
}
