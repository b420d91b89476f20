package dev.thermite.serde

import dev.thermite.proto
import dev.thermite.serde.expressions._

import org.apache.spark.sql.catalyst.expressions._
import org.apache.spark.sql.catalyst.optimizer.NormalizeNaNAndZero
import org.apache.spark.sql.types.DataType

// Catalyst has expressions named Left and Right; these are Either's.
import scala.util.{Left, Right}

/** What converting an expression needs: the operator's input columns. */
case class ExprContext(input: Seq[Attribute])

/** Converts one family of Catalyst expressions; `Left` says why one cannot be native. */
trait ExprConverter {
  def convert(e: Expression, ctx: ExprContext): Either[String, proto.Expr]
}

/**
 * Catalyst expressions to the proto contract. The table below is the only place an expression
 * is registered; each family lives in `serde/expressions`.
 */
object ExprSerde {
  private val converters: Map[Class[_ <: Expression], ExprConverter] = Map(
    classOf[AttributeReference] -> Leaves,
    classOf[BoundReference] -> Leaves,
    classOf[Literal] -> Leaves,
    classOf[org.apache.spark.sql.execution.ScalarSubquery] -> Subqueries,
    classOf[GetStructField] -> Collections,
    classOf[Alias] -> Leaves,
    classOf[Add] -> Arithmetic,
    classOf[Subtract] -> Arithmetic,
    classOf[Multiply] -> Arithmetic,
    classOf[Divide] -> Arithmetic,
    classOf[Remainder] -> Arithmetic,
    classOf[EqualTo] -> Comparisons,
    classOf[EqualNullSafe] -> Comparisons,
    classOf[LessThan] -> Comparisons,
    classOf[LessThanOrEqual] -> Comparisons,
    classOf[GreaterThan] -> Comparisons,
    classOf[GreaterThanOrEqual] -> Comparisons,
    classOf[And] -> Predicates,
    classOf[Or] -> Predicates,
    classOf[Not] -> Predicates,
    classOf[IsNull] -> Predicates,
    classOf[IsNotNull] -> Predicates,
    classOf[In] -> Predicates,
    classOf[InSet] -> Predicates,
    classOf[NormalizeNaNAndZero] -> Predicates,
    classOf[KnownFloatingPointNormalized] -> Predicates,
    classOf[CaseWhen] -> Conditionals,
    classOf[If] -> Conditionals,
    classOf[Coalesce] -> Conditionals,
    classOf[Cast] -> Casts,
    classOf[UnaryMinus] -> Functions,
    classOf[Upper] -> Functions,
    classOf[Lower] -> Functions,
    classOf[Length] -> Functions,
    classOf[StartsWith] -> Functions,
    classOf[EndsWith] -> Functions,
    classOf[Contains] -> Functions,
    classOf[Substring] -> Functions,
    classOf[Concat] -> Functions,
    classOf[Murmur3Hash] -> Functions,
    classOf[XxHash64] -> Functions,
    classOf[IsNaN] -> Functions,
    classOf[Abs] -> Functions,
    classOf[Floor] -> Functions,
    classOf[Ceil] -> Functions,
    classOf[Sqrt] -> Functions,
    classOf[Exp] -> Functions,
    classOf[Log] -> Functions,
    classOf[Log10] -> Functions,
    classOf[Log2] -> Functions,
    classOf[Signum] -> Functions,
    classOf[Pow] -> Functions,
    classOf[Log1p] -> Functions,
    classOf[Logarithm] -> Functions,
    classOf[Cbrt] -> Functions,
    classOf[Asinh] -> Functions,
    classOf[Acosh] -> Functions,
    classOf[Atanh] -> Functions,
    classOf[Expm1] -> Functions,
    classOf[Sinh] -> Functions,
    classOf[Cosh] -> Functions,
    classOf[Tanh] -> Functions,
    classOf[Asin] -> Functions,
    classOf[Acos] -> Functions,
    classOf[Atan] -> Functions,
    classOf[Atan2] -> Functions,
    classOf[Hypot] -> Functions,
    classOf[Sin] -> Functions,
    classOf[Cos] -> Functions,
    classOf[Tan] -> Functions,
    classOf[Cot] -> Functions,
    classOf[UnscaledValue] -> Functions,
    classOf[MakeDecimal] -> Functions,
    classOf[Like] -> Strings,
    classOf[ConcatWs] -> Strings,
    classOf[StringTrim] -> Strings,
    classOf[StringTrimLeft] -> Strings,
    classOf[StringTrimRight] -> Strings,
    classOf[StringReplace] -> Strings,
    classOf[StringLPad] -> Strings,
    classOf[StringRPad] -> Strings,
    classOf[StringInstr] -> Strings,
    classOf[StringLocate] -> Strings,
    classOf[Reverse] -> Strings,
    classOf[StringTranslate] -> Strings,
    classOf[RLike] -> Strings,
    classOf[RegExpReplace] -> Strings,
    classOf[RegExpExtract] -> Strings,
    classOf[RegExpExtractAll] -> Strings,
    classOf[InitCap] -> Strings,
    classOf[Ascii] -> Strings,
    classOf[Chr] -> Strings,
    classOf[SubstringIndex] -> Strings,
    classOf[Levenshtein] -> Strings,
    classOf[SoundEx] -> Strings,
    classOf[Md5] -> Digests,
    classOf[Sha1] -> Digests,
    classOf[Sha2] -> Digests,
    classOf[Crc32] -> Digests,
    classOf[Hex] -> Digests,
    classOf[Unhex] -> Digests,
    classOf[GetArrayItem] -> Collections,
    classOf[GetArrayStructFields] -> Collections,
    classOf[ElementAt] -> Collections,
    classOf[GetMapValue] -> Collections,
    classOf[Size] -> Collections,
    classOf[ArrayContains] -> Collections,
    classOf[CreateArray] -> Collections,
    classOf[CreateNamedStruct] -> Collections,
    classOf[BitwiseAnd] -> Bitwise,
    classOf[BitwiseOr] -> Bitwise,
    classOf[BitwiseXor] -> Bitwise,
    classOf[BitwiseNot] -> Bitwise,
    classOf[BitwiseCount] -> Bitwise,
    classOf[ShiftLeft] -> Bitwise,
    classOf[ShiftRight] -> Bitwise,
    classOf[ShiftRightUnsigned] -> Bitwise,
    classOf[Round] -> Maths,
    classOf[BRound] -> Maths,
    classOf[NaNvl] -> Maths,
    classOf[Greatest] -> Maths,
    classOf[Least] -> Maths,
    classOf[IntegralDivide] -> Maths,
    classOf[Pmod] -> Maths,
    classOf[Year] -> DateTime,
    classOf[Quarter] -> DateTime,
    classOf[Month] -> DateTime,
    classOf[DayOfMonth] -> DateTime,
    classOf[DayOfWeek] -> DateTime,
    classOf[WeekDay] -> DateTime,
    classOf[DayOfYear] -> DateTime,
    classOf[Hour] -> DateTime,
    classOf[Minute] -> DateTime,
    classOf[Second] -> DateTime,
    classOf[DateAdd] -> DateTime,
    classOf[DateSub] -> DateTime,
    classOf[DateDiff] -> DateTime,
    classOf[AddMonths] -> DateTime,
    classOf[LastDay] -> DateTime,
    classOf[TruncDate] -> DateTime,
    classOf[TruncTimestamp] -> DateTime,
    classOf[DateAddYMInterval] -> DateTime,
    classOf[TimestampAddYMInterval] -> DateTime,
    classOf[TimeAdd] -> DateTime)

