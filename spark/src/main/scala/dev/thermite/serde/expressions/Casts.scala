package dev.thermite.serde.expressions

import dev.thermite.proto
import dev.thermite.serde.{ExprContext, ExprConverter, ExprSerde, SparkTypes}

import org.apache.spark.sql.catalyst.expressions._

// Catalyst has expressions named Left and Right; these are Either's.
import scala.util.{Left, Right}
import org.apache.spark.sql.types._

/**
 * CAST between numeric types in legacy mode. Floating point to decimal stays in Spark: Spark
 * rounds through the double's decimal string, which the native kernel does not reproduce.
 */
object Casts extends ExprConverter {
  override def convert(e: Expression, ctx: ExprContext): Either[String, proto.Expr] = {
    val c = e.asInstanceOf[Cast]
    val from = c.child.dataType
    val to = c.dataType
    if (c.evalMode != EvalMode.LEGACY) {
      Left(s"`cast` in ${c.evalMode} mode is not supported")
    } else if (!from.isInstanceOf[NumericType] || !to.isInstanceOf[NumericType]) {
      Left(s"`cast` from ${from.catalogString} to ${to.catalogString} is not supported")
    } else if ((from == FloatType || from == DoubleType) && to.isInstanceOf[DecimalType]) {
      Left(s"`cast` from ${from.catalogString} to ${to.catalogString} is not supported")
    } else {
      for {
        child <- ExprSerde.convert(c.child, ctx)
        t <- SparkTypes.toProto(to)
      } yield proto.Expr.newBuilder().setCast(proto.Cast.newBuilder().setChild(child).setType(t)).build()
    }
  }
}
