package dev.thermite.rules

import dev.thermite.exec.DetachedChild.detach
import dev.thermite.exec._
import dev.thermite.proto
import dev.thermite.serde.{ExprContext, ExprSerde, SparkTypes}

import org.apache.spark.sql.catalyst.expressions.Expression
import org.apache.spark.sql.catalyst.optimizer.{BuildLeft, BuildRight}
import org.apache.spark.sql.catalyst.plans._
import org.apache.spark.sql.execution.SparkPlan
import org.apache.spark.sql.execution.exchange.BroadcastExchangeExec
import org.apache.spark.sql.catalyst.plans.physical.IdentityBroadcastMode
import org.apache.spark.sql.execution.joins.{BroadcastHashJoinExec, BroadcastNestedLoopJoinExec, HashJoin, HashedRelationBroadcastMode, ShuffledHashJoinExec, SortMergeJoinExec}
import org.apache.spark.sql.types.{BinaryType, DoubleType, FloatType}

/**
 * Spark's equi-joins: `ShuffledHashJoinExec` (either build side), `SortMergeJoinExec` and
 * `BroadcastHashJoinExec` over a native broadcast, of every join type Spark plans them with (the
 * null-aware anti join of NOT IN too), with an extra condition; and `BroadcastNestedLoopJoinExec`
 * over a native broadcast where its broadcast keeps no unmatched rows. Keys
 * come as Spark planned them: `<=>` already rewritten into non-null keys, floating point keys
 * already normalized (NaN and -0.0).
 */
object JoinConverter extends OperatorConverter {
  /**
   * DataFusion 49's sort-merge join, for a full outer join with a condition, emits pairs the
   * condition rejects (JoinSuite.extraCondition: 1,512 rows where Spark returns 870).
   */
  val FullOuterMergeWithCondition =
    "a full outer sort-merge join with a condition: DataFusion 49's merge join returns rows the condition rejects"

  override def convert(node: SparkPlan): Either[String, ThermiteExec] = node match {
    case j: ShuffledHashJoinExec =>
      for {
        b <- joinProto(j.leftKeys, j.rightKeys, j.joinType, j.condition, j.left, j.right, proto.Join.Strategy.HASH)
        order <- streamedOrder(j)
      } yield {
        b.setBuildLeft(j.buildSide == BuildLeft)
        order.foreach(b.addStreamedOrder)
        ThermiteShuffledHashJoinExec(detach(j), b.build(), j.left, j.right)
      }
    case j: BroadcastHashJoinExec if j.isNullAwareAntiJoin =>
      // Converted together with its broadcast (see `BroadcastExchangeConverter`).
      for {
        broadcast <- j.right match {
          case b @ ThermiteBroadcastExchangeExec(_) => Right(b)
          case BroadcastExchangeExec(mode: HashedRelationBroadcastMode, child) if ThermiteExec.isNative(child) =>
            Right(ThermiteBroadcastExchangeExec(mode, child))
          case other => Left(s"its broadcast ${other.nodeName} is not over a native input")
        }
        b <- joinProto(j.leftKeys, j.rightKeys, j.joinType, j.condition, j.left, broadcast,
          proto.Join.Strategy.BROADCAST_HASH)
      } yield ThermiteBroadcastHashJoinExec(detach(j), b.setNullAware(true).build(), j.left, broadcast)
    case j: BroadcastHashJoinExec =>
      for {
        _ <- nativeBroadcast(if (j.buildSide == BuildLeft) j.left else j.right)
        b <- joinProto(j.leftKeys, j.rightKeys, j.joinType, j.condition, j.left, j.right,
          proto.Join.Strategy.BROADCAST_HASH)
        order <- streamedOrder(j)
      } yield {
        order.foreach(b.addStreamedOrder)
        ThermiteBroadcastHashJoinExec(detach(j), b.setBuildLeft(j.buildSide == BuildLeft).build(), j.left, j.right)
      }
    case j: BroadcastNestedLoopJoinExec =>
      for {
        _ <- nativeBroadcast(if (j.buildSide == BuildLeft) j.left else j.right)
        _ <- (j.buildSide, j.joinType) match {
          case (_, Inner | Cross) | (BuildLeft, RightOuter) | (BuildRight, LeftOuter | LeftSemi | LeftAnti | ExistenceJoin(_)) =>
            Right(())
          // Spark gathers which broadcast rows any task matched; a native task sees only its own.
          case (side, joinType) =>
            Left(s"a nested loop join $joinType that keeps the unmatched rows of its broadcast ($side) is not supported")
        }
        b <- joinProto(Nil, Nil, j.joinType, j.condition, j.left, j.right, proto.Join.Strategy.BROADCAST_NESTED_LOOP)
      } yield ThermiteBroadcastNestedLoopJoinExec(detach(j), b.setBuildLeft(j.buildSide == BuildLeft).build(), j.left, j.right)
    case j: SortMergeJoinExec =>
      for {
        _ <- j.leftKeys.find(k => Seq(FloatType, DoubleType, BinaryType).contains(k.dataType)) match {
          case Some(k) => Left(s"a sort-merge join on a ${k.dataType.catalogString} key is not supported")
          case None => Right(())
        }
        _ <- if (j.joinType == FullOuter && j.condition.isDefined) Left(FullOuterMergeWithCondition) else Right(())
        b <- joinProto(j.leftKeys, j.rightKeys, j.joinType, j.condition, j.left, j.right, proto.Join.Strategy.SORT_MERGE)
      } yield ThermiteSortMergeJoinExec(detach(j), b.build(), j.left, j.right)
  }

