package dev.thermite.serde.expressions

import dev.thermite.proto
import dev.thermite.proto.Binary.Op
import dev.thermite.serde.{ExprContext, ExprConverter}

import org.apache.spark.sql.catalyst.expressions._

// Catalyst has expressions named Left and Right; these are Either's.
import scala.util.{Left, Right}

/** `= <=> < <= > >=` on equal types (Spark's analyzer casts operands to a common type). */
object Comparisons extends ExprConverter {
  override def convert(e: Expression, ctx: ExprContext): Either[String, proto.Expr] = {
    val op = e match {
      case _: EqualTo => Op.EQ
      case _: EqualNullSafe => Op.EQ_NULL_SAFE
      case _: LessThan => Op.LT
      case _: LessThanOrEqual => Op.LT_EQ
      case _: GreaterThan => Op.GT
      case _: GreaterThanOrEqual => Op.GT_EQ
    }
    val c = e.asInstanceOf[BinaryComparison]
    if (c.left.dataType != c.right.dataType) {
      Left(s"`${c.symbol}` between ${c.left.dataType.catalogString} and ${c.right.dataType.catalogString}")
    } else {
      Binaries.binary(op, c.left, c.right, ctx)
    }
  }
}
