//! CAST with Spark's legacy (non-ANSI) rules. Between numbers and booleans, and from integers and
//! booleans to strings, `datafusion-comet-spark-expr`'s kernel: integral narrowing wraps,
//! floating point to integral saturates (NaN becomes 0), decimal overflow is NULL. Casts that
//! parse or format strings, and those between dates and timestamps, are ours ([`TextOrTimeCast`]):
//! Comet's trim Unicode whitespace where Spark trims bytes up to 0x20 and 0x7f, format decimals
//! without Java's exponent, and do not follow the session time zone everywhere.

use std::any::Any;
use std::fmt;
use std::fmt::Write;
use std::hash::Hash;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, Int64Array, StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::{DataType, Date32Type, Decimal128Type, Schema, TimeUnit, TimestampMicrosecondType};
use arrow::error::ArrowError;
use datafusion::common::{internal_err, Result as DfResult};
use datafusion::logical_expr::ColumnarValue;
use datafusion::physical_expr::PhysicalExpr;
use datafusion_comet_spark_expr::{Cast, EvalMode, SparkCastOptions};

use super::datetime::{civil_from_days, days_from_civil, days_in_month, SessionZone, MICROS_PER_SECOND};
use super::{type_of, ExprContext};
use crate::error::{Result, ThermiteError};
use crate::proto;
use crate::types::{to_arrow_type, SPARK_TIMESTAMP_TZ};

pub(super) fn spark_cast(
    child: Arc<dyn PhysicalExpr>,
    to: &proto::DataType,
    input: &Schema,
    ctx: &ExprContext,
) -> Result<Arc<dyn PhysicalExpr>> {
    let from = type_of(&child, input)?;
    let to = to_arrow_type(to)?;
    if from == to {
        return Ok(child);
    }
    if let Some(kind) = CastKind::of(&from, &to) {
        let zone = SessionZone::new(&ctx.session_time_zone)?;
        return Ok(Arc::new(TextOrTimeCast { kind, child, to, zone }));
    }
    let plain = |t: &DataType| t.is_integer() || t.is_floating();
    let supported = (from.is_numeric() && to.is_numeric())
        || (from == DataType::Boolean && plain(&to))
        || (plain(&from) && to == DataType::Boolean)
        || ((from.is_integer() || from == DataType::Boolean) && to == DataType::Utf8);
    if !supported {
        return Err(ThermiteError::plan(format!("cast from {from} to {to} is not supported natively")));
    }
    let options = SparkCastOptions::new(EvalMode::Legacy, &ctx.session_time_zone, false);
    Ok(Arc::new(Cast::new(child, to, options)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum CastKind {
    /// Whole seconds, rounded down; narrower integers wrap (`toInt`, `toShort`, `toByte`).
    TimestampToIntegral,
    TimestampToDate,
    DateToTimestamp,
    DateToString,
    TimestampToString,
    /// Java's `BigDecimal.toString`: an exponent when the value is below 1e-6 in magnitude.
    DecimalToString,
    StringToIntegral,
    StringToBoolean,
    StringToDate,
}

impl CastKind {
    fn of(from: &DataType, to: &DataType) -> Option<CastKind> {
        use DataType::*;
        Some(match (from, to) {
            (Timestamp(TimeUnit::Microsecond, Some(_)), Int8 | Int16 | Int32 | Int64) => CastKind::TimestampToIntegral,
            (Timestamp(TimeUnit::Microsecond, Some(_)), Date32) => CastKind::TimestampToDate,
            (Timestamp(TimeUnit::Microsecond, Some(_)), Utf8) => CastKind::TimestampToString,
            (Date32, Timestamp(TimeUnit::Microsecond, Some(_))) => CastKind::DateToTimestamp,
            (Date32, Utf8) => CastKind::DateToString,
            (Decimal128(..), Utf8) => CastKind::DecimalToString,
            (Utf8, Int8 | Int16 | Int32 | Int64) => CastKind::StringToIntegral,
            (Utf8, Boolean) => CastKind::StringToBoolean,
            (Utf8, Date32) => CastKind::StringToDate,
            _ => return None,
        })
    }
}

#[derive(Debug)]
struct TextOrTimeCast {
    kind: CastKind,
    child: Arc<dyn PhysicalExpr>,
    to: DataType,
    zone: SessionZone,
}

impl PartialEq for TextOrTimeCast {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.child.eq(&other.child)
            && self.to == other.to
            && self.zone.name() == other.zone.name()
    }
}

impl Eq for TextOrTimeCast {}

impl Hash for TextOrTimeCast {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.kind.hash(state);
        self.child.hash(state);
        self.to.hash(state);
        self.zone.name().hash(state);
    }
}

impl fmt::Display for TextOrTimeCast {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CAST({} AS {})", self.child, self.to)
    }
}

