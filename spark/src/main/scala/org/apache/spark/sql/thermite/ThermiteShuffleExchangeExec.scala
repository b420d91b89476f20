package org.apache.spark.sql.thermite

import scala.concurrent.Future

import scala.collection.JavaConverters._

import dev.thermite.exec.{NativeFileScan, NativeInputs, NodeMetrics, ThermiteBatchSource, ThermiteExec, ThermiteFilterExec, ThermiteProjectExec}
import dev.thermite.proto
import dev.thermite.rules.SortConverter
import dev.thermite.serde.{ExprContext, ExprSerde, SparkTypes}

import org.apache.spark.{MapOutputStatistics, Partitioner, RangePartitioner, ShuffleDependency}
import org.apache.spark.rdd.RDD
import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions.{Attribute, BoundReference, Literal, UnsafeProjection}
import org.apache.spark.sql.catalyst.expressions.codegen.{LazilyGeneratedOrdering, UnsafeRowWriter}
import org.apache.spark.sql.catalyst.plans.logical.Statistics
import org.apache.spark.sql.catalyst.plans.physical._
import org.apache.spark.sql.execution.{ShufflePartitionSpec, ShuffledRowRDD, SparkPlan, UnsafeRowSerializer}
import org.apache.spark.sql.execution.exchange.{ShuffleExchangeExec, ShuffleExchangeLike, ShuffleOrigin}
import org.apache.spark.sql.execution.metric.{SQLMetric, SQLMetrics, SQLShuffleReadMetricsReporter, SQLShuffleWriteMetricsReporter}
import org.apache.spark.sql.internal.SQLConf
import org.apache.spark.sql.types.{BinaryType, StringType, StructField, StructType}
import org.apache.spark.sql.vectorized.ColumnarBatch
import org.apache.spark.thermite.SparkInternals
import org.apache.spark.unsafe.types.UTF8String

/**
 * Spark's `ShuffleExchangeExec` over a native input, shuffled natively. (In a Spark package: a
 * shuffle exchange's map statistics are Spark-private types.)
 *
 * Map side: a native `ShuffleWrite` sends each row to the partition Spark would choose and emits
 * compressed Arrow IPC blocks; each block becomes one record (partition id, block) of an ordinary
 * Spark shuffle whose partitioner passes the ids through. Spark's shuffle manager writes and
 * serves them, so index and data files, the external shuffle service, fetch retries and AQE's map
 * statistics all work unchanged, under any shuffle manager.
 *
 * Reduce side: the fetched blocks of a partition, or of the partitions AQE's specs name, are
 * decoded by a native `ShuffleRead`. A native parent reads the result as a batch source; a Spark
 * parent gets rows.
 */
