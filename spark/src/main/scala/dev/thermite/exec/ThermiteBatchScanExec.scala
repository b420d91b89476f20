package dev.thermite.exec

import dev.thermite.proto
import dev.thermite.rules.IcebergScans

import org.apache.spark.sql.catalyst.expressions.{Attribute, Expression, SortOrder}
import org.apache.spark.sql.catalyst.plans.physical.Partitioning
import org.apache.spark.sql.connector.read.InputPartition
import org.apache.spark.sql.execution.LeafExecNode
import org.apache.spark.sql.execution.datasources.v2.{BatchScanExec, DataSourceRDDPartition}
import org.apache.spark.thermite.BroadcastHadoopConf

/**
 * A data source V2 scan of Parquet files read natively: Apache Iceberg's. The source still plans
 * the splits and their grouping into Spark partitions (`inputRDD`, after runtime filtering);
 * each task sends its own splits to native code and loads their deletes where it runs.
 *
 * `runtimeFilters` are the scan's, held where Spark (and AQE's planning of dynamic partition
 * pruning) finds their subqueries; the files are chosen with them once their results are in.
 */
case class ThermiteBatchScanExec(original: BatchScanExec, scan: proto.ParquetScan, runtimeFilters: Seq[Expression])
    extends LeafExecNode with NativeFileScan {
  // The same native operator as a file source scan's, whose metrics it reports under this name.
  override def nodeName: String = "ThermiteScanExec"
  override def output: Seq[Attribute] = original.output
  override def outputPartitioning: Partitioning = original.outputPartitioning
  override def outputOrdering: Seq[SortOrder] = original.outputOrdering
  override def simpleString(maxFields: Int): String =
    original.simpleString(maxFields).replaceFirst("^BatchScan", nodeName)
  override protected def stringArgs: Iterator[Any] = Iterator(original.scan.description(), output)
  override def doCanonicalize(): ThermiteBatchScanExec =
    copy(original = original.canonicalized.asInstanceOf[BatchScanExec], runtimeFilters = Nil)

  @transient override lazy val hadoopConf: Option[BroadcastHadoopConf] =
    if (!scan.getHadoopFileSystem) None
    else Some(new BroadcastHadoopConf(sparkContext, session.sessionState.newHadoopConf()))

  /** The source's input partitions of each Spark partition, runtime filters applied. */
  private def partitions: Seq[Seq[InputPartition]] = {
    awaitFileFilters()
    selectedPartitions
  }

  override protected def fileFilters: Seq[Expression] = runtimeFilters

  // A scan that selects nothing is one empty partition (Spark's own RDD of no rows).
  private lazy val selectedPartitions: Seq[Seq[InputPartition]] =
    original.copy(runtimeFilters = runtimeFilters).inputRDD.partitions.toSeq.map {
      case p: DataSourceRDDPartition => p.inputPartitions
      case _ => Nil
    }

  override def taskInputs(): Seq[ScanPartition] = partitions.map { sources =>
    val tasks = sources.flatMap(IcebergScans.tasks)
    val input = proto.ScanInput.newBuilder()
    tasks.foreach(t => input.addFiles(IcebergScans.split(t)))
    val deletes = if (tasks.exists(IcebergScans.hasDeletes)) Some(IcebergDeletes(sources)) else None
    ScanPartition(input.build(), sources.flatMap(_.preferredLocations()).distinct, deletes)
  }
}
