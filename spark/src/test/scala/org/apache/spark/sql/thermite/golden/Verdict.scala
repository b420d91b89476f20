package org.apache.spark.sql.thermite.golden

/** Why a query's result with Thermite on is what it is, against the golden file. */
sealed trait Verdict
object Verdict {
  case object Match extends Verdict
  /** The golden output differs the same way with Thermite off: this machine, not Thermite. */
  final case class Environment(why: String) extends Verdict
  /** `EXPLAIN` output: it shows the plan, where Thermite's nodes differ from Spark's by design. */
  case object PlanText extends Verdict
  /** Thermite's answer differs from Spark's on the same machine (or a command that cannot be
   *  rerun differs and ran natively). */
  final case class Thermite(offMatchesGolden: Option[Boolean]) extends Verdict
}

/** One query of one file, as run. */
final case class QueryRecord(
    file: String,
    index: Int,
    sql: String,
    expected: Expected,
    on: Outcome,
    off: Option[Outcome],
    nativeness: Option[Nativeness],
    verdict: Verdict) {
  def matched: Boolean = verdict == Verdict.Match
  def native: Boolean = nativeness.exists(_.native)
  def fullyNative: Boolean = nativeness.exists(_.fullyNative)
}

/** The queries of one file, or why the file could not be compared. */
final case class FileRecord(name: String, queries: Seq[QueryRecord], problem: Option[String], seconds: Double)
