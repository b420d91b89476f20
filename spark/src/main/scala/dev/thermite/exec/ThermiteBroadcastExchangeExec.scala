package dev.thermite.exec

import java.util.concurrent.{Future => JFuture, TimeUnit, TimeoutException}

import scala.concurrent.{Future, Promise}

import dev.thermite.proto

import org.apache.spark.broadcast.Broadcast
import org.apache.spark.rdd.RDD
import org.apache.spark.sql.catalyst.expressions.Attribute
import org.apache.spark.sql.catalyst.plans.logical.Statistics
import org.apache.spark.sql.catalyst.plans.physical.{BroadcastMode, BroadcastPartitioning, Partitioning}
import org.apache.spark.sql.execution.{ColumnarToRowTransition, InputAdapter, SparkPlan, SQLExecution, WholeStageCodegenExec}
import org.apache.spark.sql.execution.adaptive.BroadcastQueryStageExec
import org.apache.spark.sql.execution.exchange.{BroadcastExchangeLike, ReusedExchangeExec}
import org.apache.spark.sql.execution.joins.HashedRelationBroadcastMode
import org.apache.spark.sql.execution.metric.{SQLMetric, SQLMetrics}
import org.apache.spark.sql.execution.thermite.{BroadcastRelations, ThermiteBroadcastRelation}
import org.apache.spark.sql.thermite.ArrowIpc
import org.apache.spark.sql.vectorized.ColumnarBatch

/**
 * Spark's `BroadcastExchangeExec` of a join's build side, over a native input: each partition's
 * batches as one Arrow IPC stream, collected to the driver. A hash join's are broadcast as a
 * [[ThermiteBroadcastRelation]], which native joins read as batches and Spark's joins as its own
 * hashed relation; a nested loop join's as Spark's own value for it, the rows, which a native
 * join converts to batches.
 */
case class ThermiteBroadcastExchangeExec(mode: BroadcastMode, child: SparkPlan)
    extends BroadcastExchangeLike with ThermiteExec {
  override def nodeName: String = "ThermiteBroadcastExchangeExec"
  // A broadcast, read through `executeBroadcast`, never as rows or batches.
  override def supportsColumnar: Boolean = false
  override def output: Seq[Attribute] = child.output
  override def outputPartitioning: Partitioning = BroadcastPartitioning(mode)
  override protected def extraMetrics: Map[String, SQLMetric] =
    Map("dataSize" -> SQLMetrics.createSizeMetric(sparkContext, "data size"))
  override def doCanonicalize(): SparkPlan = copy(mode = mode.canonicalized, child = child.canonicalized)

  override def nativeOperator(inputs: NativeInputs): proto.Operator =
    throw new IllegalStateException(s"$nodeName is read as a broadcast, never inlined")

  override def nativeNodes: Seq[ThermiteExec] = Nil

  override def runtimeStatistics: Statistics =
    Statistics(sizeInBytes = metrics("dataSize").value, rowCount = Some(metrics("numOutputRows").value))

  @transient private lazy val promise = Promise[Broadcast[Any]]()

  @transient override lazy val completionFuture: Future[Broadcast[Any]] = promise.future

  @transient override lazy val relationFuture: JFuture[Broadcast[Any]] =
    SQLExecution.withThreadLocalCaptured[Broadcast[Any]](session, BroadcastRelations.executionContext) {
      try {
        // As Spark's exchange: cancelling the query stage cancels this job.
        sparkContext.addJobTag(jobTag)
        sparkContext.setInterruptOnCancel(true)
        val relation = collect()
        val broadcast = sparkContext.broadcast[Any](relation)
        val executionId = sparkContext.getLocalProperty(SQLExecution.EXECUTION_ID_KEY)
        SQLMetrics.postDriverMetricUpdates(sparkContext, executionId, Seq(metrics("dataSize"), metrics("numOutputRows")))
        promise.trySuccess(broadcast)
        broadcast
      } catch {
        case e: Throwable =>
          promise.tryFailure(e)
          throw e
      }
    }

  private def collect(): Any = {
    val encoded = nativeBatches.mapPartitions { batches =>
      Iterator(ArrowIpc.encode(batches, NativeBatchIterator.allocator))
    }.collect()
    val rows = encoded.map(_._1).sum
    val streams = encoded.map(_._2)
    metrics("numOutputRows").set(rows)
    metrics("dataSize").set(streams.map(_.length.toLong).sum)
    mode match {
      case hashed: HashedRelationBroadcastMode => new ThermiteBroadcastRelation(streams, rows, child.schema, hashed)
      case other => other.transform(ArrowIpc.rows(streams, child.schema, NativeBatchIterator.allocator).toArray)
    }
  }

  /** The native child's batches; Spark puts a row transition between it and this row-based node. */
  private def nativeBatches: RDD[ColumnarBatch] = {
    def native(plan: SparkPlan): SparkPlan = plan match {
      case w: WholeStageCodegenExec => native(w.child)
      case c: ColumnarToRowTransition => native(c.children.head)
      case i: InputAdapter => native(i.child)
      case other => other
    }
    native(child).executeColumnar()
  }

  override protected def doPrepare(): Unit = relationFuture

  override def doExecuteBroadcast[T](): Broadcast[T] = {
    val timeout = conf.broadcastTimeout
    try relationFuture.get(timeout, TimeUnit.SECONDS).asInstanceOf[Broadcast[T]]
    catch {
      case e: TimeoutException =>
        sparkContext.cancelJobsWithTag(jobTag)
        relationFuture.cancel(true)
        throw new IllegalStateException(s"$nodeName: the broadcast took longer than $timeout s", e)
    }
  }

  override protected def withNewChildInternal(newChild: SparkPlan): ThermiteBroadcastExchangeExec =
    copy(child = newChild)
}

object ThermiteBroadcastExchangeExec {
  /** A native broadcast as a join reads it: the exchange, its query stage or its reuse. */
  def unapply(plan: SparkPlan): Option[SparkPlan] = exchange(plan).map(_ => plan)

  /** The native exchange behind a broadcast a join reads. */
  def exchange(plan: SparkPlan): Option[ThermiteBroadcastExchangeExec] = plan match {
    case e: ThermiteBroadcastExchangeExec => Some(e)
    case s: BroadcastQueryStageExec => PartialFunction.condOpt(s.broadcast) { case e: ThermiteBroadcastExchangeExec => e }
    case ReusedExchangeExec(_, e: ThermiteBroadcastExchangeExec) => Some(e)
    case _ => None
  }
}
