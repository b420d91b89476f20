package dev.thermite.exec

import scala.collection.JavaConverters._

import dev.thermite.proto
import dev.thermite.serde.SparkTypes

import org.apache.spark.sql.catalyst.expressions.{Attribute, Expression, SortOrder}
import org.apache.spark.sql.catalyst.plans.physical.Partitioning
import org.apache.spark.sql.execution.{FileSourceScanExec, LeafExecNode}
import org.apache.spark.sql.execution.datasources.{FileFormat, FilePartition, FileScanRDD}
import org.apache.spark.sql.types.DataType
import org.apache.spark.thermite.BroadcastHadoopConf

/**
 * Spark's Parquet `FileSourceScanExec`, read natively. Spark still plans the file splits
 * (`inputRDD`, so bucketing, partition pruning and split sizes are Spark's); each task sends
 * only its own splits to native code.
 *
 * `partitionFilters` are the scan's, held where Spark (and AQE's planning of dynamic partition
 * pruning) finds their subqueries; the files are chosen with them once their results are in.
 */
case class ThermiteScanExec(original: FileSourceScanExec, scan: proto.ParquetScan, partitionFilters: Seq[Expression])
    extends LeafExecNode with NativeFileScan {
  override def nodeName: String = "ThermiteScanExec"
  override def output: Seq[Attribute] = original.output
  override def outputPartitioning: Partitioning = original.outputPartitioning
  override def outputOrdering: Seq[SortOrder] = original.outputOrdering
  override def simpleString(maxFields: Int): String =
    original.simpleString(maxFields).replaceFirst("^(Scan|FileScan)", nodeName)
  override protected def stringArgs: Iterator[Any] = Iterator(original.relation.location, output)
  override def doCanonicalize(): ThermiteScanExec =
    copy(original = original.canonicalized.asInstanceOf[FileSourceScanExec], partitionFilters = Nil)

  /**
   * The Hadoop configuration a task reads this scan's files (or their deletion vectors) with,
   * where it reads through Hadoop: the session's with the read's options, as Spark's own file
   * scan takes it.
   */
  @transient override lazy val hadoopConf: Option[BroadcastHadoopConf] =
    if (!scan.getHadoopFileSystem && !scan.hasRowDeletedColumn) None
    else Some(new BroadcastHadoopConf(sparkContext,
      original.relation.sparkSession.sessionState.newHadoopConfWithOptions(original.relation.options)))

  override protected def fileFilters: Seq[Expression] = partitionFilters

  private def filePartitions: Seq[FilePartition] = {
    awaitFileFilters()
    selectedFiles
  }

  private lazy val selectedFiles: Seq[FilePartition] = original.copy(partitionFilters = partitionFilters).inputRDD match {
    case rdd: FileScanRDD => rdd.filePartitions
    case other => throw new IllegalStateException(s"unexpected scan RDD ${other.getClass.getName}")
  }

  override def taskInputs(): Seq[ScanPartition] = {
    val relation = original.relation
    val partitionTypes = relation.partitionSchema.map(_.dataType)
    val metadata = original.fileConstantMetadataColumns
    val extractors = relation.fileFormat.fileConstantMetadataExtractors
    val deletionVectors = if (scan.hasRowDeletedColumn) Some(DeltaDeletionVectors.keys) else None
    lazy val deltaLoader: SplitDeletes = DeltaDeletionVectors.Loader(DeltaDeletionVectors.tablePath(relation.fileFormat),
      hadoopConf.getOrElse(throw new IllegalStateException("a Delta scan with deletion vectors and no Hadoop configuration")))
    filePartitions.map { partition =>
      val input = proto.ScanInput.newBuilder()
      partition.files.foreach { f =>
        val split = proto.FileSplit.newBuilder()
          .setPath(f.filePath.toUri.getPath)
          .setStart(f.start)
          .setLength(f.length)
          .setFileSize(f.fileSize)
          .setUri(f.filePath.urlEncoded)
        def constant(value: Any, t: DataType) =
          split.addPartitionValues(SparkTypes.literal(value, t).fold(e => throw new IllegalStateException(e), identity))
        partitionTypes.zipWithIndex.foreach { case (t, i) =>
          constant(if (f.partitionValues.isNullAt(i)) null else f.partitionValues.get(i, t), t)
        }
        metadata.foreach(a => constant(FileFormat.getFileConstantMetadataColumnValue(a.name, f, extractors).value, a.dataType))
        deletionVectors.foreach { keys =>
          keys.of(f).foreach { case (descriptor, filter) =>
            split.setDeletionVector(descriptor).setDeletionVectorFilter(filter)
          }
        }
        input.addFiles(split)
      }
      val deletes = if (input.getFilesList.asScala.exists(!_.getDeletionVector.isEmpty)) Some(deltaLoader) else None
      ScanPartition(input.build(), partition.preferredLocations().toSeq, deletes)
    }
  }
}
