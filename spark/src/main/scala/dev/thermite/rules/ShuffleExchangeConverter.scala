package dev.thermite.rules

import dev.thermite.ThermiteConf
import dev.thermite.exec.ThermiteExec
import org.apache.spark.sql.thermite.ThermiteShuffleExchangeExec
import dev.thermite.serde.{ExprContext, ExprSerde}

import org.apache.spark.sql.catalyst.expressions.Literal
import org.apache.spark.sql.catalyst.plans.physical.{HashPartitioning, Partitioning, RangePartitioning, RoundRobinPartitioning, SinglePartition}
import org.apache.spark.sql.execution.SparkPlan
import org.apache.spark.sql.execution.exchange.ShuffleExchangeExec
import org.apache.spark.sql.internal.SQLConf

/**
 * A shuffle over a native input is written and read natively; over a Spark input it stays
 * Spark's (its rows would only be converted to Arrow to be shuffled).
 */
object ShuffleExchangeConverter extends OperatorConverter {
  override def convert(node: SparkPlan): Either[String, ThermiteExec] = {
    val exchange = node.asInstanceOf[ShuffleExchangeExec]
    val conf = SQLConf.get
    for {
      _ <- if (ThermiteConf.shuffleEnabled(conf)) Right(()) else Left(s"${ThermiteConf.ShuffleEnabled} is false")
      _ <- OperatorSerde.nativeChildren(exchange)
      codec <- ThermiteShuffleExchangeExec.codec(ThermiteConf.shuffleCodec(conf))
      partitioning <- supported(exchange.outputPartitioning, exchange.child)
    } yield ThermiteShuffleExchangeExec(partitioning, exchange.child, exchange.shuffleOrigin, exchange.advisoryPartitionSize, codec)
  }

  /** The exchange's partitioning, if the native writer implements it. */
  private def supported(partitioning: Partitioning, child: SparkPlan): Either[String, Partitioning] = {
    val ctx = ExprContext(child.output)
    partitioning match {
      case h: HashPartitioning => ThermiteShuffleExchangeExec.hashPartitionId(h, child.output).map(_ => h)
      case r: RoundRobinPartitioning =>
        // Native blocks carry columns; `repartition(n).count()` reads none.
        if (child.output.isEmpty) Left("round robin of rows without columns is not supported") else Right(r)
      case SinglePartition => Right(SinglePartition)
      case r: RangePartitioning =>
        for {
          _ <- SortConverter.sortKeys(r.ordering, ctx)
          // The sampled bounds travel as literals of the keys' types.
          _ <- r.ordering.foldLeft[Either[String, Unit]](Right(())) { (ok, o) =>
            ok.flatMap(_ => ExprSerde.convert(Literal(null, o.dataType), ctx).map(_ => ()))
          }
        } yield r
      case other => Left(s"partitioning ${other.getClass.getSimpleName} is not supported")
    }
  }
}
