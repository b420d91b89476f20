package dev.thermite

import java.io.File
import java.nio.file.Files

import org.apache.spark.sql.functions._
import org.apache.spark.sql.types._
import dev.thermite.exec.{ThermiteFilterExec, ThermiteScanExec}
import org.junit.Assert.{assertEquals, assertTrue}
import org.junit.Test

class ParquetScanSuite extends ThermiteTestBase with FailureChecks {
  private val allColumns = TestData.schema.fieldNames.toSeq

  private def readAll(path: String) = spark.read.parquet(path)

  @Test def everyTypeWithNullsAndEdgeValues(): Unit = {
    val path = TestData.write(spark, tempPath("all-types"))
    checkNative(readAll(path))
    checkNative(readAll(path).select(allColumns.reverse.map(col): _*))
  }

  @Test def timestampEncodings(): Unit = {
    for (encoding <- Seq("INT96", "TIMESTAMP_MICROS", "TIMESTAMP_MILLIS")) {
      val path = tempPath(s"ts-$encoding")
      withConf("spark.sql.parquet.outputTimestampType" -> encoding) {
        TestData.frame(spark).select("id", "ts", "ntz").write.parquet(path)
      }
      checkNative(readAll(path))
    }
  }

  @Test def decimalEncodings(): Unit = {
    // Legacy format writes every decimal as fixed-length bytes; the default uses int32/int64.
    for (legacy <- Seq("true", "false")) {
      val path = tempPath(s"dec-legacy-$legacy")
      withConf("spark.sql.parquet.writeLegacyFormat" -> legacy) {
        TestData.frame(spark).select("id", "dec5", "dec15", "dec30", "dec38").write.parquet(path)
      }
      checkNative(readAll(path))
    }
  }

  @Test def manyRowGroupsAndBatches(): Unit = {
    val path = tempPath("row-groups")
    spark.range(0, 50000, 1, 2)
      .selectExpr("id", "cast(id % 1000 as int) as k", "concat('v', id) as v")
      .write.option("parquet.block.size", "65536").parquet(path)
    checkNative(readAll(path))
    checkNative(readAll(path).where("id between 1000 and 1200 or k = 7"),
      Seq("ThermiteScanExec", "ThermiteFilterExec"))
    // Sorted ids make row-group statistics selective: this filter prunes most row groups.
    val pruned = checkNative(readAll(path).where("id between 1000 and 1200"),
      Seq("ThermiteScanExec", "ThermiteFilterExec"))
    val scan = planNodes(pruned).collectFirst { case s: ThermiteScanExec => s }.get
    val filter = planNodes(pruned).collectFirst { case f: ThermiteFilterExec => f }.get
    assertTrue(s"row groups pruned: ${scan.metrics("rowGroupsPruned").value}", scan.metrics("rowGroupsPruned").value > 0)
    assertTrue(scan.metrics("rowGroupsRead").value > 0)
    assertEquals(201L, filter.metrics("numOutputRows").value)
    val scanned = scan.metrics("numOutputRows").value
    assertTrue(s"scan output $scanned rows", scanned > 0 && scanned < 50000)
  }

  @Test def partitionedTable(): Unit = {
    val path = tempPath("partitioned")
    TestData.frame(spark).withColumn("p_int", col("id") % 3)
      .withColumn("p_str", when(col("id") % 4 === 0, lit(null)).otherwise(concat(lit("v "), col("id") % 2)))
      .write.partitionBy("p_int", "p_str").parquet(path)
    checkNative(readAll(path))
    checkNative(readAll(path).where("p_int = 1").select("id", "p_str", "str"),
      Seq("ThermiteScanExec", "ThermiteProjectExec"))
    checkNative(readAll(path).where("p_str is null").select("p_int", "i"))
  }

