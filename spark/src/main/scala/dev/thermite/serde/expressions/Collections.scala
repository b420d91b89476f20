package dev.thermite.serde.expressions

import dev.thermite.proto
import dev.thermite.serde.{ExprContext, ExprConverter, SparkTypes}

import dev.thermite.proto.ScalarFunction.{Name => Fn}

import org.apache.spark.sql.catalyst.expressions._
import org.apache.spark.sql.execution.ScalarSubquery
import org.apache.spark.sql.types._
import org.apache.spark.unsafe.types.UTF8String

// Catalyst has expressions named Left and Right; these are Either's.
import scala.util.{Left, Right}

/**
 * Structs, arrays and maps: reading a field, an element or a map's value, their sizes, searching
 * an array, and building arrays and structs. Non-ANSI semantics: where ANSI mode makes Spark fail
 * on a bad index, the expression stays in Spark.
 */
object Collections extends ExprConverter {
  override def convert(e: Expression, ctx: ExprContext): Either[String, proto.Expr] = e match {
    case g: GetStructField if g.child.isInstanceOf[ScalarSubquery] => Subqueries.convert(g, ctx)
    case g: GetStructField => NativeFunction(Fn.GET_STRUCT_FIELD, Seq(g.child, Literal(g.ordinal)), ctx)
    case g: GetArrayStructFields => NativeFunction(Fn.GET_ARRAY_STRUCT_FIELDS, Seq(g.child, Literal(g.ordinal)), ctx)
    case g: GetArrayItem if g.failOnError => Left("an array index that fails in ANSI mode is not supported")
    case g: GetArrayItem if g.ordinal.dataType != IntegerType =>
      Left(s"an array index of type ${g.ordinal.dataType.catalogString} is not supported")
    case g: GetArrayItem => NativeFunction(Fn.GET_ARRAY_ITEM, Seq(g.child, g.ordinal), ctx)
    case a: ElementAt if a.defaultValueOutOfBound.isDefined => Left("`element_at` with a default is not supported")
    case a: ElementAt => a.left.dataType match {
      case _: MapType => mapValue(a.left, a.right, ctx)
      case _ if a.failOnError => Left("`element_at` that fails in ANSI mode is not supported")
      case _ => a.right match {
        case Literal(i: Int, IntegerType) if i != 0 => NativeFunction(Fn.ELEMENT_AT, Seq(a.left, a.right), ctx)
        case other => Left(s"`element_at` at ${other.sql} is not supported (only a constant index other than 0)")
      }
    }
    case g: GetMapValue => mapValue(g.child, g.key, ctx)
    case s: Size => NativeFunction(Fn.SIZE, Seq(s.child, Literal(s.legacySizeOfNull)), ctx)
    case a: ArrayContains => a.left.dataType match {
      case ArrayType(t, _) if comparable(t) => NativeFunction(Fn.ARRAY_CONTAINS, Seq(a.left, a.right), ctx)
      case t => Left(s"`array_contains` over ${t.catalogString} is not supported")
    }
    case c: CreateArray if c.children.isEmpty => Left("an empty `array()` is not supported")
    case c: CreateArray => NativeFunction(Fn.CREATE_ARRAY, c.children, ctx)
    case c: CreateNamedStruct =>
      val args = c.nameExprs.zip(c.valExprs).flatMap { case (name, value) => Seq(Literal(name.eval(), StringType), value) }
      NativeFunction(Fn.NAMED_STRUCT, args, ctx)
  }

  /** `named_struct(name1, value1, ...)` of these fields. */
  def namedStruct(fields: Seq[(String, Expression)]): CreateNamedStruct =
    CreateNamedStruct(fields.flatMap { case (name, value) => Seq(Literal(UTF8String.fromString(name), StringType), value) })

  private def mapValue(map: Expression, key: Expression, ctx: ExprContext): Either[String, proto.Expr] =
    map.dataType match {
      case MapType(k, _, _) if comparable(k) => NativeFunction(Fn.GET_MAP_VALUE, Seq(map, key), ctx)
      case t => Left(s"looking up a key in ${t.catalogString} is not supported")
    }

  /**
   * Types whose equality natively is Spark's: floating point stays in Spark (Spark's lookups
   * take NaN as equal to NaN).
   */
  private def comparable(t: DataType): Boolean = SparkTypes.isScalar(t) && t != FloatType && t != DoubleType
}
