package dev.thermite.exec

import scala.collection.mutable.ArrayBuffer

import dev.thermite.{proto, ThermiteConf}
import dev.thermite.serde.{SessionZones, SparkTypes}
import dev.thermite.serde.expressions.Subqueries

import org.apache.spark.rdd.RDD
import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.execution.{RowToColumnarExec, ScalarSubquery, SparkPlan}
import org.apache.spark.sql.execution.adaptive.{AQEShuffleReadExec, QueryStageExec}
import org.apache.spark.sql.execution.exchange.ReusedExchangeExec
import org.apache.spark.sql.execution.joins.HashedRelationBroadcastMode
import org.apache.spark.sql.execution.metric.{SQLMetric, SQLMetrics}
import org.apache.spark.sql.execution.thermite.ThermiteBroadcastRelation
import org.apache.spark.sql.thermite.{NativeBatchesReader, RowsToArrowReader}
import org.apache.spark.sql.types.StructType
import org.apache.spark.sql.vectorized.ColumnarBatch

/** What a native plan reads, in the order its proto refers to them. */
class NativeInputs {
  /** Scans, whose file splits each task receives. */
  val scans: ArrayBuffer[NativeFileScan] = ArrayBuffer.empty
  /**
   * Spark operators whose rows, native sources whose batches (each task streams its partition to
   * native code), or native broadcasts (each task reads them whole).
   */
  val jvm: ArrayBuffer[SparkPlan] = ArrayBuffer.empty
}

/**
 * A Spark node that runs natively. A contiguous subtree of them runs as one native plan: only the
 * topmost node of the subtree executes; it inlines its native children's operators. A child
 * that is a Spark operator becomes a JVM input: its rows, converted to Arrow per task.
 */
trait ThermiteExec extends SparkPlan {
  /** This node's operator, its native children inlined; leaves register their inputs. */
  def nativeOperator(inputs: NativeInputs): proto.Operator

  override def supportsColumnar: Boolean = true

  /** Metrics the native operator reports (by these names), besides rows and time. */
  protected def extraMetrics: Map[String, SQLMetric] = Map.empty

  /** For operators that spill: the bytes and the number of spills native code reports. */
  protected def spillMetrics: Map[String, SQLMetric] = Map(
    "spilledBytes" -> SQLMetrics.createSizeMetric(sparkContext, "spill size"),
    "spillCount" -> SQLMetrics.createMetric(sparkContext, "number of spills"))

  override lazy val metrics: Map[String, SQLMetric] = Map(
    "numOutputRows" -> SQLMetrics.createMetric(sparkContext, "number of output rows"),
    "nativeTimeNs" -> SQLMetrics.createNanoTimingMetric(sparkContext, "native time")) ++ extraMetrics

  /** This node's metrics, by the name native code reports them under. */
  def nodeMetrics: NodeMetrics = NodeMetrics(nodeName, metrics)

  /** This node and its inlined native descendants in pre-order, the order native metrics come in. */
  def nativeNodes: Seq[ThermiteExec] =
    this +: nativeInputOrder.collect { case n: ThermiteExec if !n.isInstanceOf[ThermiteBatchSource] => n }
      .flatMap(_.nativeNodes)

  /** The children in the order the native plan has its inputs (a hash join may swap them). */
  protected def nativeInputOrder: Seq[SparkPlan] = children

  /**
   * As Spark's own node would canonicalize: the Spark node a Thermite node keeps (its `original`)
   * carries expression ids, so it is canonicalized too. Equal subtrees then match, and Spark
   * reuses their exchanges and query stages.
   */
  override def doCanonicalize(): SparkPlan = {
    val args = productIterator.map {
      case p: SparkPlan if !children.exists(_ eq p) => p.canonicalized
      case other => other.asInstanceOf[AnyRef]
    }.toArray
    makeCopy(args).withNewChildren(children.map(_.canonicalized))
  }

  override protected def doExecute(): RDD[InternalRow] =
    throw new IllegalStateException(s"$nodeName produces columnar batches only")

  override protected def doExecuteColumnar(): RDD[ColumnarBatch] = {
    val inputs = new NativeInputs
    executeNative(nativeOperator(inputs), inputs, nativeNodes.map(_.nodeMetrics))
  }

  /**
   * Runs `root` once per partition of its inputs, which are co-partitioned (one scan or JVM input,
   * or a join's two sides): task i reads split i of each scan and partition i of each JVM input.
   */
  protected def executeNative(
      root: proto.Operator,
      inputs: NativeInputs,
      metrics: Seq[NodeMetrics]): RDD[ColumnarBatch] = {
    val batchSize = ThermiteConf.batchSize(session.sessionState.conf)
    val jvm = inputs.jvm.toSeq.map {
      case broadcast @ ThermiteBroadcastExchangeExec(_) =>
        ThermiteBroadcastExchangeExec.exchange(broadcast).map(_.mode) match {
          case Some(_: HashedRelationBroadcastMode) =>
            BroadcastBatchesInput(broadcast.executeBroadcast[ThermiteBroadcastRelation](), broadcast.schema)
          case _ => BroadcastRowsInput(broadcast.executeBroadcast[Array[InternalRow]](), broadcast.schema, batchSize)
        }
      case source if ThermiteExec.isBatchSource(source) =>
        val schema = source.schema
        PartitionedInput(source.executeColumnar(), batches =>
          new NativeBatchesReader(NativeBatchIterator.allocator, batches.asInstanceOf[Iterator[ColumnarBatch]], schema))
      case plan => rowsInput(plan.execute(), plan.schema, batchSize)
    }
    val scans = inputs.scans.toSeq
    new ThermiteRDD(sparkContext, serializePlan(root), scans.map(_.taskInputs()), scans.map(_.hadoopConf), jvm, metrics)
  }

