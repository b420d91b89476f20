//! The session time zone with `java.time`'s rules. The JVM resolves Spark's setting as Spark does
//! (`DateTimeUtils.getZoneId`, normalized) and sends either a fixed offset or a tz database
//! region; it lets an expression that needs the zone run natively only when this module's
//! offsets equal `java.time`'s for that region (see [`SessionZone::offsets`]).

use arrow::array::timezone::Tz;
use chrono::{DateTime, Offset, TimeZone};

use super::datetime::{civil_from_days, days_from_civil, MICROS_PER_DAY, MICROS_PER_SECOND};
use crate::error::{Result, ThermiteError};
use crate::proto;
use crate::proto::time_zone::Kind;

/// A fixed offset or a region's rules, as `java.time` applies them.
///
/// chrono-tz lists a region's transitions only up to 2037 and keeps the last offset after that,
/// where `java.time` keeps applying the region's last rules (daylight saving time every year).
/// In a region that still changes offsets in 2037, instants from 2038 on are therefore looked
/// up in one of the tables' last years with the same calendar, where the same rules fall on the
/// same days (see [`SessionZone::shift_days`]).
#[derive(Debug, Clone)]
pub struct SessionZone {
    name: String,
    rules: Rules,
}

#[derive(Debug, Clone)]
enum Rules {
    /// Seconds east of UTC.
    Fixed(i64),
    Region { tz: Tz, changes_after_tables: bool },
}

/// 2038-01-01T00:00:00Z, in seconds: chrono-tz's tables end before it.
const TABLES_END_SECONDS: i64 = 2_145_916_800;
/// chrono's range, within which its conversions work: about ±262,000 years.
const CHRONO_LIMIT_SECONDS: i64 = 8_000_000_000_000;
/// `java.time`'s offsets lie within ±18 hours.
const MAX_OFFSET_SECONDS: i32 = 18 * 3600;

impl SessionZone {
    /// The plan's session time zone; an error (the JVM's check failed to keep the expression in
    /// Spark) when the plan has none or the region is unknown here.
    pub fn of(zone: &proto::TimeZone) -> Result<SessionZone> {
        match &zone.kind {
            Some(Kind::OffsetSeconds(seconds)) => SessionZone::fixed(*seconds),
            Some(Kind::Region(region)) => SessionZone::region(region),
            None => Err(ThermiteError::plan("the plan has no session time zone")),
        }
    }

    pub fn fixed(seconds: i32) -> Result<SessionZone> {
        if !(-MAX_OFFSET_SECONDS..=MAX_OFFSET_SECONDS).contains(&seconds) {
            return Err(ThermiteError::plan(format!("time zone offset of {seconds} seconds is out of range")));
        }
        let (sign, abs) = (if seconds < 0 { '-' } else { '+' }, seconds.unsigned_abs());
        let mut name = format!("{sign}{:02}:{:02}", abs / 3600, abs / 60 % 60);
        if abs % 60 != 0 {
            name.push_str(&format!(":{:02}", abs % 60));
        }
        Ok(SessionZone { name, rules: Rules::Fixed(seconds as i64) })
    }

