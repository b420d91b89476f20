package dev.thermite.exec

import dev.thermite.proto

import org.apache.spark.sql.catalyst.expressions.Expression
import org.apache.spark.sql.execution.ExecSubqueryExpression
import org.apache.spark.sql.execution.metric.{SQLMetric, SQLMetrics}
import org.apache.spark.thermite.BroadcastHadoopConf

/**
 * A leaf whose native operator is a Parquet scan of files Spark (or a table format) chose: each
 * task gets its own splits.
 */
trait NativeFileScan extends ThermiteExec {
  /** The native scan, but for which of the plan's scans it is. */
  def scan: proto.ParquetScan

  override protected def extraMetrics: Map[String, SQLMetric] = Map(
    "numFiles" -> SQLMetrics.createMetric(sparkContext, "number of file splits read"),
    "rowGroupsRead" -> SQLMetrics.createMetric(sparkContext, "row groups read"),
    "rowGroupsPruned" -> SQLMetrics.createMetric(sparkContext, "row groups pruned by statistics"),
    "bytesScanned" -> SQLMetrics.createSizeMetric(sparkContext, "bytes scanned"))

  override def nativeOperator(inputs: NativeInputs): proto.Operator = {
    val index = inputs.scans.size
    inputs.scans += this
    proto.Operator.newBuilder().setParquetScan(scan.toBuilder.setInputIndex(index)).build()
  }

  /** This scan's splits for each Spark partition. */
  def taskInputs(): Seq[ScanPartition]

  /** The scan's filters that choose its files, some with subqueries (dynamic partition pruning's). */
  protected def fileFilters: Seq[Expression]

  /** Waits for the results of the file filters' subqueries, which Spark started before the plan ran. */
  protected def awaitFileFilters(): Unit = fileFilters.foreach(_.foreach {
    case s: ExecSubqueryExpression => s.updateResult()
    case _ =>
  })

  /** The configuration a task reads the files through Hadoop with, where it does. */
  def hadoopConf: Option[BroadcastHadoopConf]
}

/**
 * One task's share of a scan: its splits, their preferred hosts, and the deletes it loads where it
 * runs before the scan starts, if any split has some.
 */
case class ScanPartition(input: proto.ScanInput, hosts: Seq[String], deletes: Option[SplitDeletes])

/**
 * Deletes of a task's splits, read by the table format's own code where the task runs (Delta's
 * deletion vectors, Iceberg's position deletes) and handed to native code as the rows they mark.
 */
trait SplitDeletes extends Serializable {
  /** `input` with `row_marks` set on each split that has deletes. */
  def resolve(input: proto.ScanInput): proto.ScanInput
}