  @Test def dynamicPartitionPruning(): Unit = {
    val fact = tempPath("dpp-fact")
    spark.range(0, 4000, 1, 1).selectExpr("id", "id % 20 AS part", "id * 3 AS v").write.partitionBy("part").parquet(fact)
    val dim = tempPath("dpp-dim")
    spark.range(0, 20).selectExpr("id AS k", "concat('name', id) AS name").write.parquet(dim)
    spark.read.parquet(fact).createOrReplaceTempView("dpp_fact")
    spark.read.parquet(dim).createOrReplaceTempView("dpp_dim")
    for (aqe <- Seq("true", "false")) {
      withConf("spark.sql.adaptive.enabled" -> aqe) {
        val df = checkSql("SELECT f.part, count(*), sum(f.v) FROM dpp_fact f JOIN dpp_dim d ON f.part = d.k " +
          "WHERE d.name IN ('name3', 'name7') GROUP BY f.part")
        // Under AQE, Spark plans the pruning subquery only where it finds its own broadcast hash
        // join to share the broadcast with; the join is native, so AQE drops the pruning (every
        // file is read, the answer is the same).
        val factScan = planNodes(df).collectFirst {
          case s: ThermiteScanExec if s.original.relation.location.rootPaths.exists(_.toString.contains("dpp-fact")) => s
        }
        assertTrue(s"a native fact scan:\n${df.queryExecution.executedPlan}", factScan.isDefined)
        assertEquals(s"files read (AQE $aqe)", if (aqe == "false") 2L else 20L, factScan.get.metrics("numFiles").value)
      }
    }
  }

  @Test def columnPruningAndReordering(): Unit = {
    val path = TestData.write(spark, tempPath("pruning"))
    checkNative(readAll(path).select("str", "id"))
    checkNative(readAll(path).select("ts", "dec38", "b"))
  }

  @Test def caseInsensitiveColumnNames(): Unit = {
    val path = tempPath("mixed-case")
    spark.range(0, 100).selectExpr("id as Id", "cast(id * 2 as int) as VALUE").write.parquet(path)
    val schema = StructType(Seq(StructField("id", LongType), StructField("value", IntegerType)))
    checkNative(spark.read.schema(schema).parquet(path).where("value > 10 and id < 90"),
      Seq("ThermiteScanExec", "ThermiteFilterExec"))
  }

  /** Ignoring case, a read column two file columns answer to is Spark's error. */
  @Test def duplicateColumnsIgnoringCase(): Unit = {
    val path = tempPath("duplicate-case")
    withConf("spark.sql.caseSensitive" -> "true") {
      spark.range(0, 100).selectExpr("id as a", "id * 2 as A").coalesce(1).write.parquet(path)
      checkNative(spark.read.parquet(path).where("A > 10"), Seq("ThermiteScanExec", "ThermiteFilterExec"))
    }
    checkSameFailure(spark.read.schema("a bigint").parquet(path))
  }

  /** With field ids on, Spark matches columns by id, not name: such a scan stays in Spark. */
  @Test def fieldIdsStayInSpark(): Unit = {
    val path = tempPath("field-ids")
    def withId(name: String, id: Long) =
      StructField(name, LongType, nullable = true, new MetadataBuilder().putLong("parquet.field.id", id).build())
    val written = spark.range(0, 50).selectExpr("id as x", "id * 3 as y")
    spark.createDataFrame(written.rdd, StructType(Seq(withId("x", 1), withId("y", 2)))).write.parquet(path)
    // Renamed columns: only their ids say which is which.
    val renamed = StructType(Seq(withId("b", 2), withId("a", 1)))
    withConf("spark.sql.parquet.fieldId.read.enabled" -> "true") {
      val df = checkNative(spark.read.schema(renamed).parquet(path), Nil)
      assertTrue(Thermite.explainFallback(df), Thermite.explainFallback(df).contains("Parquet field id"))
      assertEquals(147L, df.where("a = 49").select("b").head().getLong(0))
    }
  }

  @Test def missingColumnsReadAsNull(): Unit = {
    val path = tempPath("missing")
    spark.range(0, 50).selectExpr("id").write.parquet(path)
    val schema = StructType(Seq(StructField("id", LongType), StructField("absent", StringType)))
    checkNative(spark.read.schema(schema).parquet(path))
  }

  @Test def filesWithDifferentColumns(): Unit = {
    val path = tempPath("evolution")
    spark.range(0, 30).selectExpr("id", "cast(id as string) as a").write.parquet(path + "/part=1")
    spark.range(30, 60).selectExpr("id", "id * 1.5 as b").write.parquet(path + "/part=2")
    checkNative(spark.read.option("mergeSchema", "true").parquet(path))
  }

