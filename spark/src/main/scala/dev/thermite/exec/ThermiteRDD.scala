package dev.thermite.exec

import dev.thermite.proto

import org.apache.spark.{OneToOneDependency, Partition, SparkContext, TaskContext}
import org.apache.spark.broadcast.Broadcast
import org.apache.spark.rdd.RDD
import org.apache.spark.sql.execution.thermite.ThermiteBroadcastRelation
import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.thermite.{IpcBatchesReader, JvmInputReader, RowsToArrowReader}
import org.apache.spark.sql.types.StructType
import org.apache.spark.sql.vectorized.ColumnarBatch
import org.apache.spark.thermite.BroadcastHadoopConf

/** One of a native plan's JVM inputs: how each task gets its Arrow batches. */
sealed trait JvmInput

/** Partition i of `rdd` feeds the plan's task i, as Arrow batches made by `reader`. */
case class PartitionedInput(rdd: RDD[_], reader: Iterator[Any] => JvmInputReader) extends JvmInput

/** Every task reads the whole broadcast build side. */
sealed trait BroadcastInput extends JvmInput {
  def reader: JvmInputReader
}

/** A hash join's build side, as the exchange's Arrow IPC streams. */
case class BroadcastBatchesInput(relation: Broadcast[ThermiteBroadcastRelation], schema: StructType) extends BroadcastInput {
  override def reader: JvmInputReader = new IpcBatchesReader(NativeBatchIterator.allocator, relation.value.streams, schema)
}

/** A nested loop join's build side, broadcast as Spark's rows. */
case class BroadcastRowsInput(rows: Broadcast[Array[InternalRow]], schema: StructType, batchSize: Int) extends BroadcastInput {
  override def reader: JvmInputReader =
    new RowsToArrowReader(NativeBatchIterator.allocator, rows.value.iterator, schema, batchSize)
}

/**
 * One task's share: its own serialized task input (the file splits of each scan), the deletes it
 * loads for them (by scan index), and the partition of each JVM input it reads.
 */
private case class ThermitePartition(
    index: Int,
    taskInput: Array[Byte],
    deletes: Seq[(Int, SplitDeletes)],
    hosts: Seq[String],
    parents: Seq[Partition])
    extends Partition {
  /** The task input with every scan's deletes loaded. */
  def loadedTaskInput: Array[Byte] =
    if (deletes.isEmpty) taskInput
    else {
      val input = proto.TaskInput.parseFrom(taskInput).toBuilder
      deletes.foreach { case (scan, loader) => input.setScans(scan, loader.resolve(input.getScans(scan))) }
      input.build().toByteArray
    }
}

/**
 * Runs one native plan per partition over any number of co-partitioned inputs (a join's two
 * sides): task i reads split i of every scan and partition i of every partitioned JVM input (and
 * all of every broadcast one). The plan is
 * serialized once, on the driver, and travels with the RDD (in the stage's task binary); each
 * task gets only its own splits, through its partition.
 *
 * @param scans per scan of the plan, in its input order: each partition's splits and hosts
 * @param hadoopConfs per scan: the configuration it reads its files through Hadoop with, if it does
 * @param jvmInputs in the plan's JVM input order
 */
class ThermiteRDD(
    sc: SparkContext,
    plan: Array[Byte],
    @transient private val scans: Seq[Seq[ScanPartition]],
    hadoopConfs: Seq[Option[BroadcastHadoopConf]],
    jvmInputs: Seq[JvmInput],
    nodeMetrics: Seq[NodeMetrics])
    extends RDD[ColumnarBatch](sc, ThermiteRDD.partitioned(jvmInputs).map(input => new OneToOneDependency(input.rdd))) {

  private val partitioned = ThermiteRDD.partitioned(jvmInputs)

  override protected def getPartitions: Array[Partition] = {
    val counts = scans.map(_.size) ++ partitioned.map(_.rdd.getNumPartitions)
    if (counts.distinct.size != 1) {
      throw new IllegalStateException(s"the inputs of a native plan have different partition counts: " +
        counts.mkString(", "))
    }
    (0 until counts.head).map { i =>
      val taskInput = proto.TaskInput.newBuilder().setPartitionId(i)
      scans.foreach(scan => taskInput.addScans(scan(i).input))
      val deletes = scans.zipWithIndex.flatMap { case (scan, s) => scan(i).deletes.map(s -> _) }
      val hosts = scans.flatMap(_(i).hosts).distinct
      ThermitePartition(i, taskInput.build().toByteArray, deletes, hosts, partitioned.map(_.rdd.partitions(i))): Partition
    }.toArray
  }

  override protected def getPreferredLocations(split: Partition): Seq[String] = {
    val partition = split.asInstanceOf[ThermitePartition]
    val parentHosts = partitioned.zip(partition.parents).flatMap { case (input, p) => input.rdd.preferredLocations(p) }
    (partition.hosts ++ parentHosts).distinct
  }

  override def compute(split: Partition, context: TaskContext): Iterator[ColumnarBatch] = {
    val partition = split.asInstanceOf[ThermitePartition]
    val parents = partition.parents.iterator
    val readers = jvmInputs.map {
      case input: PartitionedInput => input.reader(input.rdd.iterator(parents.next(), context).asInstanceOf[Iterator[Any]])
      case input: BroadcastInput => input.reader
    }
    val files = hadoopConfs.map(_.map(conf => new HadoopFiles(conf.value)))
    new NativeBatchIterator(plan, partition.loadedTaskInput, context, nodeMetrics, readers, files)
  }
}

private object ThermiteRDD {
  def partitioned(inputs: Seq[JvmInput]): Seq[PartitionedInput] = inputs.collect { case p: PartitionedInput => p }
}
