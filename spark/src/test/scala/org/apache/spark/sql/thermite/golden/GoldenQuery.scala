package org.apache.spark.sql.thermite.golden

import scala.util.Try
import scala.util.control.NonFatal

import org.apache.spark.{ErrorMessageFormat, SparkException, SparkThrowable, SparkThrowableHelper}
import org.apache.spark.sql.{AnalysisException, DataFrame, SparkSession}
import org.apache.spark.sql.catalyst.planning.PhysicalOperation
import org.apache.spark.sql.catalyst.plans.logical._
import org.apache.spark.sql.execution.{SparkPlan, SQLExecution}
import org.apache.spark.sql.execution.HiveResult.hiveResultString
import org.apache.spark.sql.execution.command.{DescribeColumnCommand, DescribeCommandBase}
import org.apache.spark.sql.types.StructType

/** A query's result as the golden files write it, and the plan it ran with (if it got one). */
final case class Outcome(schema: String, output: String, threw: Boolean, plan: Option[SparkPlan]) {
  def sameAs(other: Outcome): Boolean = schema == other.schema && output == other.output
  def matches(e: Expected): Boolean = schema == e.schema && output == e.output
}

/**
 * Runs a query and writes its result as `SQLQueryTestHelper` does (Spark 3.5.9): the schema's
 * catalog string; the rows through `hiveResultString`, sorted unless the analyzed plan orders them
 * (`isSorted`); an error as its class name and Spark's minimal message; expression ids and the
 * warehouse folder masked.
 */
object GoldenQuery {
  private val emptySchema = StructType(Seq.empty).catalogString
  private val notIncluded = "[not included in comparison]"
  private val suiteClass = GoldenSession.SuiteClass

  def run(session: SparkSession, sql: String): Outcome = {
    var df: Option[DataFrame] = None
    var threw = false
    val (schema, lines) = try {
      val frame = session.sql(sql)
      df = Some(frame)
      val schema = frame.schema.catalogString
      val answer = SQLExecution.withNewExecutionId(frame.queryExecution, Some(sql)) {
        hiveResultString(frame.queryExecution.executedPlan).map(mask)
      }
      (schema, if (isSorted(frame.queryExecution.analyzed)) answer else answer.sorted)
    } catch {
      case NonFatal(e) =>
        threw = true
        (emptySchema, errorLines(e))
    }
    val plan = df.flatMap(d => Try(d.queryExecution.executedPlan).toOption)
    Outcome(schema, lines.mkString("\n").replaceAll("\\s+$", ""), threw, plan)
  }

  private def isSorted(plan: LogicalPlan): Boolean = plan match {
    case _: Join | _: Aggregate | _: Generate | _: Sample | _: Distinct => false
    case _: DescribeCommandBase | _: DescribeColumnCommand | _: DescribeRelation | _: DescribeColumn => true
    case PhysicalOperation(_, _, Sort(_, true, _)) => true
    case _ => plan.children.iterator.exists(isSorted)
  }

  private def errorLines(e: Throwable): Seq[String] = e match {
    case t: SparkThrowable with Throwable if t.getErrorClass != null =>
      Seq(t.getClass.getName, SparkThrowableHelper.getMessage(t, ErrorMessageFormat.MINIMAL))
    case a: AnalysisException =>
      Seq(a.getClass.getName, a.getSimpleMessage.replaceAll("#\\d+", "#x"))
    case s: SparkException if s.getCause != null =>
      s.getCause match {
        case t: SparkThrowable with Throwable if t.getErrorClass != null =>
          Seq(t.getClass.getName, SparkThrowableHelper.getMessage(t, ErrorMessageFormat.MINIMAL))
        case cause => Seq(cause.getClass.getName, cause.getMessage)
      }
    case other => Seq(other.getClass.getName, other.getMessage)
  }

  /** `SQLQueryTestHelper.replaceNotIncludedMsg`: what varies between runs, masked. */
  private def mask(line: String): String =
    line.replaceAll("#\\d+", "#x")
      .replaceAll("plan_id=\\d+", "plan_id=x")
      .replaceAll(s"Location.*$suiteClass/", s"Location $notIncluded/{warehouse_dir}/")
      .replaceAll(s"file:[^\\s,]*$suiteClass", s"file:$notIncluded/{warehouse_dir}")
      .replaceAll("Created By.*", s"Created By $notIncluded")
      .replaceAll("Created Time.*", s"Created Time $notIncluded")
      .replaceAll("transient_lastDdlTime=\\d+", s"transient_lastDdlTime=$notIncluded")
      .replaceAll(""""transient_lastDdlTime":"\d+"""", s""""transient_lastDdlTime $notIncluded":"None"""")
      .replaceAll("Last Access.*", s"Last Access $notIncluded")
      .replaceAll("Owner\t.*", s"Owner\t$notIncluded")
      .replaceAll("Partition Statistics\t\\d+", s"Partition Statistics\t$notIncluded")
      .replaceAll("CTERelationDef \\d+,", "CTERelationDef xxxx,")
      .replaceAll("CTERelationRef \\d+,", "CTERelationRef xxxx,")
      .replaceAll("@\\w*,", "@xxxxxxxx,")
      .replaceAll("\\*\\(\\d+\\) ", "*")
}
