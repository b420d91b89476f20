package org.apache.spark.sql.thermite.golden

import java.io.File
import java.nio.charset.StandardCharsets
import java.nio.file.Files
import java.time.LocalDate

import scala.collection.mutable.ArrayBuffer

import org.apache.commons.io.FileUtils
import org.junit.Test

/**
 * Spark 3.5.9's SQL golden-file suite (`SQLQueryTestSuite`) run with Thermite on: `make
 * spark-tests`, not part of `mvn package` (its name is not a `*Suite`). Properties:
 * `thermite.sparkTests.dir` (the `sql-tests/` and `test-data/` folders of Spark's `spark-sql`
 * test jar, required), `thermite.sparkTests.report` (the markdown report written),
 * `thermite.sparkTests.filter` (a regex on file names, to run some files only),
 * `thermite.sparkTests.timeout` (seconds per query, 120).
 */
class SparkSqlGoldenRun {
  /** Files the suite runs in ways this run does not reproduce, and why. */
  private val skippedDirs = Seq(
    "udf/" -> ("each file runs three times, with a Scala, a Python and a pandas UDF named `udf` " +
      "(`IntegratedUDFTestUtils`); the Python ones need PySpark workers, and UDFs stay in Spark"),
    "udaf/" -> "a grouped-aggregate pandas UDF (PySpark workers, pandas, pyarrow)",
    "udtf/" -> "a Python UDTF (PySpark workers)")
  private val notReproduced = Seq(
    "analyzer-results/" -> "the suite's analyzer tests compare the analyzed plan, not results: no execution",
    "cte.sql view check" -> ("the suite also reruns each query of `cte.sql` through a temporary view and " +
      "compares the two; here only the golden output is compared"),
    "config dimensions" -> ("of a file's `--CONFIG_DIM` alternatives (the suite runs every combination) " +
      "the first of each dimension runs; their golden output is the same"))

  @Test def run(): Unit = {
    val root = new File(sys.props.getOrElse("thermite.sparkTests.dir",
      sys.error("thermite.sparkTests.dir: the extracted sql-tests/ and test-data/ of Spark's test jar")))
    val report = new File(sys.props.getOrElse("thermite.sparkTests.report", "spark-sql-golden.md"))
    val filter = sys.props.get("thermite.sparkTests.filter").filter(_.nonEmpty).map(_.r)
    val timeout = sys.props.getOrElse("thermite.sparkTests.timeout", "120").toInt
    val inputs = new File(root, "sql-tests/inputs")
    val results = new File(root, "sql-tests/results")

    val all = GoldenFiles.cases(inputs, results)
    val (skipped, runnable) = all.partition(c => skippedDirs.exists(d => c.name.startsWith(d._1)))
    // ANSI mode keeps most expressions in Spark: the files that run most natively come first.
    val kindOrder = Seq(CaseKind.Regular, CaseKind.TimestampNtz, CaseKind.PostgreSql, CaseKind.Ansi)
    val selected = runnable.filter(c => filter.forall(_.findFirstIn(c.name).nonEmpty))
      .sortBy(c => (kindOrder.indexOf(c.kind), c.name))

    val warehouse = Files.createTempDirectory("thermite-golden").toFile
    val start = System.nanoTime()
    val spark = GoldenSession.create(warehouse)
    try {
      GoldenSession.createTestTables(spark, new File(root, "test-data"))
      val runner = new GoldenRunner(spark, inputs, timeout)
      val skips = skippedDirs.map { case (dir, why) =>
        s"$dir (${skipped.count(_.name.startsWith(dir))} files)" -> why
      } ++ notReproduced
      def title(done: Int) = "# Spark's SQL golden files with Thermite\n\n" +
        "The inputs and golden outputs of Spark 3.5.9's `SQLQueryTestSuite` (from the " +
        "`org.apache.spark:spark-sql_2.12:3.5.9:jar:tests` jar), run as that suite runs them, with " +
        "Thermite on; written by `make spark-tests` (`SparkSqlGoldenRun`) on " + LocalDate.now() +
        filter.fold("")(f => s", files matching `$f` only") + "." +
        (if (done < selected.size) s" **In progress: $done of ${selected.size} files run.**" else "")
      val files = ArrayBuffer[FileRecord]()
      // Written after every file, so that an interrupted run still reports what it ran.
      def write(): Double = {
        val seconds = (System.nanoTime() - start) / 1e9
        FileUtils.writeStringToFile(report, GoldenReport.render(files.toSeq, skips, seconds, title(files.size)),
          StandardCharsets.UTF_8)
        seconds
      }
      selected.zipWithIndex.foreach { case (c, i) =>
        val f = runner.runFile(c, line => println(line))
        val qs = f.queries
        println(f"[${i + 1}/${selected.size}] ${c.name}: ${qs.size} queries, ${qs.count(_.matched)} match, " +
          s"${qs.count(_.verdict.isInstanceOf[Verdict.Thermite])} Thermite differences, " +
          s"${qs.count(_.native)} native" + f.problem.fold("")(p => s" ($p)") + f" (${f.seconds}%.1f s)")
        files += f
        write()
      }
      val seconds = write()
      println(s"report: ${report.getAbsolutePath} (${"%.0f".format(seconds)} s)")
    } finally {
      spark.stop()
      FileUtils.deleteQuietly(warehouse)
    }
  }
}