impl PhysicalExpr for TextOrTimeCast {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn data_type(&self, _input: &Schema) -> DfResult<DataType> {
        Ok(self.to.clone())
    }

    fn nullable(&self, input: &Schema) -> DfResult<bool> {
        // Unparsable strings are NULL.
        Ok(self.child.nullable(input)?
            || matches!(self.kind, CastKind::StringToIntegral | CastKind::StringToBoolean | CastKind::StringToDate))
    }

    fn evaluate(&self, batch: &arrow::record_batch::RecordBatch) -> DfResult<ColumnarValue> {
        let input = self.child.evaluate(batch)?.into_array(batch.num_rows())?;
        let zone = &self.zone;
        let result: ArrayRef = match self.kind {
            CastKind::TimestampToIntegral => {
                let seconds: Int64Array =
                    input.as_primitive::<TimestampMicrosecondType>().unary(|v| v.div_euclid(MICROS_PER_SECOND));
                narrow(seconds, &self.to)?
            }
            CastKind::TimestampToDate => {
                let days: Date32Array = input.as_primitive::<TimestampMicrosecondType>().unary(|v| zone.day_of(v));
                Arc::new(days)
            }
            CastKind::DateToTimestamp => {
                // Spark's `daysToMicros` fails on overflow (`Math.multiplyExact`), in legacy mode too.
                let ts: TimestampMicrosecondArray = input.as_primitive::<Date32Type>().try_unary(|d| {
                    zone.start_of_day(d).ok_or_else(|| ArrowError::ComputeError(format!("long overflow: date {d} as a timestamp")))
                })?;
                Arc::new(ts.with_timezone(SPARK_TIMESTAMP_TZ))
            }
            CastKind::DateToString => {
                let dates = input.as_primitive::<Date32Type>();
                Arc::new(dates.iter().map(|d| d.map(|d| format_date(d as i64))).collect::<StringArray>())
            }
            CastKind::TimestampToString => {
                let ts = input.as_primitive::<TimestampMicrosecondType>();
                Arc::new(ts.iter().map(|v| v.map(|v| format_timestamp(zone.utc_to_local(v)))).collect::<StringArray>())
            }
            CastKind::DecimalToString => {
                let DataType::Decimal128(_, scale) = input.data_type() else {
                    return internal_err!("decimal to string of {}", input.data_type());
                };
                let scale = *scale as i64;
                let decimals = input.as_primitive::<Decimal128Type>();
                Arc::new(decimals.iter().map(|v| v.map(|v| java_decimal_string(v, scale))).collect::<StringArray>())
            }
            CastKind::StringToIntegral => {
                let strings = input.as_string::<i32>();
                let longs: Int64Array = strings.iter().map(|s| s.and_then(|s| parse_long(s.as_bytes()))).collect();
                // Spark parses bytes and shorts as ints, then refuses values out of range.
                let in_range = |min: i64, max: i64| -> Int64Array {
                    longs.iter().map(|v| v.filter(|v| (min..=max).contains(v))).collect()
                };
                match self.to {
                    DataType::Int64 => Arc::new(longs),
                    DataType::Int32 => narrow(in_range(i32::MIN as i64, i32::MAX as i64), &self.to)?,
                    DataType::Int16 => narrow(in_range(i16::MIN as i64, i16::MAX as i64), &self.to)?,
                    _ => narrow(in_range(i8::MIN as i64, i8::MAX as i64), &self.to)?,
                }
            }
            CastKind::StringToBoolean => {
                let strings = input.as_string::<i32>();
                Arc::new(strings.iter().map(|s| s.and_then(parse_boolean)).collect::<BooleanArray>())
            }
            CastKind::StringToDate => {
                let strings = input.as_string::<i32>();
                Arc::new(strings.iter().map(|s| s.and_then(|s| parse_date(s.as_bytes()))).collect::<Date32Array>())
            }
        };
        Ok(ColumnarValue::Array(result))
    }

