package dev.thermite

import java.io.File
import java.nio.file.{Files, StandardOpenOption}

import org.apache.spark.sql.DataFrame
import org.junit.Assert.{assertEquals, assertTrue, fail}
import org.junit.Test

/** Bad input fails the task as Spark would, with a message naming operator and file; the JVM lives. */
class ErrorSuite extends ThermiteTestBase {
  private def partFiles(path: String): Seq[File] =
    new File(path).listFiles().filter(_.getName.endsWith(".parquet")).sortBy(_.getName).toSeq

  /** The failure's messages, outermost first; the test fails if the query does not. */
  private def failure(df: => DataFrame): String = {
    val error = try { df.collect(); None } catch { case e: Exception => Some(e) }
    error.map(e => Iterator.iterate[Throwable](e)(_.getCause).takeWhile(_ != null).map(_.toString).mkString("\n"))
      .getOrElse { fail("the query should have failed"); "" }
  }

  private def assertStillWorks(): Unit = {
    val path = TestData.write(spark, tempPath("after-error"), n = 50, files = 1)
    checkNative(spark.read.parquet(path).where("i > 0"), Seq("ThermiteScanExec", "ThermiteFilterExec"))
  }

  @Test def corruptFile(): Unit = {
    val path = TestData.write(spark, tempPath("corrupt"), files = 2)
    val schema = spark.read.parquet(path).schema
    val victim = partFiles(path).head
    Files.write(victim.toPath, "this is not a parquet file, just some bytes".getBytes)
    withConf(ThermiteConf.Enabled -> "false") { failure(spark.read.schema(schema).parquet(path)) }
    val message = failure(spark.read.schema(schema).parquet(path).where("i > 0"))
    assertTrue(message, message.contains("ThermiteNativeException"))
    assertTrue(message, message.contains("ThermiteScanExec failed reading"))
    assertTrue(message, message.contains(victim.getName))
    assertStillWorks()
  }

  @Test def truncatedFile(): Unit = {
    val path = TestData.write(spark, tempPath("truncated"), files = 1)
    val schema = spark.read.parquet(path).schema
    val victim = partFiles(path).head
    val bytes = Files.readAllBytes(victim.toPath)
    Files.write(victim.toPath, bytes.take(bytes.length / 2) ++ bytes.takeRight(8), StandardOpenOption.TRUNCATE_EXISTING)
    val message = failure(spark.read.schema(schema).parquet(path))
    assertTrue(message, message.contains("ThermiteScanExec failed reading") && message.contains(victim.getName))
    assertStillWorks()
  }

  @Test def fileDeletedAfterPlanning(): Unit = {
    val path = TestData.write(spark, tempPath("deleted"), files = 2)
    val df = spark.read.parquet(path)
    val victim = partFiles(path).head
    assertTrue(victim.delete())
    val message = failure(df.where("i > 0"))
    assertTrue(message, message.contains("SparkFileNotFoundException") && message.contains(victim.getName))
    assertStillWorks()
  }

  @Test def columnOfAnotherTypeThanTheSchemaSays(): Unit = {
    val path = tempPath("wrong-type")
    spark.range(0, 20).selectExpr("id", "cast(id as string) as s").write.parquet(path)
    // Reading a string column as binary only changes its representation: both answer.
    checkNative(spark.read.schema("id long, s binary").parquet(path))
    // Reading it as a date is a conversion Spark refuses; so does Thermite, naming the file.
    val wrong = "id long, s date"
    withConf(ThermiteConf.Enabled -> "false") { failure(spark.read.schema(wrong).parquet(path)) }
    val message = failure(spark.read.schema(wrong).parquet(path))
    assertTrue(message, message.contains("ThermiteScanExec failed reading") && message.contains(".parquet"))
    assertStillWorks()
  }

  @Test def exceptionCarriesStructuredFields(): Unit = {
    val path = TestData.write(spark, tempPath("structured"), files = 1)
    val schema = spark.read.parquet(path).schema
    val victim = partFiles(path).head
    Files.write(victim.toPath, Array.fill[Byte](64)(7))
    val error = try { spark.read.schema(schema).parquet(path).collect(); None } catch { case e: Exception => Some(e) }
    assertTrue("the query should have failed", error.isDefined)
    val native = Iterator.iterate[Throwable](error.get)(_.getCause).takeWhile(_ != null).collectFirst {
      case n: ThermiteNativeException => n
    }
    assertTrue(s"no ThermiteNativeException in ${error.get}", native.isDefined)
    assertEquals("IO", native.get.kind())
    assertEquals("ThermiteScanExec", native.get.operator())
    assertTrue(native.get.file(), native.get.file().endsWith(victim.getName))
  }
}