  /**
   * The expressions that take or return structs, arrays and maps; every other one takes and
   * returns scalars only (an `=` or a hash of structs, say, stays in Spark).
   */
  private val overNestedValues: Set[Class[_ <: Expression]] = Set(
    classOf[AttributeReference], classOf[BoundReference], classOf[Literal], classOf[Alias], classOf[IsNull],
    classOf[IsNotNull], classOf[GetStructField], classOf[GetArrayStructFields], classOf[GetArrayItem], classOf[ElementAt], classOf[GetMapValue],
    classOf[Size], classOf[ArrayContains], classOf[CreateArray], classOf[CreateNamedStruct], classOf[If],
    classOf[CaseWhen], classOf[Coalesce])

  def convert(e: Expression, ctx: ExprContext): Either[String, proto.Expr] = {
    converters.get(e.getClass) match {
      case None => Left(s"expression `${e.prettyName}` is not supported")
      case Some(_) if !SparkTypes.isSupported(e.dataType) =>
        Left(s"expression `${e.prettyName}` returns ${e.dataType.catalogString}, which is not supported")
      case Some(_) if !overNestedValues(e.getClass) && nestedValue(e).isDefined =>
        Left(s"expression `${e.prettyName}` over ${nestedValue(e).get.catalogString} is not supported")
      case Some(converter) => converter.convert(e, ctx)
    }
  }

  /** The nested type `e` returns or takes, if any (a NULL literal, which its parent may skip, aside). */
  private def nestedValue(e: Expression): Option[DataType] =
    (e +: e.children.filter { case Literal(null, _) => false; case _ => true })
      .map(_.dataType).find(SparkTypes.isNested)

  /** A key (of a sort, grouping, partitioning or window): scalar types only. */
  def convertKey(e: Expression, ctx: ExprContext): Either[String, proto.Expr] =
    if (SparkTypes.isNested(e.dataType)) Left(s"a key of type ${e.dataType.catalogString} is not supported")
    else convert(e, ctx)

  def convertAll(es: Seq[Expression], ctx: ExprContext): Either[String, Seq[proto.Expr]] = each(es)(convert(_, ctx))

  def convertKeys(es: Seq[Expression], ctx: ExprContext): Either[String, Seq[proto.Expr]] = each(es)(convertKey(_, ctx))

  private def each(es: Seq[Expression])(f: Expression => Either[String, proto.Expr]): Either[String, Seq[proto.Expr]] = {
    val out = Seq.newBuilder[proto.Expr]
    es.foreach { e =>
      f(e) match {
        case Right(p) => out += p
        case Left(why) => return Left(why)
      }
    }
    Right(out.result())
  }
}
