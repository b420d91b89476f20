package org.apache.spark.sql.thermite.golden

import java.io.File
import java.util.{Locale, TimeZone}

import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.internal.SQLConf

/**
 * The Spark that `SQLQueryTestSuite` runs in (its `SharedSparkSession` and `sparkConf`), with
 * Thermite added as users add it (`spark.plugins`), and the tables it creates before the files run.
 */
object GoldenSession {
  /** The suite's class name: its warehouse folder, which golden outputs mask as `{warehouse_dir}`. */
  val SuiteClass = "org.apache.spark.sql.SQLQueryTestSuite"

  def create(warehouseRoot: File): SparkSession = {
    // The suite fixes these for time zone and locale sensitive files.
    TimeZone.setDefault(TimeZone.getTimeZone("America/Los_Angeles"))
    Locale.setDefault(Locale.US)
    // Spark's build runs its tests with this property; a few defaults depend on it.
    System.setProperty("spark.testing", "true")
    val session = SparkSession.builder()
      .master("local[2]")
      .appName("thermite-spark-sql-golden")
      .config("spark.plugins", "dev.thermite.ThermitePlugin")
      .config("spark.driver.host", "127.0.0.1")
      .config("spark.driver.bindAddress", "127.0.0.1")
      .config("spark.ui.enabled", "false")
      .config("spark.ui.showConsoleProgress", "false")
      .config("spark.sql.testkey", "true")
      .config("spark.unsafe.exceptionOnMemoryLeak", "true")
      .config(SQLConf.CODEGEN_FALLBACK.key, "false")
      .config(SQLConf.CODEGEN_FACTORY_MODE.key, "CODEGEN_ONLY")
      .config(SQLConf.OPTIMIZER_EXCLUDED_RULES.key,
        "org.apache.spark.sql.catalyst.optimizer.ConvertToLocalRelation")
      .config(SQLConf.PARQUET_FIELD_ID_READ_ENABLED.key, "true")
      .config(SQLConf.SHUFFLE_PARTITIONS.key, "4")
      .config(SQLConf.DATETIME_JAVA8API_ENABLED.key, "true")
      .config("spark.test.noSerdeInExplain", "true")
      .config("spark.sql.warehouse.dir", new File(warehouseRoot, SuiteClass).getAbsolutePath)
      .getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    session
  }

  /** The suite's `createTestTables`: Parquet tables in the warehouse. */
  def createTestTables(spark: SparkSession, testDataDir: File): Unit = {
    import spark.implicits._
    Seq("testdata", "arraydata", "mapdata", "aggtest", "onek", "tenk1")
      .foreach(t => spark.sql(s"DROP TABLE IF EXISTS $t"))

    (1 to 100).map(i => (i, i.toString)).toDF("key", "value")
      .repartition(1).write.format("parquet").saveAsTable("testdata")

    ((Seq(1, 2, 3), Seq(Seq(1, 2, 3))) :: (Seq(2, 3, 4), Seq(Seq(2, 3, 4))) :: Nil)
      .toDF("arraycol", "nestedarraycol").write.format("parquet").saveAsTable("arraydata")

    (Tuple1(Map(1 -> "a1", 2 -> "b1", 3 -> "c1", 4 -> "d1", 5 -> "e1")) ::
      Tuple1(Map(1 -> "a2", 2 -> "b2", 3 -> "c2", 4 -> "d2")) ::
      Tuple1(Map(1 -> "a3", 2 -> "b3", 3 -> "c3")) ::
      Tuple1(Map(1 -> "a4", 2 -> "b4")) ::
      Tuple1(Map(1 -> "a5")) :: Nil)
      .toDF("mapcol").write.format("parquet").saveAsTable("mapdata")

    def tsv(file: String, schema: String, table: String): Unit =
      spark.read.format("csv").options(Map("delimiter" -> "\t", "header" -> "false"))
        .schema(schema).load(new File(testDataDir, s"postgresql/$file").getAbsolutePath)
        .write.format("parquet").saveAsTable(table)
    val tenkSchema = "unique1 int, unique2 int, two int, four int, ten int, twenty int, " +
      "hundred int, thousand int, twothousand int, fivethous int, tenthous int, odd int, " +
      "even int, stringu1 string, stringu2 string, string4 string"
    tsv("agg.data", "a int, b float", "aggtest")
    tsv("onek.data", tenkSchema, "onek")
    tsv("tenk.data", tenkSchema, "tenk1")
  }

  /** A new session for one file, set up as the suite's `runQueries` sets it up. */
  def forCase(base: SparkSession, kind: CaseKind, settings: Seq[(String, String)]): SparkSession = {
    val session = base.newSession()
    kind match {
      case CaseKind.PostgreSql =>
        session.udf.register("booleq", (b1: Boolean, b2: Boolean) => b1 == b2)
        session.udf.register("boolne", (b1: Boolean, b2: Boolean) => b1 != b2)
        session.udf.register("vol", (s: String) => s)
        session.conf.set(SQLConf.ANSI_ENABLED.key, true)
        session.conf.set(SQLConf.LEGACY_INTERVAL_ENABLED.key, true)
      case CaseKind.Ansi =>
        session.conf.set(SQLConf.ANSI_ENABLED.key, true)
      case CaseKind.TimestampNtz =>
        session.conf.set(SQLConf.TIMESTAMP_TYPE.key, "TIMESTAMP_NTZ")
      case CaseKind.Regular =>
        session.conf.set(SQLConf.ANSI_ENABLED.key, false)
    }
    settings.foreach { case (k, v) => session.sql(s"set $k=$v") }
    session
  }
}