    /// A tz database region; an error when chrono-tz does not know it.
    pub fn region(name: &str) -> Result<SessionZone> {
        let tz: Tz = name
            .parse()
            .map_err(|e| ThermiteError::plan(format!("time zone {name} is not in the native tz database: {e}")))?;
        let mut zone = SessionZone { name: name.to_string(), rules: Rules::Region { tz, changes_after_tables: false } };
        let offset_on = |month: u32| zone.offset_at(days_from_civil(2037, month, 15) * 86_400);
        let changes = offset_on(1) != offset_on(7);
        if let Rules::Region { changes_after_tables, .. } = &mut zone.rules {
            *changes_after_tables = changes;
        }
        Ok(zone)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The offsets, in seconds, at each of the instants `utc_seconds`: what the JVM compares
    /// with `java.time`'s before letting an expression in this zone run natively.
    pub fn offsets(&self, utc_seconds: &[i64]) -> Vec<i32> {
        utc_seconds.iter().map(|&s| self.offset_at(s) as i32).collect()
    }

    /// Days to shift an instant of `seconds` by to land in the tables, on the same day of the
    /// week. From 1 March to the end of the next February the calendar follows from the weekday
    /// of 1 March alone, so the instant's such year maps to the latest one in the tables that
    /// starts on the same weekday: one of the tables' last years, whose rules are today's.
    fn shift_days(seconds: i64) -> i64 {
        if seconds < TABLES_END_SECONDS {
            return 0;
        }
        let days = seconds.div_euclid(86_400);
        let (y, m, _) = civil_from_days(days);
        let march_first = days_from_civil(if m >= 3 { y } else { y - 1 }, 3, 1);
        let weekday = |day: i64| (day + 4).rem_euclid(7);
        (2009..=2036)
            .rev()
            .map(|y2| days_from_civil(y2, 3, 1))
            .find(|&d2| weekday(d2) == weekday(march_first))
            .map(|d2| d2 - march_first)
            .unwrap_or(0)
    }

    /// The zone's offset from UTC, in seconds, at the instant `utc_seconds`.
    pub(super) fn offset_at(&self, utc_seconds: i64) -> i64 {
        match &self.rules {
            Rules::Fixed(offset) => *offset,
            Rules::Region { tz, changes_after_tables } => {
                // Shifted before clamping: any year after the tables maps into them. Before
                // chrono's range every region keeps its earliest (local mean time) offset.
                let shift = if *changes_after_tables { Self::shift_days(utc_seconds) } else { 0 };
                let seconds = (utc_seconds + shift * 86_400).clamp(-CHRONO_LIMIT_SECONDS, CHRONO_LIMIT_SECONDS);
                let utc = DateTime::from_timestamp(seconds, 0).expect("within chrono's range").naive_utc();
                tz.offset_from_utc_datetime(&utc).fix().local_minus_utc() as i64
            }
        }
    }

    /// Microseconds since the epoch of UTC to the same wall clock time's microseconds in UTC.
    pub(super) fn utc_to_local(&self, micros: i64) -> i64 {
        micros.wrapping_add(self.offset_at(micros.div_euclid(MICROS_PER_SECOND)) * MICROS_PER_SECOND)
    }

    /// A wall clock time (as microseconds of UTC) to its instant, as `ZonedDateTime.ofLocal`
    /// with no preferred offset: a time in a gap moves forward by the gap's length, an
    /// ambiguous time takes the earlier instant.
    pub(super) fn local_to_utc(&self, local_micros: i64) -> i64 {
        self.local_to_utc_preferring(local_micros, None)
    }

    /// As [`Self::local_to_utc`], an ambiguous time taking the `preferred` offset when it is
    /// one of its two (`ZonedDateTime.ofLocal` with a preferred offset).
    pub(super) fn local_to_utc_preferring(&self, local_micros: i64, preferred: Option<i64>) -> i64 {
        let local_seconds = local_micros.div_euclid(MICROS_PER_SECOND);
        // The offsets in force a day before and after are the candidates: the JVM lets a region
        // run natively only when its transitions are at least two days apart.
        let before = self.offset_at(local_seconds - 86_400);
        let after = self.offset_at(local_seconds + 86_400);
        let valid = |offset: i64| self.offset_at(local_seconds - offset) == offset;
        let offset = if valid(before) {
            // Both valid: an overlap, whose earlier instant has the larger offset.
            match preferred {
                Some(p) if valid(after) && (p == before || p == after) => p,
                _ if valid(after) => before.max(after),
                _ => before,
            }
        } else if valid(after) {
            after
        } else {
            // A gap: the wall clock time read with the offset before the gap.
            before
        };
        local_micros.wrapping_sub(offset * MICROS_PER_SECOND)
    }

    /// The instant the day `days` starts in this zone (`LocalDate.atStartOfDay(zone)`), None
    /// beyond the range of microseconds in a long.
    pub(super) fn start_of_day(&self, days: i32) -> Option<i64> {
        let seconds = days as i64 * 86_400;
        let local = seconds.checked_mul(MICROS_PER_SECOND)?;
        let utc_seconds = seconds - self.offset_at(seconds);
        utc_seconds.checked_mul(MICROS_PER_SECOND)?;
        Some(self.local_to_utc(local))
    }

    /// The day in this zone of the instant `micros`.
    pub(super) fn day_of(&self, micros: i64) -> i32 {
        self.utc_to_local(micros).div_euclid(MICROS_PER_DAY) as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i64, m: u32, d: u32, hour: i64) -> i64 {
        days_from_civil(y, m, d) * 86_400 + hour * 3600
    }

    #[test]
    fn los_angeles_keeps_daylight_saving_after_2037() {
        let zone = SessionZone::region("America/Los_Angeles").unwrap();
        // 2262-04-12T07:00:00Z is midnight PDT; so is its day in year 290,000.
        assert_eq!(zone.offsets(&[at(2262, 4, 12, 7), at(2262, 1, 12, 7)]), vec![-7 * 3600, -8 * 3600]);
        assert_eq!(zone.offsets(&[at(290_000, 7, 1, 0), at(290_000, 1, 1, 0)]), vec![-7 * 3600, -8 * 3600]);
        // 2024-03-10 02:30 does not exist: 03:30 PDT, 10:30Z.
        let local = (at(2024, 3, 10, 2) + 1800) * MICROS_PER_SECOND;
        assert_eq!(zone.local_to_utc(local), local + 8 * 3600 * MICROS_PER_SECOND);
        // 2024-11-03 01:30 happens twice: the earlier is PDT.
        let local = (at(2024, 11, 3, 1) + 1800) * MICROS_PER_SECOND;
        assert_eq!(zone.local_to_utc(local), local + 7 * 3600 * MICROS_PER_SECOND);
    }

    #[test]
    fn rules_after_2037_are_todays_rules() {
        // Cuba's daylight saving time starts on the second Sunday of March at 00:00 local time
        // since 2013 (on 1 April in 2012, the year with 2040's calendar).
        let zone = SessionZone::region("America/Havana").unwrap();
        let start = at(2040, 3, 11, 5);
        assert_eq!(zone.offsets(&[start - 1, start]), vec![-5 * 3600, -4 * 3600]);
        // In January and February, the calendar of the previous March on.
        let zone = SessionZone::region("America/Santiago").unwrap();
        assert_eq!(zone.offsets(&[at(2041, 1, 15, 0), at(2041, 7, 15, 0)]), vec![-3 * 3600, -4 * 3600]);
    }

    #[test]
    fn fixed_offsets_have_java_names() {
        assert_eq!(SessionZone::fixed(8 * 3600).unwrap().name(), "+08:00");
        assert_eq!(SessionZone::fixed(-(3600 + 2 * 60 + 3)).unwrap().name(), "-01:02:03");
        assert_eq!(SessionZone::fixed(-45 * 60).unwrap().offsets(&[i64::MIN / 2, 0, i64::MAX / 2]), vec![-2700; 3]);
        assert!(SessionZone::fixed(18 * 3600 + 1).is_err());
    }

    #[test]
    fn unknown_regions_are_errors() {
        let err = SessionZone::region("Mars/Olympus_Mons").unwrap_err();
        assert!(err.message.contains("Mars/Olympus_Mons"), "{}", err.message);
        assert!(SessionZone::of(&proto::TimeZone { kind: None }).is_err());
    }
}
