package org.apache.spark.sql.thermite.golden

/** The markdown report of a run: totals, Thermite's differences in full, then every file's counts. */
object GoldenReport {
  private final case class Counts(
      queries: Int, matched: Int, differ: Int, fail: Int, environment: Int, planText: Int,
      thermite: Int, native: Int, fullyNative: Int)

  private def counts(qs: Seq[QueryRecord]): Counts = Counts(
    queries = qs.size,
    matched = qs.count(_.matched),
    differ = qs.count(q => !q.matched && !q.on.threw),
    fail = qs.count(q => !q.matched && q.on.threw),
    environment = qs.count(_.verdict.isInstanceOf[Verdict.Environment]),
    planText = qs.count(_.verdict == Verdict.PlanText),
    thermite = qs.count(_.verdict.isInstanceOf[Verdict.Thermite]),
    native = qs.count(_.native),
    fullyNative = qs.count(_.fullyNative))

  private def row(first: String, c: Counts, last: String): String =
    Seq(first, c.queries, c.matched, c.differ, c.fail, c.environment, c.planText, c.thermite,
      c.native, c.fullyNative, last).mkString("| ", " | ", " |")

  private val header =
    "| file | queries | match | differ | fail | environment | plan text | Thermite | native | fully native | seconds |\n" +
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"

  private def block(text: String, maxLines: Int = 25): String = {
    val lines = text.split("\n", -1)
    val shown = if (lines.length > maxLines) lines.take(maxLines) :+ s"... (${lines.length - maxLines} more lines)" else lines
    "```\n" + shown.mkString("\n") + "\n```"
  }

  private def where(q: QueryRecord): String = q.nativeness match {
    case Some(n) if n.fullyNative => "fully native"
    case Some(n) if n.native => s"native in part (in Spark: ${n.sparkOperators.distinct.sorted.mkString(", ")})"
    case Some(_) => "not native"
    case None => "no plan"
  }

  def render(files: Seq[FileRecord], skipped: Seq[(String, String)], seconds: Double, header0: String): String = {
    val all = files.flatMap(_.queries)
    val total = counts(all)
    val sb = new StringBuilder
    sb ++= header0 + "\n\n"
    sb ++= s"Run time: ${"%.0f".format(seconds)} s. Files run: ${files.size} (${files.count(_.problem.nonEmpty)} " +
      s"not comparable), skipped: ${skipped.size}.\n\n"
    sb ++= "## Totals\n\n" + header + "\n" + row("**all**", total, "%.0f".format(seconds)) + "\n\n"
    sb ++= "Columns: **match**: schema and output equal to the golden file's; **differ** / **fail**: not " +
      "equal, with a result / with an error (or a timeout); each such query is then **environment** " +
      "(it differs the same way with Thermite off), **plan text** (`EXPLAIN`, which shows Thermite's " +
      "nodes) or **Thermite** (a Thermite difference); **native**: the executed plan has Thermite " +
      "nodes; **fully native**: every operator of it (apart from adaptive wrappers and the result's " +
      "transition to rows) is Thermite's.\n\n"

    val thermite = all.filter(_.verdict.isInstanceOf[Verdict.Thermite])
    sb ++= s"## Thermite differences (${thermite.size})\n\n"
    thermite.foreach { q =>
      val offNote = q.verdict match {
        case Verdict.Thermite(Some(true)) => "Thermite off gives the golden output."
        case Verdict.Thermite(Some(false)) => "Thermite off differs from the golden output too, otherwise:\n\n" +
          block(q.off.map(o => o.schema + "\n" + o.output).getOrElse(""))
        case _ => "A command, not rerun with Thermite off."
      }
      sb ++= s"### ${q.file} #${q.index} (${where(q)})\n\n```sql\n${q.sql}\n```\n\nGolden:\n\n" +
        block(q.expected.schema + "\n" + q.expected.output) + "\n\nThermite on:\n\n" +
        block(q.on.schema + "\n" + q.on.output) + s"\n\n$offNote\n\n"
    }

    val unusual = files.filter(_.problem.nonEmpty)
    if (unusual.nonEmpty) {
      sb ++= "## Files not compared\n\n"
      unusual.foreach(f => sb ++= s"- `${f.name}`: ${f.problem.get}\n")
      sb ++= "\n"
    }
    sb ++= "## Skipped\n\n"
    skipped.foreach { case (what, why) => sb ++= s"- `$what`: $why\n" }

    val env = all.filter(q => q.verdict.isInstanceOf[Verdict.Environment] || q.verdict == Verdict.PlanText)
    sb ++= s"\n## Differences that are not Thermite's (${env.size})\n\n"
    env.foreach { q =>
      val why = q.verdict match {
        case Verdict.Environment(w) => w
        case _ => "EXPLAIN output"
      }
      sb ++= s"- `${q.file}` #${q.index}: $why: `${q.sql.replaceAll("\\s+", " ").take(100)}`\n"
    }

    sb ++= "\n## Per file\n\n" + header + "\n"
    files.foreach(f => sb ++= row(s"`${f.name}`", counts(f.queries), "%.1f".format(f.seconds)) + "\n")
    sb.toString
  }
}
