//! Date and time functions with Spark's semantics: the proleptic Gregorian calendar over any
//! `Date32` (Spark's `LocalDate`), and timestamps seen in the session time zone as `java.time`
//! sees them (see [`super::zone`]).

use std::hash::Hash;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Date32Array, Int32Array, PrimitiveArray, TimestampMicrosecondArray};
use arrow::datatypes::{
    DataType, Date32Type, Int16Type, Int32Type, Int64Type, Int8Type, Schema, TimeUnit, TimestampMicrosecondType,
};
use arrow::error::ArrowError;
use datafusion::common::{internal_err, Result as DfResult};
use datafusion::physical_expr::PhysicalExpr;

use super::kernel::{Kernel, KernelExpr};
use super::zone::SessionZone;
use super::{type_of, ExprContext};
use crate::proto::scalar_function::Name;
use crate::error::{Result, ThermiteError};
use crate::types::SPARK_TIMESTAMP_TZ;

pub(super) const MICROS_PER_SECOND: i64 = 1_000_000;
pub(super) const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// Whether `name` is one of this module's functions.
pub(super) fn handles(name: Name) -> bool {
    Kind::of(name).is_some()
}

pub(super) fn build(
    name: Name,
    args: Vec<Arc<dyn PhysicalExpr>>,
    input: &Schema,
    ctx: &ExprContext,
) -> Result<Arc<dyn PhysicalExpr>> {
    let types = args.iter().map(|a| type_of(a, input)).collect::<Result<Vec<_>>>()?;
    let kind = Kind::of(name).ok_or_else(|| ThermiteError::plan(format!("{name:?} is not a date/time function")))?;
    let ok = match (kind, types.as_slice()) {
        (Kind::Field(f), [DataType::Timestamp(_, Some(_))]) => f.of_time(),
        (Kind::Field(f), [DataType::Date32]) => !f.of_time(),
        (Kind::DateAdd | Kind::DateSub, [DataType::Date32, DataType::Int8 | DataType::Int16 | DataType::Int32]) => true,
        (Kind::DateDiff, [DataType::Date32, DataType::Date32]) => true,
        (Kind::AddMonths, [DataType::Date32, DataType::Int32]) => true,
        (Kind::LastDay, [DataType::Date32]) => true,
        (Kind::TruncDate, [DataType::Date32, DataType::Int32]) => true,
        (Kind::TruncTimestamp, [DataType::Timestamp(_, Some(_)), DataType::Int32]) => true,
        (Kind::TimestampAddMicros, [DataType::Timestamp(_, Some(_)), DataType::Int64]) => true,
        (Kind::TimestampAddMonths, [DataType::Timestamp(_, Some(_)), DataType::Int32]) => true,
        _ => false,
    };
    if !ok {
        return Err(ThermiteError::plan(format!("{name:?} of {types:?} is not supported natively")));
    }
    let zone = SessionZone::of(&ctx.session_time_zone)?;
    Ok(KernelExpr::new(DateTimeKernel { kind, zone }, args))
}

/// A field of a date, or of a timestamp in the session time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    Year,
    Quarter,
    Month,
    DayOfMonth,
    /// 1 = Sunday .. 7 = Saturday.
    DayOfWeek,
    /// 0 = Monday .. 6 = Sunday.
    WeekDay,
    DayOfYear,
    Hour,
    Minute,
    Second,
}

impl Field {
    fn of(name: Name) -> Option<Field> {
        Some(match name {
            Name::Year => Field::Year,
            Name::Quarter => Field::Quarter,
            Name::Month => Field::Month,
            Name::DayOfMonth => Field::DayOfMonth,
            Name::DayOfWeek => Field::DayOfWeek,
            Name::Weekday => Field::WeekDay,
            Name::DayOfYear => Field::DayOfYear,
            Name::Hour => Field::Hour,
            Name::Minute => Field::Minute,
            Name::Second => Field::Second,
            _ => return None,
        })
    }

    fn of_time(self) -> bool {
        matches!(self, Field::Hour | Field::Minute | Field::Second)
    }

    fn of_date(self, days: i32) -> i32 {
        let days = days as i64;
        let (y, m, d) = civil_from_days(days);
        match self {
            Field::Year => y as i32,
            Field::Quarter => (m as i32 - 1) / 3 + 1,
            Field::Month => m as i32,
            Field::DayOfMonth => d as i32,
            // 1970-01-01 was a Thursday.
            Field::DayOfWeek => ((days + 4).rem_euclid(7) + 1) as i32,
            Field::WeekDay => (days + 3).rem_euclid(7) as i32,
            Field::DayOfYear => (days - days_from_civil(y, 1, 1) + 1) as i32,
            Field::Hour | Field::Minute | Field::Second => unreachable!("fields of a time"),
        }
    }

    fn of_local_micros(self, local: i64) -> i32 {
        let second_of_day = local.rem_euclid(MICROS_PER_DAY) / MICROS_PER_SECOND;
        (match self {
            Field::Hour => second_of_day / 3600,
            Field::Minute => second_of_day / 60 % 60,
            _ => second_of_day % 60,
        }) as i32
    }
}

impl Kind {
    fn of(name: Name) -> Option<Kind> {
        Some(match name {
            Name::DateAdd => Kind::DateAdd,
            Name::DateSub => Kind::DateSub,
            Name::Datediff => Kind::DateDiff,
            Name::AddMonths => Kind::AddMonths,
            Name::LastDay => Kind::LastDay,
            Name::TruncDate => Kind::TruncDate,
            Name::TruncTimestamp => Kind::TruncTimestamp,
            Name::TimestampAddMicros => Kind::TimestampAddMicros,
            Name::TimestampAddMonths => Kind::TimestampAddMonths,
            _ => Kind::Field(Field::of(name)?),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Field(Field),
    /// `date_add(date, days)`: int arithmetic, wrapping as Spark's does.
    DateAdd,
    DateSub,
    /// `datediff(end, start)`.
    DateDiff,
    /// `add_months(date, n)`: the day clamped to the new month's length (`LocalDate.plusMonths`).
    AddMonths,
    LastDay,
    /// `trunc(date, level)`, the level being Spark's `DateTimeUtils` truncation level.
    TruncDate,
    /// `date_trunc(level, timestamp)` in the session time zone.
    TruncTimestamp,
    /// `timestamp + day-time interval`: whole days on the wall clock of the session time zone,
    /// the rest on the instant's time line (Spark's `timestampAddDayTime`); overflow fails, as
    /// Spark's `Math.addExact` does.
    TimestampAddMicros,
    /// `timestamp + year-month interval`: months added on the wall clock of the session time
    /// zone (`ZonedDateTime.plusMonths`).
    TimestampAddMonths,
}

/// Spark's `DateTimeUtils` truncation levels.
const TRUNC_TO_MICROSECOND: i32 = 0;
const TRUNC_TO_MILLISECOND: i32 = 1;
const TRUNC_TO_SECOND: i32 = 2;
const TRUNC_TO_MINUTE: i32 = 3;
const TRUNC_TO_HOUR: i32 = 4;
const TRUNC_TO_DAY: i32 = 5;
const TRUNC_TO_WEEK: i32 = 6;
const TRUNC_TO_MONTH: i32 = 7;
const TRUNC_TO_QUARTER: i32 = 8;
const TRUNC_TO_YEAR: i32 = 9;

/// A date/time function in the session's time zone.
#[derive(Debug, Clone)]
struct DateTimeKernel {
    kind: Kind,
    zone: SessionZone,
}

impl PartialEq for DateTimeKernel {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.zone.name() == other.zone.name()
    }
}

impl Eq for DateTimeKernel {}

impl Hash for DateTimeKernel {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.kind.hash(state);
        self.zone.name().hash(state);
    }
}

impl Kernel for DateTimeKernel {
    fn data_type(&self, _args: &[DataType]) -> DfResult<DataType> {
        Ok(match self.kind {
            Kind::Field(_) | Kind::DateDiff => DataType::Int32,
            Kind::TruncTimestamp | Kind::TimestampAddMicros | Kind::TimestampAddMonths => {
                DataType::Timestamp(TimeUnit::Microsecond, Some(SPARK_TIMESTAMP_TZ.into()))
            }
            _ => DataType::Date32,
        })
    }

    fn nullable(&self, any_argument_nullable: bool) -> bool {
        // `trunc` of an unknown level is NULL.
        any_argument_nullable || matches!(self.kind, Kind::TruncDate | Kind::TruncTimestamp)
    }

    fn evaluate(&self, args: &[ArrayRef], _rows: usize, _result_type: &DataType) -> DfResult<ArrayRef> {
        Ok(match self.kind {
            Kind::Field(f) if f.of_time() => {
                let ts = args[0].as_primitive::<TimestampMicrosecondType>();
                Arc::new(ts.unary::<_, Int32Type>(|v| f.of_local_micros(self.zone.utc_to_local(v))))
            }
            Kind::Field(f) => Arc::new(args[0].as_primitive::<Date32Type>().unary::<_, Int32Type>(|d| f.of_date(d))),
            Kind::DateAdd | Kind::DateSub => {
                let days = days_as_i32(&args[1])?;
                let sign = if self.kind == Kind::DateAdd { 1 } else { -1 };
                let dates: Date32Array = arrow::compute::binary(args[0].as_primitive::<Date32Type>(), &days, |d, n| {
                    d.wrapping_add(n.wrapping_mul(sign))
                })?;
                Arc::new(dates)
            }
            Kind::DateDiff => {
                let days: Int32Array = arrow::compute::binary(
                    args[0].as_primitive::<Date32Type>(),
                    args[1].as_primitive::<Date32Type>(),
                    |end, start| end.wrapping_sub(start),
                )?;
                Arc::new(days)
            }
            Kind::AddMonths => {
                let dates: Date32Array = arrow::compute::binary(
                    args[0].as_primitive::<Date32Type>(),
                    args[1].as_primitive::<Int32Type>(),
                    |d, n| add_months(d, n),
                )?;
                Arc::new(dates)
            }
            Kind::LastDay => Arc::new(args[0].as_primitive::<Date32Type>().unary::<_, Date32Type>(|d| {
                let (y, m, _) = civil_from_days(d as i64);
                days_from_civil(y, m, days_in_month(y, m)) as i32
            })),
            Kind::TruncDate => {
                let dates = args[0].as_primitive::<Date32Type>();
                let levels = args[1].as_primitive::<Int32Type>();
                let out: Date32Array = dates
                    .iter()
                    .zip(levels.iter())
                    .map(|(d, level)| trunc_date(d?, level?))
                    .collect();
                Arc::new(out)
            }
            Kind::TruncTimestamp => {
                let ts = args[0].as_primitive::<TimestampMicrosecondType>();
                let levels = args[1].as_primitive::<Int32Type>();
                let out: TimestampMicrosecondArray = ts
                    .iter()
                    .zip(levels.iter())
                    .map(|(v, level)| self.zone.trunc_timestamp(v?, level?))
                    .collect();
                Arc::new(out.with_timezone(SPARK_TIMESTAMP_TZ))
            }
            Kind::TimestampAddMicros => {
                let ts = args[0].as_primitive::<TimestampMicrosecondType>();
                let out: TimestampMicrosecondArray =
                    arrow::compute::try_binary(ts, args[1].as_primitive::<Int64Type>(), |v, micros| {
                        self.zone
                            .add_day_time(v, micros)
                            .ok_or_else(|| ArrowError::ComputeError("long overflow: timestamp + interval".into()))
                    })?;
                Arc::new(out.with_timezone(SPARK_TIMESTAMP_TZ))
            }
            Kind::TimestampAddMonths => {
                let ts = args[0].as_primitive::<TimestampMicrosecondType>();
                let out: TimestampMicrosecondArray = arrow::compute::binary(ts, args[1].as_primitive::<Int32Type>(), |v, months| {
                    self.zone.add_months(v, months)
                })?;
                Arc::new(out.with_timezone(SPARK_TIMESTAMP_TZ))
            }
        })
    }
}

/// Spark's `date_add` takes tinyint, smallint or int days.
fn days_as_i32(days: &ArrayRef) -> DfResult<PrimitiveArray<Int32Type>> {
    Ok(match days.data_type() {
        DataType::Int8 => days.as_primitive::<Int8Type>().unary(|v| v as i32),
        DataType::Int16 => days.as_primitive::<Int16Type>().unary(|v| v as i32),
        DataType::Int32 => days.as_primitive::<Int32Type>().clone(),
        other => return internal_err!("date_add of {other} days"),
    })
}

/// `LocalDate.plusMonths`: the day of month clamped to the new month's length.
fn add_months(days: i32, months: i32) -> i32 {
    let (y, m, d) = civil_from_days(days as i64);
    let total = y * 12 + (m as i64 - 1) + months as i64;
    let (y, m) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
    days_from_civil(y, m, d.min(days_in_month(y, m))) as i32
}

/// Spark's `DateTimeUtils.truncDate`; levels below a week are not date levels: NULL.
fn trunc_date(days: i32, level: i32) -> Option<i32> {
    let (y, m, _) = civil_from_days(days as i64);
    let truncated = match level {
        // The Monday on or before.
        TRUNC_TO_WEEK => days as i64 - (days as i64 + 3).rem_euclid(7),
        TRUNC_TO_MONTH => days_from_civil(y, m, 1),
        TRUNC_TO_QUARTER => days_from_civil(y, (m - 1) / 3 * 3 + 1, 1),
        TRUNC_TO_YEAR => days_from_civil(y, 1, 1),
        _ => return None,
    };
    Some(truncated as i32)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

pub(super) fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian, for any day count
/// (H. Hinnant's `civil_from_days`).
pub(super) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

/// (year, month, day) to days since 1970-01-01, proleptic Gregorian.
pub(super) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 } as i64;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl SessionZone {
    /// Spark's `DateTimeUtils.truncTimestamp`: below a minute on the instant; minutes, hours
    /// and days on the wall clock (`ZonedDateTime.truncatedTo`, keeping the offset when it
    /// can); longer units through the truncated day's start. NULL for other levels.
    fn trunc_timestamp(&self, micros: i64, level: i32) -> Option<i64> {
        let on_wall_clock = |unit: i64| {
            let offset = self.offset_at(micros.div_euclid(MICROS_PER_SECOND));
            let local = micros.wrapping_add(offset * MICROS_PER_SECOND);
            self.local_to_utc_preferring(local - local.rem_euclid(unit), Some(offset))
        };
        Some(match level {
            TRUNC_TO_MICROSECOND => micros,
            TRUNC_TO_MILLISECOND => micros - micros.rem_euclid(1000),
            TRUNC_TO_SECOND => micros - micros.rem_euclid(MICROS_PER_SECOND),
            TRUNC_TO_MINUTE => on_wall_clock(60 * MICROS_PER_SECOND),
            TRUNC_TO_HOUR => on_wall_clock(3600 * MICROS_PER_SECOND),
            TRUNC_TO_DAY => on_wall_clock(MICROS_PER_DAY),
            _ => self.start_of_day(trunc_date(self.day_of(micros), level)?)?,
        })
    }

    /// `months` added to the wall clock time of `micros`, resolved keeping its offset when it
    /// can (`ZonedDateTime.plusMonths`).
    fn add_months(&self, micros: i64, months: i32) -> i64 {
        let offset = self.offset_at(micros.div_euclid(MICROS_PER_SECOND));
        let local = micros.wrapping_add(offset * MICROS_PER_SECOND);
        let (days, time) = (local.div_euclid(MICROS_PER_DAY), local.rem_euclid(MICROS_PER_DAY));
        let days = add_months(days as i32, months) as i64;
        self.local_to_utc_preferring(days * MICROS_PER_DAY + time, Some(offset))
    }

    /// Spark's `timestampAddDayTime`: `plusDays` of the interval's whole days (truncated toward
    /// zero), then its remaining microseconds on the instant. None on overflow.
    fn add_day_time(&self, micros: i64, interval: i64) -> Option<i64> {
        let days = interval / MICROS_PER_DAY;
        let rest = interval - days * MICROS_PER_DAY;
        let offset = self.offset_at(micros.div_euclid(MICROS_PER_SECOND));
        let local = micros.checked_add(offset * MICROS_PER_SECOND)?.checked_add(days * MICROS_PER_DAY)?;
        self.local_to_utc_preferring(local, Some(offset)).checked_add(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trips() {
        for days in [-719_468i64, -1, 0, 1, 59, 60, 11_016, 2_932_896, i32::MIN as i64, i32::MAX as i64] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn fields_of_dates() {
        // 2024-02-29 was a Thursday.
        let d = 19_782;
        assert_eq!(Field::DayOfWeek.of_date(d), 5);
        assert_eq!(Field::WeekDay.of_date(d), 3);
        assert_eq!(Field::DayOfYear.of_date(d), 60);
        assert_eq!(Field::Quarter.of_date(d), 1);
        assert_eq!(add_months(d, 12), days_from_civil(2025, 2, 28) as i32);
        assert_eq!(trunc_date(d, TRUNC_TO_WEEK), Some(d - 3));
    }
}