  @Test def emptyResultAndEmptyFiles(): Unit = {
    val path = tempPath("empty")
    spark.range(0, 10).where("id < 0").write.parquet(path)
    checkNative(readAll(path))
    val other = TestData.write(spark, tempPath("no-match"))
    checkNative(readAll(other).where("id < 0"), Seq("ThermiteScanExec", "ThermiteFilterExec"))
  }

  @Test def smallSplitsOfLargeFiles(): Unit = {
    val path = tempPath("splits")
    spark.range(0, 200000, 1, 1).selectExpr("id", "id % 7 as m").write
      .option("parquet.block.size", "131072").parquet(path)
    // Many byte-range splits per file: each row group must be read by exactly one task.
    withConf("spark.sql.files.maxPartitionBytes" -> "65536", "spark.sql.files.openCostInBytes" -> "0") {
      val df = checkNative(readAll(path).selectExpr("id", "m"))
      val scan = planNodes(df).collectFirst { case s: ThermiteScanExec => s }.get
      val splits = df.rdd.getNumPartitions
      assertTrue(s"$splits splits", splits > 2)
      assertEquals("every split read natively", splits.toLong, scan.metrics("numFiles").value)
      assertEquals(200000L, scan.metrics("numOutputRows").value)
    }
  }

  /** Spark's `_metadata` columns: constants per file, and each row's index in its file. */
  @Test def fileMetadataColumns(): Unit = {
    val path = tempPath("metadata")
    spark.range(0, 120000, 1, 2).selectExpr("id", "id % 7 as m", "cast(id % 3 as string) as p").write
      .option("parquet.block.size", "131072").partitionBy("p").parquet(path)
    val fields = Seq("file_path", "file_name", "file_size", "file_block_start", "file_block_length",
      "file_modification_time", "row_index")
    // Splits cut files between row groups: a row's index still counts from its file's start.
    withConf("spark.sql.files.maxPartitionBytes" -> "65536", "spark.sql.files.openCostInBytes" -> "0") {
      val all = checkNative(readAll(path).select(col("id") +: col("p") +: fields.map(f => col(s"_metadata.$f")): _*))
      assertTrue(s"${all.rdd.getNumPartitions} splits", all.rdd.getNumPartitions > 4)
      checkNative(readAll(path).where("m = 3").select(col("id"), col("_metadata.row_index"), col("_metadata.file_name")),
        Seq("ThermiteScanExec", "ThermiteFilterExec"))
      checkNative(readAll(path).select(col("_metadata")).where("_metadata.row_index % 1000 = 0").selectExpr("_metadata.row_index"),
        Seq("ThermiteScanExec"))
    }
  }

  @Test def rowCountWithoutColumns(): Unit = {
    val path = TestData.write(spark, tempPath("count"))
    checkNative(readAll(path).where("i > 0").select(lit(1)))
    checkNative(readAll(path).groupBy().count())
  }

  @Test def directoryNamesNeedingEscapes(): Unit = {
    val path = tempPath("escaped dir %")
    spark.range(0, 20).selectExpr("id", "concat('a b/c=', id % 2) as k").write.partitionBy("k").parquet(path)
    val df = checkNative(readAll(path))
    val scan = planNodes(df).collectFirst { case s: ThermiteScanExec => s }.get
    assertEquals(20L, scan.metrics("numOutputRows").value)
    assertEquals(Set("a b/c=0", "a b/c=1"), df.select("k").collect().map(_.getString(0)).toSet)
  }

  private def partFiles(path: String): Seq[File] =
    new File(path).listFiles().filter(_.getName.endsWith(".parquet")).sortBy(_.getName).toSeq

  /** Replaces a file's bytes as a foreign writer would (no Hadoop checksum beside it). */
  private def overwrite(file: File, bytes: Array[Byte]): Unit = {
    new File(file.getParent, s".${file.getName}.crc").delete()
    Files.write(file.toPath, bytes)
  }

  private def twoFiles(name: String): String = {
    val path = tempPath(name)
    spark.range(0, 200, 1, 2).selectExpr("id", "cast(id as string) as s", "id % 7 as k").write.parquet(path)
    path
  }

