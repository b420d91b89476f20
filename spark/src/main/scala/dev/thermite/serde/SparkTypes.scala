package dev.thermite.serde

import com.google.protobuf.ByteString
import dev.thermite.proto
import dev.thermite.proto.DataType.Kind

import org.apache.spark.sql.types._
import org.apache.spark.unsafe.types.UTF8String

/** Spark types and values in the proto contract. */
object SparkTypes {
  def toProto(dt: DataType): Either[String, proto.DataType] = {
    def of(kind: Kind) = Right(proto.DataType.newBuilder().setKind(kind).build())
    dt match {
      case NullType => of(Kind.NULL)
      case BooleanType => of(Kind.BOOLEAN)
      case ByteType => of(Kind.BYTE)
      case ShortType => of(Kind.SHORT)
      case IntegerType => of(Kind.INT)
      case LongType => of(Kind.LONG)
      case FloatType => of(Kind.FLOAT)
      case DoubleType => of(Kind.DOUBLE)
      case d: DecimalType =>
        Right(proto.DataType.newBuilder().setKind(Kind.DECIMAL)
          .setPrecision(d.precision).setScale(d.scale).build())
      case StringType => of(Kind.STRING)
      case BinaryType => of(Kind.BINARY)
      case DateType => of(Kind.DATE)
      case TimestampType => of(Kind.TIMESTAMP)
      case TimestampNTZType => of(Kind.TIMESTAMP_NTZ)
      case StructType(fields) =>
        schema(fields).map(s => proto.DataType.newBuilder().setKind(Kind.STRUCT).addAllFields(s.getFieldsList).build())
      case ArrayType(element, _) =>
        toProto(element).map(e => proto.DataType.newBuilder().setKind(Kind.ARRAY).setElement(e).build())
      case MapType(key, value, _) =>
        for (k <- toProto(key); v <- toProto(value))
          yield proto.DataType.newBuilder().setKind(Kind.MAP).setKey(k).setValue(v).build()
      case other => Left(s"type ${other.catalogString} is not supported")
    }
  }

  /** Whether `dt` is supported natively: a scalar type or a struct, array or map of them. */
  def isSupported(dt: DataType): Boolean = toProto(dt).isRight

  /**
   * A supported type that is not nested: what keys (sort, grouping, join, partitioning),
   * aggregate arguments and expressions other than the nested ones take.
   */
  def isScalar(dt: DataType): Boolean = !isNested(dt) && isSupported(dt)

  /** `dt` in the contract, if it is scalar (an aggregate's or window function's argument or result). */
  def scalarProto(dt: DataType): Either[String, proto.DataType] =
    if (isNested(dt)) Left(s"type ${dt.catalogString} is not supported here") else toProto(dt)

  def isNested(dt: DataType): Boolean = dt match {
    case _: StructType | _: ArrayType | _: MapType => true
    case _ => false
  }

  def schema(fields: Seq[StructField]): Either[String, proto.Schema] = {
    val builder = proto.Schema.newBuilder()
    fields.foreach { f =>
      toProto(f.dataType) match {
        case Right(t) => builder.addFields(proto.Field.newBuilder()
          .setName(f.name).setType(t).setNullable(f.nullable))
        case Left(why) => return Left(s"column `${f.name}`: $why")
      }
    }
    Right(builder.build())
  }

  /** A Catalyst value (internal representation; null allowed) as a proto literal of `dt`. */
  def literal(value: Any, dt: DataType): Either[String, proto.Literal] = toProto(dt).flatMap { t =>
    if (value != null && isNested(dt)) return Left(s"a literal of type ${dt.catalogString}")
    val b = proto.Literal.newBuilder().setType(t)
    value match {
      // A proto string holds text; native strings keep Spark's bytes, valid or not.
      case s: UTF8String if !isValidUtf8(s) => return Left("a string literal that is not valid UTF-8")
      case _ =>
    }
    if (value != null) {
      dt match {
        case BooleanType => b.setBoolValue(value.asInstanceOf[Boolean])
        case ByteType => b.setIntValue(value.asInstanceOf[Byte].toInt)
        case ShortType => b.setIntValue(value.asInstanceOf[Short].toInt)
        case IntegerType | DateType => b.setIntValue(value.asInstanceOf[Int])
        case LongType | TimestampType | TimestampNTZType => b.setLongValue(value.asInstanceOf[Long])
        case FloatType => b.setFloatValue(value.asInstanceOf[Float])
        case DoubleType => b.setDoubleValue(value.asInstanceOf[Double])
        case _: DecimalType =>
          val unscaled = value.asInstanceOf[Decimal].toJavaBigDecimal.unscaledValue()
          b.setDecimalValue(ByteString.copyFrom(unscaled.toByteArray))
        case StringType => b.setStringValue(value.asInstanceOf[UTF8String].toString)
        case BinaryType => b.setBinaryValue(ByteString.copyFrom(value.asInstanceOf[Array[Byte]]))
        case _ =>
      }
    }
    Right(b.build())
  }

  /** Whether `s` decodes and re-encodes to the same bytes (Java replaces invalid ones). */
  private def isValidUtf8(s: UTF8String): Boolean =
    java.util.Arrays.equals(s.toString.getBytes(java.nio.charset.StandardCharsets.UTF_8), s.getBytes)
}