  private def nativeBroadcast(build: SparkPlan): Either[String, Unit] = build match {
    case ThermiteBroadcastExchangeExec(_) => Right(())
    case other => Left(s"its broadcast ${other.nodeName} is not native")
  }

  /**
   * The order a hash join's output keeps from its streamed side, which Spark lets a parent rely
   * on (a merge join above it sorts nothing); the native join keeps it.
   */
  private def streamedOrder(j: HashJoin): Either[String, Seq[proto.SortKey]] = {
    val streamed = if (j.buildSide == BuildLeft) j.right else j.left
    SortConverter.sortKeys(j.outputOrdering, ExprContext(streamed.output))
      .left.map(why => s"the order of its streamed side cannot be kept: $why")
  }

  private def joinProto(
      leftKeys: Seq[Expression],
      rightKeys: Seq[Expression],
      joinType: JoinType,
      condition: Option[Expression],
      left: SparkPlan,
      right: SparkPlan,
      strategy: proto.Join.Strategy): Either[String, proto.Join.Builder] =
    for {
      _ <- OperatorSerde.nativeOrRowInputs(Seq(left, right))
      nativeType <- joinTypeProto(joinType)
      _ <- if (leftKeys.isEmpty && strategy != proto.Join.Strategy.BROADCAST_NESTED_LOOP) {
        Left("a join without equality keys is not supported")
      } else Right(())
      _ <- leftKeys.find(k => !SparkTypes.isScalar(k.dataType)) match {
        case Some(k) => Left(s"join key of type ${k.dataType.catalogString} is not supported")
        case None => Right(())
      }
      nativeLeftKeys <- ExprSerde.convertAll(leftKeys, ExprContext(left.output))
      nativeRightKeys <- ExprSerde.convertAll(rightKeys, ExprContext(right.output))
      nativeCondition <- condition match {
        case Some(c) => ExprSerde.convert(c, ExprContext(left.output ++ right.output)).map(Some(_))
        case None => Right(None)
      }
    } yield {
      val b = proto.Join.newBuilder().setType(nativeType).setStrategy(strategy)
      nativeLeftKeys.foreach(b.addLeftKeys)
      nativeRightKeys.foreach(b.addRightKeys)
      nativeCondition.foreach(b.setCondition)
      b
    }

  private def joinTypeProto(joinType: JoinType): Either[String, proto.Join.Type] = joinType match {
    // With equality keys, a cross join is an inner join.
    case Inner | Cross => Right(proto.Join.Type.INNER)
    case LeftOuter => Right(proto.Join.Type.LEFT_OUTER)
    case RightOuter => Right(proto.Join.Type.RIGHT_OUTER)
    case FullOuter => Right(proto.Join.Type.FULL_OUTER)
    case LeftSemi => Right(proto.Join.Type.LEFT_SEMI)
    case LeftAnti => Right(proto.Join.Type.LEFT_ANTI)
    case ExistenceJoin(_) => Right(proto.Join.Type.EXISTENCE)
    case other => Left(s"join type $other is not supported")
  }
}

/**
 * A hash join's broadcast over a native input. That of a null-aware anti join is converted only
 * with its join: a Spark join tells an empty or NULL-keyed build side by the identity of Spark's
 * own relation objects, which a native broadcast does not have. (AQE converts a broadcast alone
 * when it makes it a query stage, so this converter cannot see the join.)
 */
object BroadcastExchangeConverter extends OperatorConverter {
  override def convert(node: SparkPlan): Either[String, ThermiteExec] = {
    val exchange = node.asInstanceOf[BroadcastExchangeExec]
    exchange.mode match {
      case mode: HashedRelationBroadcastMode if mode.isNullAware =>
        Left("the broadcast of a null-aware anti join (NOT IN) runs natively only with its join")
      case mode @ (_: HashedRelationBroadcastMode | IdentityBroadcastMode) =>
        OperatorSerde.nativeChildren(exchange).map(_ => ThermiteBroadcastExchangeExec(mode, exchange.child))
      case other => Left(s"broadcast mode $other is not supported")
    }
  }
}
