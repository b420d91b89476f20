//! Spark types as Arrow types, and literals as DataFusion scalars.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::common::ScalarValue;

use crate::error::{Result, ThermiteError};
use crate::proto;
use crate::proto::data_type::Kind;
use crate::proto::literal::Value;

/// Spark's TimestampType: microseconds, UTC. Spark's ArrowColumnVector reads it as
/// TimeStampMicroTZVector whatever the zone name, so one fixed name is enough.
pub const SPARK_TIMESTAMP_TZ: &str = "UTC";

pub fn to_arrow_type(t: &proto::DataType) -> Result<DataType> {
    let kind = Kind::try_from(t.kind)
        .map_err(|_| ThermiteError::plan(format!("unknown data type kind {}", t.kind)))?;
    Ok(match kind {
        Kind::Null => DataType::Null,
        Kind::Boolean => DataType::Boolean,
        Kind::Byte => DataType::Int8,
        Kind::Short => DataType::Int16,
        Kind::Int => DataType::Int32,
        Kind::Long => DataType::Int64,
        Kind::Float => DataType::Float32,
        Kind::Double => DataType::Float64,
        Kind::Decimal => {
            if t.precision == 0 || t.precision > 38 || t.scale > t.precision {
                return Err(ThermiteError::plan(format!(
                    "invalid decimal({}, {})",
                    t.precision, t.scale
                )));
            }
            DataType::Decimal128(t.precision as u8, t.scale as i8)
        }
        Kind::String => DataType::Utf8,
        Kind::Binary => DataType::Binary,
        Kind::Date => DataType::Date32,
        Kind::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some(SPARK_TIMESTAMP_TZ.into())),
        Kind::TimestampNtz => DataType::Timestamp(TimeUnit::Microsecond, None),
        Kind::Struct => struct_of(
            t.fields
                .iter()
                .map(|f| Ok(Field::new(&f.name, to_arrow_type(required(&f.r#type, "a struct field's type")?)?, true)))
                .collect::<Result<Vec<_>>>()?,
        ),
        Kind::Array => list_of(to_arrow_type(required(&t.element, "an array's element type")?)?),
        Kind::Map => map_of(
            to_arrow_type(required(&t.key, "a map's key type")?)?,
            to_arrow_type(required(&t.value, "a map's value type")?)?,
        ),
    })
}

// Nested types natively, in the shape Spark's `ArrowUtils` gives them (so the JVM's batches
// import as they are), except that every field, element and value may be NULL: Spark's
// nullability inside nested types differs between the plans of one query (a union's children,
// a projection's `named_struct`), and Arrow compares it as part of the type.

/// Spark's StructType of these fields (each nullable).
pub fn struct_of(fields: Vec<Field>) -> DataType {
    DataType::Struct(fields.into_iter().map(|f| f.with_nullable(true)).collect())
}

/// Spark's ArrayType of `element`: a list of a nullable field called `element`.
pub fn list_of(element: DataType) -> DataType {
    DataType::List(Arc::new(Field::new("element", element, true)))
}

/// Spark's MapType: unordered `entries` of a non-null `key` and a nullable `value`.
pub fn map_of(key: DataType, value: DataType) -> DataType {
    let entries = DataType::Struct(vec![Field::new("key", key, false), Field::new("value", value, true)].into());
    DataType::Map(Arc::new(Field::new("entries", entries, false)), false)
}

/// Whether `t` is a struct, array or map.
pub fn is_nested(t: &DataType) -> bool {
    matches!(t, DataType::Struct(_) | DataType::List(_) | DataType::Map(_, _))
}

pub fn to_arrow_field(f: &proto::Field) -> Result<Field> {
    let t = f.r#type.as_ref().ok_or_else(|| ThermiteError::plan(format!("field {} has no type", f.name)))?;
    Ok(Field::new(&f.name, to_arrow_type(t)?, f.nullable))
}

pub fn to_arrow_schema(s: Option<&proto::Schema>) -> Result<SchemaRef> {
    let fields = match s {
        Some(s) => s.fields.iter().map(to_arrow_field).collect::<Result<Vec<_>>>()?,
        None => vec![],
    };
    Ok(Arc::new(Schema::new(fields)))
}

pub fn required<'a, T>(v: &'a Option<T>, what: &str) -> Result<&'a T> {
    v.as_ref().ok_or_else(|| ThermiteError::plan(format!("plan is missing {what}")))
}

/// A proto literal as a scalar of its Arrow type; an absent value is that type's null.
pub fn to_scalar(lit: &proto::Literal) -> Result<ScalarValue> {
    let data_type = to_arrow_type(required(&lit.r#type, "literal type")?)?;
    let Some(value) = &lit.value else {
        return Ok(ScalarValue::try_new_null(&data_type)?);
    };
    let mismatch = || ThermiteError::plan(format!("literal {value:?} does not fit type {data_type}"));
    Ok(match (&data_type, value) {
        (DataType::Boolean, Value::BoolValue(v)) => ScalarValue::Boolean(Some(*v)),
        (DataType::Int8, Value::IntValue(v)) => ScalarValue::Int8(Some(i8::try_from(*v).map_err(|_| mismatch())?)),
        (DataType::Int16, Value::IntValue(v)) => ScalarValue::Int16(Some(i16::try_from(*v).map_err(|_| mismatch())?)),
        (DataType::Int32, Value::IntValue(v)) => ScalarValue::Int32(Some(*v)),
        (DataType::Date32, Value::IntValue(v)) => ScalarValue::Date32(Some(*v)),
        (DataType::Int64, Value::LongValue(v)) => ScalarValue::Int64(Some(*v)),
        (DataType::Timestamp(TimeUnit::Microsecond, tz), Value::LongValue(v)) => {
            ScalarValue::TimestampMicrosecond(Some(*v), tz.clone())
        }
        (DataType::Float32, Value::FloatValue(v)) => ScalarValue::Float32(Some(*v)),
        (DataType::Float64, Value::DoubleValue(v)) => ScalarValue::Float64(Some(*v)),
        (DataType::Utf8, Value::StringValue(v)) => ScalarValue::Utf8(Some(v.clone())),
        (DataType::Binary, Value::BinaryValue(v)) => ScalarValue::Binary(Some(v.clone())),
        (DataType::Decimal128(p, s), Value::DecimalValue(bytes)) => {
            ScalarValue::Decimal128(Some(decimal_from_be_bytes(bytes).ok_or_else(mismatch)?), *p, *s)
        }
        _ => return Err(mismatch()),
    })
}

/// Java's `BigInteger.toByteArray()` (big-endian two's complement, minimal length) as an i128.
fn decimal_from_be_bytes(bytes: &[u8]) -> Option<i128> {
    if bytes.is_empty() || bytes.len() > 16 {
        return None;
    }
    let fill = if bytes[0] & 0x80 != 0 { 0xff } else { 0 };
    let mut buf = [fill; 16];
    buf[16 - bytes.len()..].copy_from_slice(bytes);
    Some(i128::from_be_bytes(buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(kind: Kind) -> proto::DataType {
        proto::DataType { kind: kind as i32, ..Default::default() }
    }

    #[test]
    fn decimal_bytes_are_twos_complement() {
        assert_eq!(decimal_from_be_bytes(&[0x01, 0x00]), Some(256));
        assert_eq!(decimal_from_be_bytes(&[0xff]), Some(-1));
        assert_eq!(decimal_from_be_bytes(&[0x80, 0x00]), Some(-32768));
        assert_eq!(decimal_from_be_bytes(&[]), None);
    }

    #[test]
    fn absent_value_is_a_typed_null() {
        let lit = proto::Literal { r#type: Some(ty(Kind::Long)), value: None };
        assert_eq!(to_scalar(&lit).unwrap(), ScalarValue::Int64(None));
    }

    #[test]
    fn byte_literal_out_of_range_is_refused() {
        let lit = proto::Literal { r#type: Some(ty(Kind::Byte)), value: Some(Value::IntValue(300)) };
        assert!(to_scalar(&lit).is_err());
    }

    #[test]
    fn nested_types_are_sparks_with_nullable_children() {
        let int = ty(Kind::Int);
        let array = proto::DataType { kind: Kind::Array as i32, element: Some(Box::new(int.clone())), ..Default::default() };
        let map = proto::DataType {
            kind: Kind::Map as i32,
            key: Some(Box::new(ty(Kind::String))),
            value: Some(Box::new(array.clone())),
            ..Default::default()
        };
        let field = |name: &str, t: proto::DataType| proto::Field { name: name.into(), r#type: Some(t), nullable: false };
        let st = proto::DataType { kind: Kind::Struct as i32, fields: vec![field("a", int), field("m", map)], ..Default::default() };
        let expected = struct_of(vec![
            Field::new("a", DataType::Int32, true),
            Field::new("m", map_of(DataType::Utf8, list_of(DataType::Int32)), true),
        ]);
        assert_eq!(to_arrow_type(&st).unwrap(), expected);
        let null = proto::Literal { r#type: Some(st), value: None };
        assert!(to_scalar(&null).unwrap().is_null());
    }

    #[test]
    fn invalid_decimal_type_is_refused() {
        let t = proto::DataType { kind: Kind::Decimal as i32, precision: 39, ..Default::default() };
        assert!(to_arrow_type(&t).is_err());
    }
}
