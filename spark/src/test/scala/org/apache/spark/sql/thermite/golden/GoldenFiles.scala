package org.apache.spark.sql.thermite.golden

import java.io.File
import java.nio.charset.StandardCharsets
import java.nio.file.Files

import scala.collection.mutable.ArrayBuffer

/**
 * How Spark 3.5.9's `SQLQueryTestSuite` runs a file, decided by its folder: `postgreSQL/` with
 * ANSI mode, legacy intervals and three small UDFs; `ansi/` with ANSI mode; `timestampNTZ/` with
 * TIMESTAMP_NTZ as the default timestamp type; every other file with ANSI mode off.
 */
sealed trait CaseKind
object CaseKind {
  case object Regular extends CaseKind
  case object Ansi extends CaseKind
  case object PostgreSql extends CaseKind
  case object TimestampNtz extends CaseKind
}

/** One input file of the suite (`name` is its path under `inputs/`, as the suite names it). */
final case class GoldenCase(name: String, input: File, golden: File, kind: CaseKind)

/** An input file split as the suite splits it, with the settings the suite runs it under. */
final case class ParsedInput(queries: Seq[String], settings: Seq[(String, String)])

/** One query's expected block of a `.sql.out` file. */
final case class Expected(sql: String, schema: String, output: String)

/**
 * The suite's file formats. Inputs: queries separated by semicolons (or framed by
 * `--QUERY-DELIMITER-START`/`-END` lines); other lines starting with `--` are comments, among them
 * the `--SET k=v,...` and `--CONFIG_DIMn k=v,...` directives and `--IMPORT other.sql`, whose
 * queries come first. Golden files: blocks headed `-- !query`, `-- !query schema`,
 * `-- !query output`.
 */
object GoldenFiles {
  def read(file: File): String = new String(Files.readAllBytes(file.toPath), StandardCharsets.UTF_8)

  /**
   * Every `.sql` file under `inputsDir` with its golden file and kind, sorted by name. A file
   * without a golden file (`ignored.sql`) is one Spark's own suite ignores.
   */
  def cases(inputsDir: File, resultsDir: File): Seq[GoldenCase] = {
    def files(dir: File): Seq[File] = {
      val (dirs, plain) = dir.listFiles().toSeq.partition(_.isDirectory)
      plain.filter(_.getName.endsWith(".sql")) ++ dirs.flatMap(files)
    }
    files(inputsDir).map { f =>
      val name = inputsDir.toPath.relativize(f.toPath).toString
      val kind = name.takeWhile(_ != '/') match {
        case "postgreSQL" => CaseKind.PostgreSql
        case "ansi" => CaseKind.Ansi
        case "timestampNTZ" => CaseKind.TimestampNtz
        case _ => CaseKind.Regular
      }
      GoldenCase(name, f, new File(resultsDir, name + ".out"), kind)
    }.filter(_.golden.exists()).sortBy(_.name)
  }

  private def commentsAndCode(text: String): (Seq[String], Seq[String]) =
    text.split("\n").toSeq.partition { line =>
      val t = line.trim
      t.startsWith("--") && !t.startsWith("--QUERY-DELIMITER")
    }

  private def splitWithSemicolon(lines: Seq[String]): Seq[String] =
    lines.mkString("\n").split("(?<=[^\\\\]);").toSeq

  private def keyValues(line: String): Seq[(String, String)] = line.split(",").toSeq.map { kv =>
    val (key, value) = kv.span(_ != '=')
    key.trim -> value.substring(1).trim
  }

  /**
   * The queries and settings of `input`. Of several config dimensions (`--CONFIG_DIM1`, ...),
   * each a list of alternative settings the suite runs the file under in turn, the first
   * alternative of each is taken: the golden output is the same under all of them.
   */
  def parse(input: File, inputsDir: File): ParsedInput = {
    val (comments, code) = commentsAndCode(read(input))
    val imported = comments.filter(_.startsWith("--IMPORT ")).map(_.substring(9)).flatMap { name =>
      val f = new File(inputsDir, name)
      if (f.isFile) commentsAndCode(read(f))._2 else Nil
    }
    val allCode = imported ++ code
    val pieces = if (allCode.exists(_.trim.startsWith("--QUERY-DELIMITER"))) {
      val queries = ArrayBuffer[String]()
      val other = ArrayBuffer[String]()
      var framed = ""
      var inFrame = false
      allCode.foreach { line =>
        if (line.trim.startsWith("--QUERY-DELIMITER-START")) {
          inFrame = true
          queries ++= splitWithSemicolon(other.toSeq)
          other.clear()
        } else if (line.trim.startsWith("--QUERY-DELIMITER-END")) {
          inFrame = false
          queries += s"\n${framed.stripSuffix(";")}"
          framed = ""
        } else if (inFrame) {
          framed += s"\n$line"
        } else {
          other += line
        }
      }
      if (other.nonEmpty) queries ++= splitWithSemicolon(other.toSeq)
      queries.toSeq
    } else splitWithSemicolon(allCode)
    val queries = pieces.map(_.trim).filter(_.nonEmpty)
      // A comment at the end of a query stays in its piece: drop it, as the suite does.
      .map(_.split("\n").filterNot(_.startsWith("--")).mkString("\n")).map(_.trim).filter(_.nonEmpty)

    val settings = comments.filter(_.startsWith("--SET ")).map(_.substring(6)).flatMap(keyValues)
    val dimensions = comments.filter(_.startsWith("--CONFIG_DIM")).map(_.substring(12))
      .groupBy(_.takeWhile(_ != ' ')).toSeq.sortBy(_._1)
    val firstOfEachDimension = dimensions.flatMap { case (_, lines) =>
      keyValues(lines.head.dropWhile(_ != ' ').substring(1))
    }
    ParsedInput(queries, settings ++ firstOfEachDimension)
  }

  /** The expected blocks of a golden file, or None if it does not hold `count` of them. */
  def expected(golden: File, count: Int): Option[Seq[Expected]] = {
    val segments = read(golden).split("-- !query.*\n")
    if (segments.length != count * 3 + 1) None
    else Some(Seq.tabulate(count) { i =>
      Expected(segments(i * 3 + 1).trim, segments(i * 3 + 2).trim,
        segments(i * 3 + 3).replaceAll("\\s+$", ""))
    })
  }
}
