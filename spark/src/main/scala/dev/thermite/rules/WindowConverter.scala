package dev.thermite.rules

import dev.thermite.exec.DetachedChild.detach
import dev.thermite.exec.{ThermiteExec, ThermiteWindowExec}
import dev.thermite.proto
import dev.thermite.proto.WindowCall.Function
import dev.thermite.serde.{ExprContext, ExprSerde, SparkTypes}

import org.apache.spark.sql.catalyst.expressions.{Alias, AttributeReference, CurrentRow, DenseRank, Expression, Literal, NthValue, RangeFrame, Rank, RowNumber, SpecifiedWindowFrame, UnboundedFollowing, UnboundedPreceding, WindowExpression, WindowFrame}
import org.apache.spark.sql.catalyst.expressions.aggregate.{AggregateExpression, Average, Complete, Sum}
import org.apache.spark.sql.execution.SparkPlan
import org.apache.spark.sql.execution.window.{WindowExec, WindowGroupLimitExec}
import org.apache.spark.sql.types.{DataType, DecimalType, IntegerType}

/**
 * Spark's `WindowExec`: ranking functions and aggregates over frames that start at the
 * partition's first row and end at the current row or the partition's last (Spark's frames
 * without an ORDER BY, with one, and ranking functions'). Frames with offsets, and functions
 * that need the partition's size before the first row's result (`percent_rank`, `cume_dist`,
 * which DataFusion's streaming window cannot compute), stay in Spark.
 */
object WindowConverter extends OperatorConverter {
  override def convert(node: SparkPlan): Either[String, ThermiteExec] = {
    val window = node.asInstanceOf[WindowExec]
    val ctx = OperatorSerde.exprContext(window)
    // Each window column is an expression over window functions' results (most often just one).
    val windowExprs = window.windowExpression.flatMap(_.collect { case w: WindowExpression => w }).distinct
    val results = windowExprs.zipWithIndex.map { case (w, i) => AttributeReference(s"window_$i", w.dataType)() }
    val columns = window.windowExpression.map {
      case a: Alias => a.child.transform { case w: WindowExpression => results(windowExprs.indexOf(w)) }
      case other => other
    }
    for {
      _ <- OperatorSerde.nativeOrRowChildren(window)
      partitionBy <- ExprSerde.convertAll(window.partitionSpec, ctx)
      orderBy <- SortConverter.sortKeys(window.orderSpec, ctx)
      calls <- sequence(windowExprs.map(call(_, ctx)))
      columns <- ExprSerde.convertAll(columns, ExprContext(window.child.output ++ results))
    } yield {
      val b = proto.Window.newBuilder()
      partitionBy.foreach(b.addPartitionBy)
      orderBy.foreach(b.addOrderBy)
      calls.foreach(b.addCalls)
      columns.foreach(b.addResults)
      ThermiteWindowExec(detach(window), b.build(), window.child)
    }
  }

  private def call(w: WindowExpression, ctx: ExprContext): Either[String, proto.WindowCall] =
    for {
      resultType <- SparkTypes.toProto(w.dataType)
      frame <- frame(w.windowSpec.frameSpecification)
      b <- callOf(w.windowFunction, ctx)
    } yield b.setResultType(resultType).setRangeFrame(frame._1).setToPartitionEnd(frame._2).build()

  /** (RANGE rather than ROWS, to the partition's end rather than the current row). */
  private def frame(frame: WindowFrame): Either[String, (Boolean, Boolean)] = frame match {
    case SpecifiedWindowFrame(kind, UnboundedPreceding, CurrentRow) => Right((kind == RangeFrame, false))
    case SpecifiedWindowFrame(kind, UnboundedPreceding, UnboundedFollowing) => Right((kind == RangeFrame, true))
    case other => Left(s"window frame `${other.sql}` is not supported")
  }

  private def callOf(function: Expression, ctx: ExprContext): Either[String, proto.WindowCall.Builder] = {
    def ranking(f: Function) = Right(proto.WindowCall.newBuilder().setFunction(f))
    function match {
      case _: RowNumber => ranking(Function.ROW_NUMBER)
      case _: Rank => ranking(Function.RANK)
      case _: DenseRank => ranking(Function.DENSE_RANK)
      // Spark's optimizer plans `first` over a frame from the partition's start as this.
      case NthValue(input, Literal(1, IntegerType), ignoreNulls) =>
        for {
          arg <- ExprSerde.convert(input, ctx)
          argType <- SparkTypes.toProto(input.dataType)
        } yield {
          val first = proto.AggregateCall.newBuilder().setFunction(proto.AggregateCall.Function.FIRST)
            .setArg(arg).setArgType(argType).setIgnoreNulls(ignoreNulls)
          proto.WindowCall.newBuilder().setFunction(Function.AGGREGATE).setAggregate(first)
        }
      case AggregateExpression(f @ (_: Sum | _: Average), _, _, _, _) if mayOverflowInBetween(f.children.head.dataType) =>
        Left(s"window function `${f.prettyName}` of ${f.children.head.dataType.catalogString}: Spark's window keeps " +
          "a running sum past its type's precision (only the result must fit), which is not supported")
      case e @ AggregateExpression(_, Complete, false, None, _) =>
        AggregateConverter.completeCall(e, ctx)
          .map(c => proto.WindowCall.newBuilder().setFunction(Function.AGGREGATE).setAggregate(c))
      case other => Left(s"window function `${other.prettyName}` is not supported")
    }
  }

  /**
   * Whether a decimal sum's running value can pass its type's precision before coming back: a sum
   * of decimal(p, s) is a decimal(p + 10, s), so only where p + 10 is capped at 38.
   */
  private def mayOverflowInBetween(t: DataType): Boolean = t match {
    case d: DecimalType => d.precision + 10 > DecimalType.MAX_PRECISION
    case _ => false
  }

  private def sequence[T](items: Seq[Either[String, T]]): Either[String, Seq[T]] =
    items.collectFirst { case Left(why) => why }.toLeft(items.collect { case Right(t) => t })
}

/** Spark's `WindowGroupLimitExec`: the window of its rank-like function, filtered by the limit. */
object WindowGroupLimitConverter extends OperatorConverter {
  override def convert(node: SparkPlan): Either[String, ThermiteExec] = {
    val limit = node.asInstanceOf[WindowGroupLimitExec]
    val ctx = OperatorSerde.exprContext(limit)
    val rank = limit.rankLikeFunction match {
      case _: RowNumber => Right(Function.ROW_NUMBER)
      case _: Rank => Right(Function.RANK)
      case _: DenseRank => Right(Function.DENSE_RANK)
      case other => Left(s"a window group limit on `${other.prettyName}` is not supported")
    }
    for {
      _ <- OperatorSerde.nativeOrRowChildren(limit)
      function <- rank
      partitionBy <- ExprSerde.convertAll(limit.partitionSpec, ctx)
      orderBy <- SortConverter.sortKeys(limit.orderSpec, ctx)
      resultType <- SparkTypes.toProto(limit.rankLikeFunction.dataType)
    } yield {
      val call = proto.WindowCall.newBuilder().setFunction(function).setResultType(resultType)
      val b = proto.Window.newBuilder().addCalls(call).setGroupLimit(limit.limit)
      partitionBy.foreach(b.addPartitionBy)
      orderBy.foreach(b.addOrderBy)
      ThermiteWindowExec(detach(limit), b.build(), limit.child)
    }
  }
}