  /** Runs `root`, whose one input is JVM input 0, over each partition of `rows`. */
  protected def executeNativeOverRows(
      root: proto.Operator,
      rows: RDD[InternalRow],
      schema: StructType,
      metrics: Seq[NodeMetrics],
      rowsPerBatch: Int = 0): RDD[ColumnarBatch] = {
    val batchSize = if (rowsPerBatch > 0) rowsPerBatch else ThermiteConf.batchSize(session.sessionState.conf)
    new ThermiteRDD(sparkContext, serializePlan(root), Nil, Nil, Seq(rowsInput(rows, schema, batchSize)), metrics)
  }

  private def rowsInput(rows: RDD[InternalRow], schema: StructType, batchSize: Int): PartitionedInput =
    PartitionedInput(rows, rows =>
      new RowsToArrowReader(NativeBatchIterator.allocator, rows.asInstanceOf[Iterator[InternalRow]], schema, batchSize))

  private def serializePlan(root: proto.Operator): Array[Byte] = {
    val conf = session.sessionState.conf
    val plan = proto.Plan.newBuilder()
    subqueryValues.foreach(plan.addSubqueries)
    SessionZones.toProto(conf.sessionLocalTimeZone).foreach(plan.setSessionTimeZone)
    plan
      .setRoot(root)
      .setBatchSize(ThermiteConf.batchSize(conf))
      .build()
      .toByteArray
  }

  /**
   * The values of the scalar subqueries in this native plan. Spark started them when it prepared
   * the plan; this waits for any still running.
   */
  private def subqueryValues: Seq[proto.SubqueryValue] =
    inlined(this).flatMap(_.expressions.flatMap(_.collect { case s: ScalarSubquery => s }))
      .groupBy(_.exprId.id).values.map(_.head).toSeq
      .flatMap { s =>
        s.updateResult()
        Subqueries.values(s)
      }

  /** `node` and the native descendants whose operators its plan inlines. */
  private def inlined(node: SparkPlan): Seq[SparkPlan] =
    node +: node.children.filter(c => c.isInstanceOf[ThermiteExec] && !ThermiteExec.isBatchSource(c)).flatMap(inlined)

  /** The child's operator: inlined when native, else a JVM input of its batches or rows. */
  protected def nativeChild(child: SparkPlan, inputs: NativeInputs): proto.Operator = child match {
    case ThermiteBroadcastExchangeExec(broadcast) => jvmInput(broadcast, inputs)
    case RowToColumnarExec(ThermiteBroadcastExchangeExec(broadcast)) => jvmInput(broadcast, inputs)
    case source if ThermiteExec.isBatchSource(source) => jvmInput(source, inputs)
    case n: ThermiteExec => n.nativeOperator(inputs)
    // Spark puts this above row-based children of columnar nodes; Thermite converts rows itself.
    case r: RowToColumnarExec => jvmInput(r.child, inputs)
    case rows if !rows.supportsColumnar => jvmInput(rows, inputs)
    case other => throw new IllegalStateException(s"$nodeName cannot read the columnar ${other.nodeName}")
  }

  protected def jvmInput(plan: SparkPlan, inputs: NativeInputs): proto.Operator = {
    val schema = SparkTypes.schema(plan.schema.fields).fold(e => throw new IllegalStateException(e), identity)
    val input = proto.JvmInput.newBuilder().setInputIndex(inputs.jvm.size).setSchema(schema)
    inputs.jvm += plan
    proto.Operator.newBuilder().setJvmInput(input).build()
  }
}

object ThermiteExec {
  /**
   * Whether `plan`'s columnar output is Thermite's own Arrow batches, read by a native parent as
   * an input: a batch source, or AQE's stage, shuffle read or reuse wrapped around one.
   */
  def isBatchSource(plan: SparkPlan): Boolean = plan match {
    case _: ThermiteBatchSource => true
    case s: QueryStageExec => isBatchSource(s.plan)
    case r: AQEShuffleReadExec => isBatchSource(r.child)
    case r: ReusedExchangeExec => isBatchSource(r.child)
    case _ => false
  }

  /** A native node inlined into its parent's plan, or a batch source the parent reads. */
  def isNative(plan: SparkPlan): Boolean = plan.isInstanceOf[ThermiteExec] || isBatchSource(plan)
}

/**
 * A native node whose batches come from an RDD of its own (a union, a coalesce, a gather to one
 * partition) rather than from one native plan: a native parent reads its batches as an input
 * instead of inlining it.
 */
trait ThermiteBatchSource extends ThermiteExec {
  override def nativeOperator(inputs: NativeInputs): proto.Operator =
    throw new IllegalStateException(s"$nodeName is read as an input, never inlined")

  override def nativeNodes: Seq[ThermiteExec] = Nil
}