case class ThermiteShuffleExchangeExec(
    override val outputPartitioning: Partitioning,
    child: SparkPlan,
    shuffleOrigin: ShuffleOrigin,
    advisoryPartitionSize: Option[Long],
    codec: proto.ShuffleWrite.Codec)
    extends ShuffleExchangeLike with ThermiteBatchSource {

  override def nodeName: String = "ThermiteShuffleExchangeExec"
  override def output: Seq[Attribute] = child.output
  // AQE plans a shuffle stage as if its exchange produced rows, and a Spark parent may read rows.
  override def supportsRowBased: Boolean = true

  private lazy val writeMetrics = SQLShuffleWriteMetricsReporter.createShuffleWriteMetrics(sparkContext)
  private lazy val readMetrics = SQLShuffleReadMetricsReporter.createShuffleReadMetrics(sparkContext)

  override lazy val metrics: Map[String, SQLMetric] = Map(
    "numOutputRows" -> SQLMetrics.createMetric(sparkContext, "number of output rows"),
    "rowsWritten" -> SQLMetrics.createMetric(sparkContext, "rows written"),
    "dataSize" -> SQLMetrics.createSizeMetric(sparkContext, "data size (Arrow, uncompressed)"),
    "numPartitions" -> SQLMetrics.createMetric(sparkContext, "number of partitions"),
    "nativeWriteTimeNs" -> SQLMetrics.createNanoTimingMetric(sparkContext, "native write time"),
    "nativeReadTimeNs" -> SQLMetrics.createNanoTimingMetric(sparkContext, "native read time"),
    "spilledBytes" -> SQLMetrics.createSizeMetric(sparkContext, "bytes flushed early"),
    "spillCount" -> SQLMetrics.createMetric(sparkContext, "early flushes")) ++ readMetrics ++ writeMetrics

  /** The map side: this task's blocks, one row each (partition, rows, bytes, block). */
  @transient private lazy val blocks: RDD[ColumnarBatch] = {
    val inputs = new NativeInputs
    val write = proto.ShuffleWrite.newBuilder()
      .setInput(nativeChild(child, inputs))
      .setNumPartitions(numPartitions)
      .setCodec(codec)
    setPartitioning(write)
    val writeNodeMetrics = Map(
      "nativeTimeNs" -> metrics("nativeWriteTimeNs"),
      "spilledBytes" -> metrics("spilledBytes"),
      "spillCount" -> metrics("spillCount"))
    val childNodes = child match {
      case _: ThermiteBatchSource => Nil
      case n: ThermiteExec => n.nativeNodes
      case _ => Nil
    }
    executeNative(proto.Operator.newBuilder().setShuffleWrite(write).build(), inputs,
      // The writer's output rows are blocks; the exchange counts rows on the read side.
      NodeMetrics(nodeName, writeNodeMetrics, ignored = Set("numOutputRows")) +: childNodes.map(_.nodeMetrics))
  }

  /** How rows find their partition, set on the writer. */
  private def setPartitioning(write: proto.ShuffleWrite.Builder): Unit = {
    def valid[T](e: Either[String, T]): T = e.fold(why => throw new IllegalStateException(why), identity)
    outputPartitioning match {
      case h: HashPartitioning => write.setHashPartitionId(valid(ThermiteShuffleExchangeExec.hashPartitionId(h, child.output)))
      case _: RoundRobinPartitioning => write.setRoundRobin(proto.RoundRobin.newBuilder().setSortFirst(sortBeforeRoundRobin))
      case SinglePartition => write.setSingle(true)
      case r: RangePartitioning => write.setRange(rangePartitioning(r))
      case other => throw new IllegalStateException(s"$nodeName cannot partition by $other")
    }
  }

  /**
   * Whether each map task sorts its rows before a round robin, as Spark does (SPARK-23207) so that
   * a retried task sends every row where the first attempt did; not needed when the rows come in
   * an order of their own (file splits read in order, filtered and projected).
   */
  private lazy val sortBeforeRoundRobin: Boolean =
    outputPartitioning.numPartitions > 1 && SQLConf.get.sortBeforeRepartition &&
      !ThermiteShuffleExchangeExec.inFileOrder(child)

  /**
   * The map side's output depends on its input's order: a round robin of unsorted rows (Spark's
   * `isOrderSensitive`; a retry after a lost input in no order of its own then reruns the stages
   * after it).
   */
  private def orderSensitive: Boolean = outputPartitioning match {
    case r: RoundRobinPartitioning => r.numPartitions > 1 && !sortBeforeRoundRobin
    case _ => false
  }

  /** Range bounds from Spark's own sampling of the keys (a job over the input, as in Spark). */
  @transient private lazy val rangeBounds: Array[InternalRow] = outputPartitioning match {
    case RangePartitioning(orders, n) =>
      val sample = child.executeColumnar().mapPartitions { batches =>
        val project = UnsafeProjection.create(orders.map(_.child), child.output)
        batches.flatMap { b =>
          b.rowIterator().asScala.map(row => (project(row).copy(): InternalRow, null))
        }
      }
      val ordering = new LazilyGeneratedOrdering(orders.zipWithIndex.map { case (o, i) =>
        o.copy(child = BoundReference(i, o.dataType, o.nullable))
      })
      val partitioner = new RangePartitioner(n, sample, ascending = true,
        samplePointsPerPartitionHint = SQLConf.get.rangeExchangeSampleSizePerPartition)(ordering, scala.reflect.classTag[InternalRow])
      SparkInternals.rangeBounds(partitioner).map(_.asInstanceOf[InternalRow])
    case _ => Array.empty
  }

  private def rangePartitioning(r: RangePartitioning): proto.RangePartitioning = {
    val ctx = ExprContext(child.output)
    val keys = SortConverter.sortKeys(r.ordering, ctx).fold(e => throw new IllegalStateException(e), identity)
    val b = proto.RangePartitioning.newBuilder()
    keys.foreach(b.addKeys)
    rangeBounds.foreach { bound =>
      val values = r.ordering.zipWithIndex.map { case (o, i) =>
        val literal = (bound.get(i, o.dataType), o.dataType) match {
          // Strings travel as their bytes: a proto string holds text, Spark's need not be valid UTF-8.
          case (v, StringType) => Literal(Option(v).map(_.asInstanceOf[UTF8String].getBytes).orNull, BinaryType)
          case (v, t) => Literal(v, t)
        }
        ExprSerde.convert(literal, ctx).fold(e => throw new IllegalStateException(e), identity)
      }
      b.addBounds(proto.RangeBound.newBuilder().addAllValues(values.asJava))
    }
    b.build()
  }

  @transient lazy val shuffleDependency: ShuffleDependency[Int, InternalRow, InternalRow] = {
    val (rows, size) = (metrics("rowsWritten"), metrics("dataSize"))
    val records = blocks.mapPartitionsWithIndexInternal((_, batches: Iterator[ColumnarBatch]) => {
      // One reused row: Spark's shuffle writers serialize each record before taking the next.
      val writer = new UnsafeRowWriter(1)
      batches.flatMap { batch =>
        val (partition, blockRows, bytes, block) = (batch.column(0), batch.column(1), batch.column(2), batch.column(3))
        Iterator.tabulate(batch.numRows()) { i =>
          rows += blockRows.getLong(i)
          size += bytes.getLong(i)
          writer.reset()
          writer.write(0, block.getBinary(i))
          (partition.getInt(i), writer.getRow: InternalRow)
        }
      }
    }, isOrderSensitive = orderSensitive)
    val dep = new ShuffleDependency[Int, InternalRow, InternalRow](
      records,
      new ThermiteShuffleExchangeExec.PartitionIds(numPartitions),
      new UnsafeRowSerializer(1),
      shuffleWriterProcessor = ShuffleExchangeExec.createShuffleWriteProcessor(writeMetrics))
    metrics("numPartitions").set(numPartitions)
    dep
  }

  override def numMappers: Int = shuffleDependency.rdd.getNumPartitions

  /** Spark's count: a range partitioner may find fewer distinct bounds than partitions asked. */
  override lazy val numPartitions: Int = outputPartitioning match {
    case _: RangePartitioning => rangeBounds.length + 1
    case p => p.numPartitions
  }

  @transient override protected lazy val mapOutputStatisticsFuture: Future[MapOutputStatistics] =
    if (blocks.getNumPartitions == 0) Future.successful(null)
    else sparkContext.submitMapStage(shuffleDependency)

  override def getShuffleRDD(partitionSpecs: Array[ShufflePartitionSpec]): RDD[ColumnarBatch] =
    decode(new ShuffledRowRDD(shuffleDependency, readMetrics, partitionSpecs))

  override def runtimeStatistics: Statistics =
    Statistics(sizeInBytes = metrics("dataSize").value, rowCount = Some(metrics("rowsWritten").value))

  @transient private lazy val shuffled: RDD[ColumnarBatch] = decode(new ShuffledRowRDD(shuffleDependency, readMetrics))

  override protected def doExecuteColumnar(): RDD[ColumnarBatch] = shuffled

  override protected def doExecute(): RDD[InternalRow] = {
    val attributes = output
    executeColumnar().mapPartitions { batches =>
      val project = UnsafeProjection.create(attributes, attributes)
      batches.flatMap(_.rowIterator().asScala.map(project))
    }
  }

  /** Blocks fetched by Spark, decoded natively into this exchange's batches. */
  private def decode(fetched: RDD[InternalRow]): RDD[ColumnarBatch] = {
    val schema = SparkTypes.schema(child.schema.fields).fold(e => throw new IllegalStateException(e), identity)
    val blockInput = proto.JvmInput.newBuilder().setInputIndex(0)
      .setSchema(SparkTypes.schema(ThermiteShuffleExchangeExec.BlockSchema.fields).fold(e => throw new IllegalStateException(e), identity))
    val read = proto.ShuffleRead.newBuilder()
      .setInput(proto.Operator.newBuilder().setJvmInput(blockInput))
      .setSchema(schema)
    executeNativeOverRows(
      proto.Operator.newBuilder().setShuffleRead(read).build(),
      fetched,
      ThermiteShuffleExchangeExec.BlockSchema,
      Seq(NodeMetrics(nodeName, Map("numOutputRows" -> metrics("numOutputRows"), "nativeTimeNs" -> metrics("nativeReadTimeNs")))),
      rowsPerBatch = ThermiteShuffleExchangeExec.BlocksPerBatch)
  }

  override protected def withNewChildInternal(newChild: SparkPlan): ThermiteShuffleExchangeExec = copy(child = newChild)
}

