package dev.thermite.serde.expressions

import dev.thermite.proto
import dev.thermite.serde.{ExprContext, ExprConverter}

import dev.thermite.proto.ScalarFunction.{Name => Fn}

import org.apache.spark.sql.catalyst.expressions._
import org.apache.spark.sql.types.{BinaryType, IntegerType, LongType, StringType}

// Catalyst has expressions named Left and Right; these are Either's.
import scala.util.{Left, Right}

/** `md5`, `sha1`, `sha2`, `crc32` (of bytes: Spark casts strings to binary first), `hex`, `unhex`. */
object Digests extends ExprConverter {
  override def convert(e: Expression, ctx: ExprContext): Either[String, proto.Expr] = e match {
    case Md5(c) => NativeFunction(Fn.MD5, Seq(c), ctx)
    case Sha1(c) => NativeFunction(Fn.SHA1, Seq(c), ctx)
    case Sha2(c, bits @ Literal(_, IntegerType)) => NativeFunction(Fn.SHA2, Seq(c, bits), ctx)
    case _: Sha2 => Left("`sha2` with a bit length that is not a constant is not supported")
    case Crc32(c) => NativeFunction(Fn.CRC32, Seq(c), ctx)
    case h: Hex if Seq(LongType, BinaryType, StringType).contains(h.child.dataType) => NativeFunction(Fn.HEX, Seq(h.child), ctx)
    case h: Hex => Left(s"`hex` of ${h.child.dataType.catalogString} is not supported")
    case u: Unhex if u.failOnError => Left("`unhex` that fails on invalid input is not supported")
    case u: Unhex => NativeFunction(Fn.UNHEX, Seq(u.child), ctx)
  }
}