  @Test def corruptFilesFailAsInSpark(): Unit = {
    val garbage = twoFiles("garbage")
    val schema = spark.read.parquet(garbage).schema
    val notParquet = partFiles(garbage).head
    overwrite(notParquet, "this is not a parquet file, just some bytes".getBytes)
    checkSameFailure(spark.read.schema(schema).parquet(garbage), Some(notParquet.getName))
    // With missing files ignored, Spark reports a corrupt one inside its "cannot read file" error.
    withConf("spark.sql.files.ignoreMissingFiles" -> "true") {
      checkSameFailure(spark.read.schema(schema).parquet(garbage), Some(notParquet.getName))
    }

    val truncated = twoFiles("truncated")
    val cut = partFiles(truncated).head
    val bytes = Files.readAllBytes(cut.toPath)
    overwrite(cut, bytes.take(bytes.length / 2) ++ bytes.takeRight(8))
    checkSameFailure(spark.read.schema(schema).parquet(truncated), Some(cut.getName))

    // The footer reads, the pages do not.
    val pages = twoFiles("bad-pages")
    val damaged = partFiles(pages).head
    val original = Files.readAllBytes(damaged.toPath)
    overwrite(damaged, original.take(4) ++ Array.fill[Byte](original.length / 2)(-1) ++ original.drop(4 + original.length / 2))
    checkSameFailure(spark.read.schema(schema).parquet(pages).where("k >= 0"), Some(damaged.getName))
  }

  @Test def ignoreCorruptFiles(): Unit = {
    val path = twoFiles("ignore-corrupt")
    val schema = spark.read.parquet(path).schema
    overwrite(partFiles(path).head, "not parquet".getBytes)
    val truncated = new File(path, "part-truncated.parquet")
    val bytes = Files.readAllBytes(partFiles(path).last.toPath)
    Files.write(truncated.toPath, bytes.take(bytes.length / 2) ++ bytes.takeRight(8))
    withConf("spark.sql.files.ignoreCorruptFiles" -> "true") {
      val df = checkNative(spark.read.schema(schema).parquet(path))
      assertEquals(100L, df.count())
    }
    checkNative(spark.read.option("ignoreCorruptFiles", "true").schema(schema).parquet(path).where("k > 2"),
      Seq("ThermiteScanExec", "ThermiteFilterExec"))
  }

  /** Only Spark's scan tells a task which file it reads: a query asking stays with it. */
  @Test def inputFileNameStaysWithSparksScan(): Unit = {
    val path = twoFiles("file_names")
    for (f <- Seq("input_file_name()", "input_file_block_start()", "input_file_block_length()")) {
      val df = checkNative(spark.read.parquet(path).selectExpr("id", s"$f AS f").where("k > 2"), Nil)
      assertTrue(Thermite.explainFallback(df), Thermite.explainFallback(df).contains("input_file_name()"))
      assertTrue(df.collect().forall(r => r.get(1).toString.nonEmpty && r.get(1).toString != "-1"))
    }
  }

  /** A subclass of Spark's Parquet format may give the files' columns another meaning. */
  @Test def subclassesOfSparksFormatStayInSpark(): Unit = {
    val path = twoFiles("subclassed")
    val df = checkNative(spark.read.format(classOf[SubclassedParquetFormat].getName).load(path).where("k > 2"), Nil)
    assertTrue(Thermite.explainFallback(df), Thermite.explainFallback(df).contains(
      s"file format ${classOf[SubclassedParquetFormat].getName} is not supported"))
  }

  @Test def filesDeletedAfterPlanning(): Unit = {
    val path = twoFiles("deleted")
    val df = spark.read.parquet(path)
    val optioned = spark.read.option("ignoreMissingFiles", "true").parquet(path)
    val victim = partFiles(path).head
    assertTrue(victim.delete())
    // Missing is not corrupt: Spark's file-not-found error, inside its "cannot read file" error
    // when corrupt files are ignored.
    checkSameFailure(df.select("id", "s"), Some(victim.getName))
    withConf("spark.sql.files.ignoreCorruptFiles" -> "true") {
      checkSameFailure(df.select("id", "s"), Some(victim.getName))
    }
    withConf("spark.sql.files.ignoreMissingFiles" -> "true") {
      assertEquals(100L, checkNative(df.select("id", "s")).count())
    }
    assertEquals(100L, checkNative(optioned.select("id", "k")).count())
  }
}

/** Spark's Parquet format under another class, as table formats extend it. */
class SubclassedParquetFormat extends org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat
