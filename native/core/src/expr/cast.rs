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
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, Float32Array, Float64Array, Int64Array, StringArray,
    TimestampMicrosecondArray,
};
use arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Float32Type, Float64Type, Schema, TimeUnit, TimestampMicrosecondType,
};
use arrow::error::ArrowError;
use datafusion::common::{internal_err, Result as DfResult};
use datafusion::logical_expr::ColumnarValue;
use datafusion::physical_expr::PhysicalExpr;
use datafusion_comet_spark_expr::{Cast, EvalMode, SparkCastOptions};

use super::datetime::{civil_from_days, days_from_civil, days_in_month, MICROS_PER_SECOND};
use super::zone::SessionZone;
use super::math::java_double_digits;
use super::{type_of, ExprContext};
use crate::error::{Result, ThermiteError};
use crate::java_double;
use crate::proto;
use crate::spark_utf8;
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
        // Only casts between timestamps and dates or strings read the session's zone; the
        // others run in every zone, also one this side does not know.
        let zone = if kind.uses_zone() { SessionZone::of(&ctx.session_time_zone)? } else { SessionZone::fixed(0)? };
        return Ok(Arc::new(TextOrTimeCast { kind, child, to, zone }));
    }
    // A string's bytes as they are (Spark's strings are bytes, valid UTF-8 or not).
    if from == DataType::Utf8 && to == DataType::Binary {
        return Ok(Arc::new(datafusion::physical_expr::expressions::CastExpr::new(child, to, None)));
    }
    let plain = |t: &DataType| t.is_integer() || t.is_floating();
    let supported = (from.is_numeric() && to.is_numeric())
        || (from == DataType::Boolean && plain(&to))
        || (plain(&from) && to == DataType::Boolean)
        || ((from.is_integer() || from == DataType::Boolean) && to == DataType::Utf8);
    if !supported {
        return Err(ThermiteError::plan(format!("cast from {from} to {to} is not supported natively")));
    }
    // None of these casts reads a time zone.
    let options = SparkCastOptions::new(EvalMode::Legacy, "UTC", false);
    Ok(Arc::new(Cast::new(child, to, options)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum CastKind {
    /// Whole seconds, rounded down; narrower integers wrap (`toInt`, `toShort`, `toByte`).
    TimestampToIntegral,
    /// Seconds as a double (`micros / 1e6`), narrowed to a float for floats.
    TimestampToFloating,
    TimestampToDate,
    DateToTimestamp,
    DateToString,
    TimestampToString,
    /// Java's `BigDecimal.toString`: an exponent when the adjusted exponent is below -6 (`0E-10`).
    DecimalToString,
    /// Java 17's `Double.toString` / `Float.toString`, digit for digit (see [`crate::java_double`]).
    FloatingToString,
    StringToIntegral,
    StringToBoolean,
    StringToDate,
    /// `Double.parseDouble` / `Float.parseFloat`, then Spark's `inf`/`nan` spellings.
    StringToFloating,
    /// Through the digits of Java's `Double.toString` (floats widened first), HALF_UP.
    FloatingToDecimal,
    /// `BigDecimal.doubleValue` / `floatValue`: the decimal value correctly rounded.
    DecimalToFloating,
    /// `Decimal.toLong` (truncated toward zero, the low 64 bits), narrowed as the JVM does.
    DecimalToIntegral,
}

impl CastKind {
    fn uses_zone(self) -> bool {
        matches!(self, CastKind::TimestampToDate | CastKind::DateToTimestamp | CastKind::TimestampToString)
    }

    fn of(from: &DataType, to: &DataType) -> Option<CastKind> {
        use DataType::*;
        Some(match (from, to) {
            (Timestamp(TimeUnit::Microsecond, Some(_)), Int8 | Int16 | Int32 | Int64) => CastKind::TimestampToIntegral,
            (Timestamp(TimeUnit::Microsecond, Some(_)), Float32 | Float64) => CastKind::TimestampToFloating,
            (Timestamp(TimeUnit::Microsecond, Some(_)), Date32) => CastKind::TimestampToDate,
            (Timestamp(TimeUnit::Microsecond, Some(_)), Utf8) => CastKind::TimestampToString,
            (Date32, Timestamp(TimeUnit::Microsecond, Some(_))) => CastKind::DateToTimestamp,
            (Date32, Utf8) => CastKind::DateToString,
            (Decimal128(..), Utf8) => CastKind::DecimalToString,
            (Float32 | Float64, Utf8) => CastKind::FloatingToString,
            (Utf8, Int8 | Int16 | Int32 | Int64) => CastKind::StringToIntegral,
            (Utf8, Boolean) => CastKind::StringToBoolean,
            (Utf8, Date32) => CastKind::StringToDate,
            (Utf8, Float32 | Float64) => CastKind::StringToFloating,
            (Float32 | Float64, Decimal128(..)) => CastKind::FloatingToDecimal,
            (Decimal128(..), Float32 | Float64) => CastKind::DecimalToFloating,
            (Decimal128(..), Int8 | Int16 | Int32 | Int64) => CastKind::DecimalToIntegral,
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
            || matches!(
                self.kind,
                CastKind::StringToIntegral
                    | CastKind::StringToBoolean
                    | CastKind::StringToDate
                    | CastKind::StringToFloating
                    | CastKind::FloatingToDecimal
            ))
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
            CastKind::TimestampToFloating => {
                let seconds: Float64Array =
                    input.as_primitive::<TimestampMicrosecondType>().unary(|v| v as f64 / MICROS_PER_SECOND as f64);
                if self.to == DataType::Float32 {
                    Arc::new(seconds.unary::<_, arrow::datatypes::Float32Type>(|v| v as f32))
                } else {
                    Arc::new(seconds)
                }
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
            CastKind::FloatingToString => match input.data_type() {
                DataType::Float64 => {
                    let doubles = input.as_primitive::<Float64Type>();
                    Arc::new(doubles.iter().map(|v| v.map(java_double::double_to_string)).collect::<StringArray>())
                }
                DataType::Float32 => {
                    let floats = input.as_primitive::<Float32Type>();
                    Arc::new(floats.iter().map(|v| v.map(java_double::float_to_string)).collect::<StringArray>())
                }
                other => return internal_err!("floating point to string of {other}"),
            },
            CastKind::StringToIntegral => {
                let longs: Int64Array = string_bytes(&input).iter().map(|s| s.and_then(parse_long)).collect();
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
                Arc::new(string_bytes(&input).iter().map(|s| s.and_then(parse_boolean)).collect::<BooleanArray>())
            }
            CastKind::StringToFloating => {
                // Spark parses the decoded string, where invalid bytes become U+FFFD, which no
                // number has: NULL.
                let bytes = string_bytes(&input);
                let strings = bytes.iter().map(|s| s.and_then(|s| std::str::from_utf8(s).ok()));
                if self.to == DataType::Float32 {
                    let floats: Float32Array = strings.map(|s| s.and_then(parse_java_float::<true>).map(|v| v as f32)).collect();
                    Arc::new(floats)
                } else {
                    Arc::new(strings.map(|s| s.and_then(parse_java_float::<false>)).collect::<Float64Array>())
                }
            }
            CastKind::FloatingToDecimal => {
                let DataType::Decimal128(precision, scale) = self.to else {
                    return internal_err!("floating point to {}", self.to);
                };
                let doubles: Float64Array = match input.data_type() {
                    DataType::Float32 => input.as_primitive::<arrow::datatypes::Float32Type>().unary(f64::from),
                    _ => input.as_primitive::<arrow::datatypes::Float64Type>().clone(),
                };
                let decimals: arrow::array::Decimal128Array =
                    doubles.iter().map(|v| v.and_then(|v| floating_to_decimal(v, precision, scale))).collect();
                Arc::new(decimals.with_data_type(self.to.clone()))
            }
            CastKind::DecimalToFloating => {
                let (decimals, scale) = decimals(&input)?;
                if self.to == DataType::Float32 {
                    Arc::new(decimals.unary::<_, arrow::datatypes::Float32Type>(|v| decimal_to_f32(v, scale)))
                } else {
                    Arc::new(decimals.unary::<_, arrow::datatypes::Float64Type>(|v| decimal_to_f64(v, scale)))
                }
            }
            CastKind::DecimalToIntegral => {
                let (decimals, scale) = decimals(&input)?;
                let divisor = 10i128.pow(scale as u32);
                narrow(decimals.unary(|v| (v / divisor) as i64), &self.to)?
            }
            CastKind::StringToDate => {
                Arc::new(string_bytes(&input).iter().map(|s| s.and_then(parse_date)).collect::<Date32Array>())
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

/// Spark's `changePrecision(Decimal(d), p, s)`: Scala's `BigDecimal(d)` takes the digits of
/// `Double.toString(d)`, rounded HALF_UP to scale `s`; NULL for NaN, infinities and overflow.
fn floating_to_decimal(v: f64, precision: u8, scale: i8) -> Option<i128> {
    use arrow::datatypes::i256;
    if !v.is_finite() {
        return None;
    }
    if v == 0.0 {
        return Some(0);
    }
    let (digits, exp) = java_double_digits(v.abs());
    let mut unscaled = i256::ZERO;
    for &d in &digits {
        unscaled = unscaled.wrapping_mul(i256::from(10i64)).wrapping_add(i256::from(d as i64));
    }
    // The digits stand for d.ddd × 10^exp; the unscaled value is at 10^-scale.
    let shift = exp + 1 - digits.len() as i64 + scale as i64;
    let ten = i256::from(10i64);
    let unscaled = if shift >= 0 {
        unscaled.checked_mul(ten.checked_pow(u32::try_from(shift).ok()?)?)?
    } else if -shift > 40 {
        // At most 17 digits: far below half a unit.
        i256::ZERO
    } else {
        let divisor = ten.wrapping_pow((-shift) as u32);
        let half = divisor.wrapping_div(i256::from(2i64));
        unscaled.wrapping_add(half).wrapping_div(divisor)
    };
    if unscaled >= ten.wrapping_pow(precision as u32) {
        return None;
    }
    let unscaled = unscaled.to_i128()?;
    Some(if v < 0.0 { -unscaled } else { unscaled })
}

fn decimals(input: &ArrayRef) -> DfResult<(&arrow::array::Decimal128Array, i8)> {
    match input.data_type() {
        DataType::Decimal128(_, scale) if *scale >= 0 => Ok((input.as_primitive::<Decimal128Type>(), *scale)),
        other => internal_err!("decimal cast of {other}"),
    }
}

/// `unscaled × 10^-scale` correctly rounded to a double, as `BigDecimal.doubleValue`: one
/// division of two exact doubles where both are exact, else through the decimal digits.
fn decimal_to_f64(unscaled: i128, scale: i8) -> f64 {
    if unscaled.unsigned_abs() < 1 << 53 && scale <= 22 {
        return unscaled as f64 / 10f64.powi(scale as i32);
    }
    format!("{unscaled}e-{scale}").parse().expect("a decimal's digits")
}

/// As [`decimal_to_f64`] for floats (`BigDecimal.floatValue`): rounded once, to a float.
fn decimal_to_f32(unscaled: i128, scale: i8) -> f32 {
    if unscaled.unsigned_abs() < 1 << 24 && scale <= 10 {
        return unscaled as f32 / 10f32.powi(scale as i32);
    }
    format!("{unscaled}e-{scale}").parse().expect("a decimal's digits")
}

/// A string array's values as bytes (they may not be valid UTF-8).
fn string_bytes(input: &ArrayRef) -> arrow::array::BinaryArray {
    spark_utf8::bytes(input.as_string::<i32>())
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
fn parse_boolean(s: &[u8]) -> Option<bool> {
    match trim(s).to_ascii_lowercase().as_slice() {
        b"t" | b"true" | b"y" | b"yes" | b"1" => Some(true),
        b"f" | b"false" | b"n" | b"no" | b"0" => Some(false),
        _ => None,
    }
}

/// Spark's cast of a string to a double (`FLOAT` = true: to a float, returned widened, exactly):
/// Java's `parseDouble`/`parseFloat` of the string trimmed of chars up to U+0020 (decimal or
/// hexadecimal, an optional `f`/`d` suffix, `NaN`, `Infinity`), else Spark's spellings
/// `inf`, `infinity`, `nan` in any case, else NULL.
fn parse_java_float<const FLOAT: bool>(s: &str) -> Option<f64> {
    let t = s.trim_matches(|c: char| c <= ' ');
    let (negative, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let signed = |v: f64| if negative { -v } else { v };
    let unsuffixed = match body.as_bytes().last() {
        Some(b'f' | b'F' | b'd' | b'D') => &body[..body.len() - 1],
        _ => body,
    };
    let parsed = if body == "NaN" {
        Some(f64::NAN)
    } else if body == "Infinity" {
        Some(signed(f64::INFINITY))
    } else if is_java_decimal(unsuffixed) {
        // Rust parses this grammar correctly rounded, as Java does.
        if FLOAT {
            unsuffixed.parse::<f32>().ok().map(|v| signed(v as f64))
        } else {
            unsuffixed.parse::<f64>().ok().map(signed)
        }
    } else {
        parse_hex_float(unsuffixed, if FLOAT { 24 } else { 53 }, if FLOAT { -126 } else { -1022 }).map(signed)
    };
    parsed.or_else(|| match t.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        "nan" => Some(f64::NAN),
        _ => None,
    })
}

/// `digits[.digits][e[+-]digits]` or `.digits[...]`, without sign.
fn is_java_decimal(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |mut i: usize| {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        (i, i - start)
    };
    let (mut i, whole) = digits(0);
    let mut fraction = 0;
    if i < b.len() && b[i] == b'.' {
        (i, fraction) = digits(i + 1);
    }
    if whole + fraction == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let (end, n) = digits(i);
        if n == 0 {
            return false;
        }
        i = end;
    }
    i == b.len()
}

/// Java's hexadecimal floating point literal without sign or suffix, `0x<hex>[.<hex>]p[+-]<dec>`,
/// rounded half to even to `bits` significant bits, subnormal below 2^`min_exponent`.
fn parse_hex_float(s: &str, bits: u32, min_exponent: i64) -> Option<f64> {
    let rest = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    let p = rest.find(['p', 'P'])?;
    let (significand, exponent) = (&rest[..p], &rest[p + 1..]);
    let (negative_exponent, exponent_digits) = match exponent.as_bytes().first() {
        Some(b'-') => (true, &exponent[1..]),
        Some(b'+') => (false, &exponent[1..]),
        _ => (false, exponent),
    };
    if exponent_digits.is_empty() || !exponent_digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Saturated: far beyond any double's range either way.
    let magnitude = exponent_digits.bytes().fold(0i64, |e, b| (e * 10 + (b - b'0') as i64).min(1 << 40));
    let mut exponent = if negative_exponent { -magnitude } else { magnitude };
    let (whole, fraction) = significand.split_once('.').unwrap_or((significand, ""));
    if whole.len() + fraction.len() == 0 || !whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    // The significand's leading 120 bits, and whether any bit below them is set.
    let (mut mantissa, mut sticky) = (0u128, false);
    for (i, c) in whole.chars().chain(fraction.chars()).enumerate() {
        let digit = c.to_digit(16).expect("checked") as u128;
        if mantissa >> 116 == 0 {
            mantissa = mantissa << 4 | digit;
            if i >= whole.len() {
                exponent -= 4;
            }
        } else {
            sticky |= digit != 0;
            if i < whole.len() {
                exponent += 4;
            }
        }
    }
    if mantissa == 0 {
        return Some(0.0);
    }
    // value = mantissa × 2^exponent; its leading bit is 2^top.
    let width = 128 - mantissa.leading_zeros() as i64;
    let top = width - 1 + exponent;
    let keep = if top >= min_exponent { bits as i64 } else { bits as i64 - (min_exponent - top) };
    let shift = width - keep;
    let (mut q, mut scale) = (mantissa, exponent);
    if shift > 0 {
        if shift > 127 {
            // Below half the smallest subnormal.
            return Some(0.0);
        }
        let rem = mantissa & ((1u128 << shift) - 1);
        let half = 1u128 << (shift - 1);
        q = mantissa >> shift;
        scale += shift;
        if rem > half || (rem == half && (sticky || q & 1 == 1)) {
            q += 1;
        }
    }
    // q has at most `bits` + 1 bits: exact in a double; scaling by powers of two is exact
    // until the result, which is representable after the rounding above.
    let mut value = q as f64;
    while scale > 0 && value.is_finite() {
        let step = scale.min(1000);
        value *= 2f64.powi(step as i32);
        scale -= step;
    }
    while scale < 0 && value != 0.0 {
        let step = scale.max(-1000);
        value *= 2f64.powi(step as i32);
        scale -= step;
    }
    let max_exponent = if bits == 24 { 127 } else { 1023 };
    if value.is_infinite() || value.log2().floor() as i64 > max_exponent {
        return Some(f64::INFINITY);
    }
    Some(value)
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
    fn floating_point_parses_as_java_then_spark_does() {
        let d = |s: &str| parse_java_float::<false>(s);
        let f = |s: &str| parse_java_float::<true>(s).map(|v| v as f32);
        assert_eq!(d(" 1.5d "), Some(1.5));
        assert_eq!(d("1.e3"), Some(1000.0));
        assert_eq!(d("+.5E1"), Some(5.0));
        assert_eq!(d("0x1.8p1"), Some(3.0));
        assert_eq!(d("-0x0p0").map(f64::to_bits), Some((-0.0f64).to_bits()));
        assert_eq!(d("0x1p-1074"), Some(f64::from_bits(1)));
        assert_eq!(d("0x1p-1075"), Some(0.0));
        assert_eq!(d("0x1.8p-1075"), Some(f64::from_bits(1)));
        assert_eq!(d("0x1.fffffffffffff8p1023"), Some(f64::INFINITY));
        assert_eq!(d("0x1F"), None);
        assert_eq!(d("1e"), None);
        assert_eq!(d("."), None);
        assert_eq!(d("Infinityd"), None);
        assert_eq!(d("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(d("-INF"), Some(f64::NEG_INFINITY));
        assert!(d("+NaN").unwrap().is_nan());
        assert_eq!(d("-nan"), None);
        assert_eq!(d("\u{3000}1"), None);
        assert_eq!(f("0x1p-149"), Some(f32::from_bits(1)));
        assert_eq!(f("3.4028236e38"), Some(f32::INFINITY));
        assert_eq!(f("0x1.ffffffp127"), Some(f32::INFINITY));
        assert_eq!(f("0.1"), Some(0.1f32));
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