    fn children(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
        vec![&self.child]
    }

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn PhysicalExpr>>) -> DfResult<Arc<dyn PhysicalExpr>> {
        Ok(Arc::new(TextOrTimeCast {
            kind: self.kind,
            child: Arc::clone(&children[0]),
            to: self.to.clone(),
            zone: self.zone.clone(),
        }))
    }

    fn fmt_sql(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

/// Longs to a narrower integer type, wrapping as the JVM's `(int)`, `(short)`, `(byte)`.
fn narrow(longs: Int64Array, to: &DataType) -> DfResult<ArrayRef> {
    Ok(match to {
        DataType::Int64 => Arc::new(longs),
        DataType::Int32 => Arc::new(longs.unary::<_, arrow::datatypes::Int32Type>(|v| v as i32)) as ArrayRef,
        DataType::Int16 => Arc::new(longs.unary::<_, arrow::datatypes::Int16Type>(|v| v as i16)),
        DataType::Int8 => Arc::new(longs.unary::<_, arrow::datatypes::Int8Type>(|v| v as i8)),
        other => return internal_err!("cast to {other}"),
    })
}

/// The bytes Spark trims around numbers, booleans and dates: whitespace and ISO control
/// characters of ASCII (`Character.isWhitespace || isISOControl` of a signed byte).
fn is_trimmed(b: u8) -> bool {
    b <= 0x20 || b == 0x7f
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !is_trimmed(*b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !is_trimmed(*b)).map_or(start, |e| e + 1);
    &bytes[start..end.max(start)]
}

/// Spark's `UTF8String.toLong` allowing a decimal part, which is dropped once checked to be digits.
fn parse_long(bytes: &[u8]) -> Option<i64> {
    let bytes = trim(bytes);
    let (negative, digits) = match bytes.first()? {
        b'-' => (true, &bytes[1..]),
        b'+' => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    if digits.is_empty() {
        return None;
    }
    let (whole, fraction) = match digits.iter().position(|b| *b == b'.') {
        Some(dot) => (&digits[..dot], &digits[dot + 1..]),
        None => (digits, &digits[digits.len()..]),
    };
    if !fraction.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // Accumulated negatively, as Spark does, so that the minimum parses.
    let mut result: i64 = 0;
    for b in whole {
        if !b.is_ascii_digit() {
            return None;
        }
        result = result.checked_mul(10)?.checked_sub((b - b'0') as i64)?;
    }
    if negative {
        Some(result)
    } else {
        result.checked_neg()
    }
}

/// Spark's `StringUtils.isTrueString` / `isFalseString` of the trimmed, lower-cased string.
fn parse_boolean(s: &str) -> Option<bool> {
    match trim(s.as_bytes()).to_ascii_lowercase().as_slice() {
        b"t" | b"true" | b"y" | b"yes" | b"1" => Some(true),
        b"f" | b"false" | b"n" | b"no" | b"0" => Some(false),
        _ => None,
    }
}

/// Spark's `DateTimeUtils.stringToDate`: `[+-]yyyy[y..]`, `yyyy-[m]m`, `yyyy-[m]m-[d]d`, and the
/// last followed by ' ' or 'T' and anything; years of 4 to 7 digits.
fn parse_date(bytes: &[u8]) -> Option<i32> {
    let bytes = trim(bytes);
    let (sign, mut rest) = match bytes.first()? {
        b'-' => (-1i64, &bytes[1..]),
        b'+' => (1, &bytes[1..]),
        _ => (1, bytes),
    };
    let valid = |segment: usize, digits: usize| {
        if segment == 0 {
            (4..=7).contains(&digits)
        } else {
            (1..=2).contains(&digits)
        }
    };
    let mut segments = [1i64, 1, 1];
    let (mut segment, mut value, mut digits) = (0usize, 0i64, 0usize);
    while let Some((&b, tail)) = rest.split_first() {
        if segment == 2 && (b == b' ' || b == b'T') {
            break;
        }
        if segment < 2 && (b == b' ' || b == b'T') {
            return None;
        }
        if segment < 2 && b == b'-' {
            if !valid(segment, digits) {
                return None;
            }
            segments[segment] = value;
            (segment, value, digits) = (segment + 1, 0, 0);
        } else if b.is_ascii_digit() {
            value = value * 10 + (b - b'0') as i64;
            digits += 1;
        } else {
            return None;
        }
        rest = tail;
    }
    if !valid(segment, digits) {
        return None;
    }
    segments[segment] = value;
    let (y, m, d) = (sign * segments[0], segments[1], segments[2]);
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m as u32) as i64 {
        return None;
    }
    i32::try_from(days_from_civil(y, m as u32, d as u32)).ok()
}

/// `yyyy-MM-dd` as `java.time` prints it: years past 9999 with '+', before 0 with '-'.
fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    let mut out = String::with_capacity(10);
    if y > 9999 {
        out.push('+');
    } else if y < 0 {
        out.push('-');
    }
    let _ = write!(out, "{:04}-{m:02}-{d:02}", y.abs());
    out
}

