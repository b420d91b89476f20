package org.apache.spark.sql.thermite.golden

import java.util.concurrent.{Executors, ExecutorService, TimeUnit, TimeoutException}
import java.util.concurrent.atomic.AtomicLong

import scala.util.control.NonFatal

import dev.thermite.ThermiteConf

import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.catalyst.plans.logical.{Command, InsertIntoStatement}

/**
 * Runs the files of the suite with Thermite on, compares each query with its golden output and,
 * where it differs, reruns it with Thermite off to tell this machine's differences from Thermite's.
 */
final class GoldenRunner(base: SparkSession, inputsDir: java.io.File, timeoutSeconds: Int) {
  private val jobGroups = new AtomicLong()
  private var worker: ExecutorService = newWorker()

  private def newWorker(): ExecutorService = Executors.newSingleThreadExecutor { r =>
    val t = new Thread(r, "golden-query")
    t.setDaemon(true)
    t
  }

  def runFile(c: GoldenCase, log: String => Unit): FileRecord = {
    val start = System.nanoTime()
    def done(queries: Seq[QueryRecord], problem: Option[String]) =
      FileRecord(c.name, queries, problem, (System.nanoTime() - start) / 1e9)
    val input = GoldenFiles.parse(c.input, inputsDir)
    GoldenFiles.expected(c.golden, input.queries.size) match {
      case None => done(Nil, Some(s"its golden file does not hold ${input.queries.size} queries"))
      case Some(expected) =>
        val session = try GoldenSession.forCase(base, c.kind, input.settings) catch {
          case NonFatal(e) => return done(Nil, Some(s"setting up its session failed: $e"))
        }
        val records = input.queries.zip(expected).zipWithIndex.map { case ((sql, exp), i) =>
          if (sql != exp.sql) log(s"  query $i: its text differs from the golden file's")
          runQuery(session, c.name, i, sql, exp)
        }
        done(records, None)
    }
  }

  private def runQuery(session: SparkSession, file: String, index: Int, sql: String, expected: Expected): QueryRecord = {
    val on = timed(session, sql)
    val nativeness = on.plan.map(NativePlan.of)
    def record(off: Option[Outcome], verdict: Verdict) =
      QueryRecord(file, index, sql, expected, on, off, nativeness, verdict)
    val explain = sql.trim.toLowerCase(java.util.Locale.ROOT).startsWith("explain")
    if (on.matches(expected)) record(None, Verdict.Match)
    else if (!explain && !rerunnable(session, sql)) {
      // A command changes what the session holds: run once only (EXPLAIN runs nothing).
      if (nativeness.exists(_.native)) record(None, Verdict.Thermite(None))
      else record(None, Verdict.Environment("a command without native operators"))
    } else {
      val off = withThermiteOff(session)(timed(session, sql))
      if (off.sameAs(on)) record(Some(off), Verdict.Environment("the same with Thermite off"))
      else if (explain) record(Some(off), Verdict.PlanText)
      else if (!off.matches(expected) && !withThermiteOff(session)(timed(session, sql)).sameAs(off)) {
        record(Some(off), Verdict.Environment("nondeterministic with Thermite off"))
      } else record(Some(off), Verdict.Thermite(Some(off.matches(expected))))
    }
  }

  /** Whether running `sql` again leaves the session as it was. */
  private def rerunnable(session: SparkSession, sql: String): Boolean =
    try {
      session.sessionState.sqlParser.parsePlan(sql) match {
        case _: Command | _: InsertIntoStatement => false
        case _ => true
      }
    } catch {
      case NonFatal(_) => true // a parse error: it fails again the same way
    }

  private def withThermiteOff[T](session: SparkSession)(body: => T): T = {
    session.conf.set(ThermiteConf.Enabled, "false")
    try body finally session.conf.set(ThermiteConf.Enabled, "true")
  }

  /** The query on a worker thread; past the timeout its jobs are cancelled and the worker replaced. */
  private def timed(session: SparkSession, sql: String): Outcome = {
    val group = s"golden-${jobGroups.incrementAndGet()}"
    val future = worker.submit { () =>
      session.sparkContext.setJobGroup(group, "golden query", interruptOnCancel = true)
      try GoldenQuery.run(session, sql) finally session.sparkContext.clearJobGroup()
    }
    try future.get(timeoutSeconds, TimeUnit.SECONDS)
    catch {
      case _: TimeoutException =>
        session.sparkContext.cancelJobGroup(group)
        future.cancel(true)
        worker.shutdownNow()
        worker.awaitTermination(10, TimeUnit.SECONDS)
        worker = newWorker()
        Outcome("", s"timed out after $timeoutSeconds s", threw = true, None)
    }
  }
}
