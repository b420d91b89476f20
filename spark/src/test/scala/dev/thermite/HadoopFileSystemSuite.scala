package dev.thermite

import java.io.File
import java.net.URI
import java.util.concurrent.atomic.AtomicLong

import org.apache.hadoop.fs.{FSDataInputStream, Path, RawLocalFileSystem}
import org.junit.Assert.{assertEquals, assertTrue}
import org.junit.Test

/**
 * Files on a Hadoop file system other than the local one are read by the native scan through
 * Spark's own `FileSystem` (the task's configuration), byte range by byte range. The file
 * system here is the local one under a scheme of its own, `thermitetest:`, counting the files
 * it opens, so a test sees the native scan really read through Hadoop.
 */
class HadoopFileSystemSuite extends ThermiteTestBase with FailureChecks {
  spark.sparkContext.hadoopConfiguration.set("fs.thermitetest.impl", classOf[CountingFileSystem].getName)

  private def onTestScheme(path: String): String = s"thermitetest://$path"

  private lazy val table: String = {
    val path = TestData.write(spark, onTestScheme(tempPath("hadoop_fs")), n = 1500, files = 3)
    spark.read.parquet(path).createOrReplaceTempView("on_hadoop")
    "on_hadoop"
  }

  /** How many files the test file system opens while `f` runs. */
  private def opened(f: => Unit): Long = {
    val before = CountingFileSystem.opened.get()
    f
    CountingFileSystem.opened.get() - before
  }

  @Test def scansReadThroughTheTaskFileSystem(): Unit = {
    val native = Seq("ThermiteScanExec")
    checkSql(s"SELECT * FROM $table", native)
    checkSql(s"SELECT id, str, dec38 FROM $table WHERE i > 0 AND str IS NOT NULL", native :+ "ThermiteFilterExec")
    checkSql(s"SELECT b, count(*), sum(l), max(d) FROM $table GROUP BY b", native :+ "ThermiteHashAggregateExec")
    val df = spark.sql(s"SELECT id, s FROM $table WHERE id % 3 = 0")
    assertTrue(df.queryExecution.executedPlan.toString.contains("ThermiteScanExec"))
    assertTrue("the native scan opened no file through the test file system", opened(df.collect()) > 0)
  }

  @Test def partitionedTable(): Unit = {
    val path = onTestScheme(tempPath("hadoop_fs_partitioned"))
    TestData.frame(spark, 400).selectExpr("*", "id % 4 AS part").write.partitionBy("part").parquet(path)
    spark.read.parquet(path).createOrReplaceTempView("hadoop_partitioned")
    checkSql("SELECT part, count(*), sum(i), min(str) FROM hadoop_partitioned WHERE part > 0 GROUP BY part",
      Seq("ThermiteScanExec", "ThermiteHashAggregateExec"))
  }

  @Test def missingAndCorruptFilesFailAsInSpark(): Unit = {
    val local = tempPath("hadoop_fs_faults")
    spark.range(0, 200, 1, 2).selectExpr("id", "cast(id as string) as s").write.parquet(onTestScheme(local))
    val df = spark.read.parquet(onTestScheme(local))
    val files = new File(local).listFiles().filter(_.getName.endsWith(".parquet")).sortBy(_.getName)
    val Array(victim, damaged) = files
    new File(damaged.getParent, s".${damaged.getName}.crc").delete()
    java.nio.file.Files.write(damaged.toPath, "not parquet at all".getBytes)
    checkSameFailure(df.select("id", "s"), Some(damaged.getName))
    assertTrue(victim.delete())
    withConf("spark.sql.files.ignoreMissingFiles" -> "true", "spark.sql.files.ignoreCorruptFiles" -> "true") {
      assertEquals(0L, checkNative(df.select("id", "s")).count())
    }
  }
}

/** The local file system under the scheme `thermitetest:`, counting the files it opens. */
class CountingFileSystem extends RawLocalFileSystem {
  override def getUri: URI = URI.create("thermitetest:///")
  override def getScheme: String = "thermitetest"
  override def open(f: Path, bufferSize: Int): FSDataInputStream = {
    CountingFileSystem.opened.incrementAndGet()
    super.open(f, bufferSize)
  }
}

object CountingFileSystem {
  val opened = new AtomicLong()
}