/// `yyyy-MM-dd HH:mm:ss[.SSSSSS]` of a wall clock time, the fraction without trailing zeros.
fn format_timestamp(local_micros: i64) -> String {
    let days = local_micros.div_euclid(86_400 * MICROS_PER_SECOND);
    let of_day = local_micros.rem_euclid(86_400 * MICROS_PER_SECOND);
    let (seconds, fraction) = (of_day / MICROS_PER_SECOND, of_day % MICROS_PER_SECOND);
    let mut out = format_date(days);
    let _ = write!(out, " {:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
    if fraction != 0 {
        let digits = format!("{fraction:06}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    out
}

/// Java's `BigDecimal.toString` of `unscaled` × 10^-`scale`: plain unless the scale is negative
/// or the adjusted exponent is below -6, then one digit, a point, the rest and `E±n`.
fn java_decimal_string(unscaled: i128, scale: i64) -> String {
    let digits = unscaled.unsigned_abs().to_string();
    let sign = if unscaled < 0 { "-" } else { "" };
    let n = digits.len() as i64;
    let adjusted = n - 1 - scale;
    if scale >= 0 && adjusted >= -6 {
        if scale == 0 {
            return format!("{sign}{digits}");
        }
        if n > scale {
            let (whole, fraction) = digits.split_at((n - scale) as usize);
            return format!("{sign}{whole}.{fraction}");
        }
        return format!("{sign}0.{}{digits}", "0".repeat((scale - n) as usize));
    }
    let (first, rest) = digits.split_at(1);
    let point = if rest.is_empty() { String::new() } else { format!(".{rest}") };
    let exponent_sign = if adjusted >= 0 { "+" } else { "" };
    format!("{sign}{first}{point}E{exponent_sign}{adjusted}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_print_as_java_does() {
        assert_eq!(java_decimal_string(0, 10), "0E-10");
        assert_eq!(java_decimal_string(-1, 10), "-1E-10");
        assert_eq!(java_decimal_string(123456789012345, 10), "12345.6789012345");
        assert_eq!(java_decimal_string(1, 6), "0.000001");
        assert_eq!(java_decimal_string(12, 8), "1.2E-7");
        assert_eq!(java_decimal_string(-99999, 2), "-999.99");
        assert_eq!(java_decimal_string(0, 0), "0");
    }

    #[test]
    fn longs_parse_as_spark_does() {
        let cases: [(&str, Option<i64>); 12] = [
            (" 12 ", Some(12)),
            ("+5", Some(5)),
            ("-", None),
            ("1.5", Some(1)),
            (".", Some(0)),
            ("1.x", None),
            ("1e3", None),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9223372036854775808", None),
            ("\u{0}7\t", Some(7)),
            ("\u{a0}7", None),
        ];
        for (s, expected) in cases {
            assert_eq!(parse_long(s.as_bytes()), expected, "{s:?}");
        }
    }

    #[test]
    fn dates_parse_as_spark_does() {
        let day = |y, m, d| Some(days_from_civil(y, m, d) as i32);
        assert_eq!(parse_date(b"2024-1-1"), day(2024, 1, 1));
        assert_eq!(parse_date(b" 2024-01-01T10:00:00Z"), day(2024, 1, 1));
        assert_eq!(parse_date(b"2024-02-30"), None);
        assert_eq!(parse_date(b"2024"), day(2024, 1, 1));
        assert_eq!(parse_date(b"2024-03"), day(2024, 3, 1));
        assert_eq!(parse_date(b"2024-03 "), day(2024, 3, 1));
        assert_eq!(parse_date(b"2024-03 x"), None);
        assert_eq!(parse_date(b"12:00"), None);
        assert_eq!(parse_date(b"-0001-12-31"), day(-1, 12, 31));
    }

    #[test]
    fn timestamps_print_without_trailing_zeros() {
        assert_eq!(format_timestamp(0), "1970-01-01 00:00:00");
        assert_eq!(format_timestamp(-1), "1969-12-31 23:59:59.999999");
        assert_eq!(format_timestamp(1_100_000), "1970-01-01 00:00:01.1");
    }
}