object ThermiteShuffleExchangeExec {
  /** A fetched record: one block. */
  val BlockSchema: StructType = StructType(Seq(StructField("block", BinaryType, nullable = false)))

  /** Blocks handed to native code at a time; each holds up to a batch of rows. */
  val BlocksPerBatch = 4

  def hashPartitionId(h: HashPartitioning, input: Seq[Attribute]): Either[String, proto.Expr] =
    ExprSerde.convert(h.partitionIdExpression, ExprContext(input))

  /** Whether `plan`'s rows come in the order of its file splits: a scan, filtered and projected. */
  def inFileOrder(plan: SparkPlan): Boolean = plan match {
    case _: NativeFileScan => true
    case f: ThermiteFilterExec => inFileOrder(f.child)
    case p: ThermiteProjectExec => inFileOrder(p.child)
    case _ => false
  }

  def codec(name: String): Either[String, proto.ShuffleWrite.Codec] = name match {
    case "lz4" => Right(proto.ShuffleWrite.Codec.LZ4)
    case "zstd" => Right(proto.ShuffleWrite.Codec.ZSTD)
    case "none" => Right(proto.ShuffleWrite.Codec.NONE)
    case other => Left(s"unknown shuffle codec `$other` (lz4, zstd or none)")
  }

  /** The record keys are partition ids already. */
  class PartitionIds(override val numPartitions: Int) extends Partitioner {
    override def getPartition(key: Any): Int = key.asInstanceOf[Int]
  }
}
