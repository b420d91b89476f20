package dev.thermite.serde.expressions

import scala.util.Try

import dev.thermite.proto
import dev.thermite.serde.{ExprContext, ExprConverter, ExprSerde}

import dev.thermite.proto.ScalarFunction.{Name => Fn}
import dev.thermite.serde.expressions.NativeFunction.show

import org.apache.spark.sql.catalyst.expressions._
import org.apache.spark.sql.catalyst.util.StringUtils
import org.apache.spark.sql.types.{ArrayType, IntegerType, StringType}
import org.apache.spark.unsafe.types.UTF8String

// Catalyst has expressions named Left and Right; these are Either's.
import scala.util.{Left, Right}

/**
 * String functions of StringType arguments (binary ones keep Spark's byte semantics in Spark),
 * each mapped to the native function of the same name.
 */
object Strings extends ExprConverter {
  override def convert(e: Expression, ctx: ExprContext): Either[String, proto.Expr] = e match {
    case Like(str, pattern, escape) => like(str, pattern, escape, ctx)
    // A NULL argument is typed array<string> by Spark's coercion; skipped like any NULL.
    case ConcatWs(sep +: rest) =>
      strings(Fn.CONCAT_WS, sep +: rest.filterNot { case Literal(null, ArrayType(StringType, _)) => true; case _ => false }, ctx)
    case StringTrim(str, trimStr) => strings(Fn.TRIM, str +: trimStr.toSeq, ctx)
    case StringTrimLeft(str, trimStr) => strings(Fn.LTRIM, str +: trimStr.toSeq, ctx)
    case StringTrimRight(str, trimStr) => strings(Fn.RTRIM, str +: trimStr.toSeq, ctx)
    case StringReplace(str, search, replacement) => strings(Fn.REPLACE, Seq(str, search, replacement), ctx)
    case StringLPad(str, len, pad) => withInt(Fn.LPAD, Seq(str, len, pad), 1, ctx)
    case StringRPad(str, len, pad) => withInt(Fn.RPAD, Seq(str, len, pad), 1, ctx)
    case StringInstr(str, sub) => strings(Fn.INSTR, Seq(str, sub), ctx)
    case StringLocate(sub, str, start) => withInt(Fn.LOCATE, Seq(sub, str, start), 2, ctx)
    case Reverse(str) => strings(Fn.REVERSE, Seq(str), ctx)
    case StringTranslate(str, from, to) => strings(Fn.TRANSLATE, Seq(str, from, to), ctx)
    case Ascii(str) => NativeFunction(Fn.ASCII, Seq(str), ctx)
    case Chr(code) => NativeFunction(Fn.CHR, Seq(code), ctx)
    case SubstringIndex(str, delim, count) => NativeFunction(Fn.SUBSTRING_INDEX, Seq(str, delim, count), ctx)
    case l: Levenshtein if l.threshold.isDefined => Left("`levenshtein` with a threshold is not supported")
    case l: Levenshtein => NativeFunction(Fn.LEVENSHTEIN, Seq(l.left, l.right), ctx)
    case SoundEx(str) => NativeFunction(Fn.SOUNDEX, Seq(str), ctx)
    case _: RLike | _: RegExpReplace | _: RegExpExtract | _: RegExpExtractAll =>
      Left(s"`${e.prettyName}` stays in Spark: Java's regular expressions have no exact native equivalent")
    case _: InitCap =>
      Left("`initcap` stays in Spark: it title-cases through the JVM's Unicode tables")
  }

  /**
   * Literal patterns only: Spark checks a pattern's escapes when it compiles it, and the native
   * side compiles it once. An invalid pattern stays in Spark, which reports it.
   */
  private def like(str: Expression, pattern: Expression, escape: Char, ctx: ExprContext) = pattern match {
    case Literal(p, StringType) =>
      val valid = p == null || Try(StringUtils.escapeLikeRegex(p.toString, escape)).isSuccess
      if (!valid) Left(s"`like` with the invalid pattern '$p'")
      else strings(Fn.LIKE, Seq(str, pattern, Literal(UTF8String.fromString(escape.toString), StringType)), ctx)
    case _ => Left("`like` with a pattern that is not a literal is not supported")
  }

  /** All arguments strings but the int at `intAt`. */
  private def withInt(name: Fn, args: Seq[Expression], intAt: Int, ctx: ExprContext) =
    if (args(intAt).dataType != IntegerType) Left(s"`${show(name)}` with a ${args(intAt).dataType.catalogString} length")
    else strings(name, args, ctx, intAt)

  private def strings(
      name: Fn, args: Seq[Expression], ctx: ExprContext, intAt: Int = -1): Either[String, proto.Expr] =
    args.zipWithIndex.collectFirst { case (a, i) if i != intAt && a.dataType != StringType => a } match {
      case Some(a) => Left(s"`${show(name)}` of ${a.dataType.catalogString} is not supported")
      case None => NativeFunction(name, args, ctx)
    }
}

/**
 * A call of the native function table. Functions are named by the proto's enum, which the native
 * side implements in full (its tests check), so the two sides cannot disagree on a name.
 */
object NativeFunction {
  /** The function's name as a user reads it in a fallback reason. */
  def show(name: Fn): String = name.name.toLowerCase(java.util.Locale.ROOT)

  def apply(name: Fn, args: Seq[Expression], ctx: ExprContext): Either[String, proto.Expr] =
    ExprSerde.convertAll(args, ctx).map { converted =>
      val f = proto.ScalarFunction.newBuilder().setName(name)
      converted.foreach(f.addArgs)
      proto.Expr.newBuilder().setFunction(f).build()
    }
}
