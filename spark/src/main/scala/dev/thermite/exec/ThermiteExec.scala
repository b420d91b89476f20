package dev.thermite.exec

import scala.collection.mutable.ArrayBuffer

import dev.thermite.{proto, ThermiteConf}
import dev.thermite.serde.SparkTypes

import org.apache.spark.TaskContext

import org.apache.spark.rdd.RDD
import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.execution.{RowToColumnarExec, ScalarSubquery, SparkPlan}
import org.apache.spark.sql.execution.adaptive.{AQEShuffleReadExec, QueryStageExec}
import org.apache.spark.sql.execution.exchange.ReusedExchangeExec
import org.apache.spark.sql.execution.metric.{SQLMetric, SQLMetrics}
import org.apache.spark.sql.thermite.{NativeBatchesReader, RowsToArrowReader}
import org.apache.spark.sql.types.StructType
import org.apache.spark.sql.vectorized.ColumnarBatch

/** What a native plan reads, in the order its proto refers to them. */
class NativeInputs {
  /** Scans, whose file splits each task receives. */
  val scans: ArrayBuffer[ThermiteScanExec] = ArrayBuffer.empty
  /** Spark operators whose rows, or native sources whose batches, each task streams to native code. */
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

  /** This node and its inlined native descendants in pre-order, the order native metrics come in. */
  def nativeNodes: Seq[ThermiteExec] =
    this +: children.collect { case n: ThermiteExec if !n.isInstanceOf[ThermiteBatchSource] => n }.flatMap(_.nativeNodes)

  override protected def doExecute(): RDD[InternalRow] =
    throw new IllegalStateException(s"$nodeName produces columnar batches only")

  override protected def doExecuteColumnar(): RDD[ColumnarBatch] = {
    val inputs = new NativeInputs
    executeNative(nativeOperator(inputs), inputs, nativeNodes.map(_.metrics))
  }

  /** Runs `root` once per partition of its one input (a scan's splits, or a JVM input's partitions). */
  protected def executeNative(
      root: proto.Operator,
      inputs: NativeInputs,
      metrics: Seq[Map[String, SQLMetric]]): RDD[ColumnarBatch] =
    (inputs.scans.toSeq, inputs.jvm.toSeq) match {
      case (Seq(scan), Seq()) => new ThermiteRDD(sparkContext, serializePlan(root), scan.taskInputs(), metrics)
      case (Seq(), Seq(source)) if ThermiteExec.isBatchSource(source) =>
        val (plan, schema) = (serializePlan(root), source.schema)
        source.executeColumnar().mapPartitions({ batches =>
          val reader = new NativeBatchesReader(NativeBatchIterator.allocator, batches, schema)
          new NativeBatchIterator(plan, ThermiteExec.NoTaskInput, TaskContext.get(), metrics, Seq(reader))
        }, preservesPartitioning = true)
      case (Seq(), Seq(child)) => executeNativeOverRows(root, child.execute(), child.schema, metrics)
      case (scans, jvm) =>
        throw new IllegalStateException(
          s"$nodeName: a native plan reads one scan or one Spark operator, not ${scans.size} and ${jvm.size}")
    }

  /** Runs `root`, whose one input is JVM input 0, over each partition of `rows`. */
  protected def executeNativeOverRows(
      root: proto.Operator,
      rows: RDD[InternalRow],
      schema: StructType,
      metrics: Seq[Map[String, SQLMetric]],
      rowsPerBatch: Int = 0): RDD[ColumnarBatch] = {
    val plan = serializePlan(root)
    val batchSize = if (rowsPerBatch > 0) rowsPerBatch else ThermiteConf.batchSize(session.sessionState.conf)
    rows.mapPartitions({ rows =>
      val reader = new RowsToArrowReader(NativeBatchIterator.allocator, rows, schema, batchSize)
      new NativeBatchIterator(plan, ThermiteExec.NoTaskInput, TaskContext.get(), metrics, Seq(reader))
    }, preservesPartitioning = true)
  }

  private def serializePlan(root: proto.Operator): Array[Byte] = {
    val conf = session.sessionState.conf
    val plan = proto.Plan.newBuilder()
    subqueryValues.foreach(plan.addSubqueries)
    plan
      .setRoot(root)
      .setSessionTimeZone(conf.sessionLocalTimeZone)
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
      .map { s =>
        s.updateResult()
        val value = SparkTypes.literal(s.eval(), s.dataType).fold(e => throw new IllegalStateException(e), identity)
        proto.SubqueryValue.newBuilder().setId(s.exprId.id).setValue(value).build()
      }

  /** `node` and the native descendants whose operators its plan inlines. */
  private def inlined(node: SparkPlan): Seq[SparkPlan] =
    node +: node.children.filter(c => c.isInstanceOf[ThermiteExec] && !ThermiteExec.isBatchSource(c)).flatMap(inlined)

  /** The child's operator: inlined when native, else a JVM input of its batches or rows. */
  protected def nativeChild(child: SparkPlan, inputs: NativeInputs): proto.Operator = child match {
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
  /** The task input of a plan that reads no files. */
  val NoTaskInput: Array[Byte] = proto.TaskInput.getDefaultInstance.toByteArray

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
