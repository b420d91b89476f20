//! Dates and timestamps of files written in Spark 2's hybrid Julian calendar, read as Spark
//! reads them. Which calendar a file uses, and what to do about it, is Spark's own decision
//! (`DataSourceUtils.datetimeRebaseSpec`/`int96RebaseSpec` from the file's key-value metadata and
//! the rebase mode in read), asked of the JVM once per file. Only values before the last
//! calendar switch differ: `EXCEPTION` fails on them, `LEGACY` has Spark's `RebaseDateTime`
//! rebase them (through the JVM, batch by batch: its per-zone tables and calendar arithmetic are
//! Spark's to define), `CORRECTED` reads them as they are.

use std::fmt;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, ArrowPrimitiveType, AsArray, PrimitiveArray};
use arrow::datatypes::{DataType, Date32Type, Schema, TimeUnit, TimestampMicrosecondType};
use arrow::record_batch::RecordBatch;
use parquet::basic::Type as PhysicalType;
use parquet::file::metadata::ParquetMetaData;

use crate::error::{ErrorKind, ThermiteError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebaseMode {
    Exception,
    Corrected,
    Legacy,
}

impl RebaseMode {
    pub fn parse(mode: &str) -> Result<Self, ThermiteError> {
        match mode {
            "EXCEPTION" => Ok(Self::Exception),
            "CORRECTED" => Ok(Self::Corrected),
            "LEGACY" => Ok(Self::Legacy),
            other => Err(ThermiteError::plan(format!("unknown rebase mode `{other}`"))),
        }
    }
}

/// How one file's values of one kind are read: Spark's `RebaseSpec`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebaseSpec {
    pub mode: RebaseMode,
    /// The zone a `LEGACY` timestamp is rebased in.
    pub zone: String,
}

/// Spark's own calendar functions, reached through the JVM.
pub trait SparkCalendar: Send + Sync + fmt::Debug {
    /// Spark's rebase specs for a file with this key-value metadata and these modes in read:
    /// for dates and INT64 timestamps, and for INT96 timestamps.
    fn rebase_specs(
        &self,
        metadata: &[(String, Option<String>)],
        datetime_mode: &str,
        int96_mode: &str,
    ) -> Result<(RebaseSpec, RebaseSpec), String>;

    /// `RebaseDateTime.rebaseJulianToGregorianDays` of each value, in place.
    fn rebase_days(&self, days: &mut [i32]) -> Result<(), String>;

    /// `RebaseDateTime.rebaseJulianToGregorianMicros(zone, _)` of each value, in place.
    fn rebase_micros(&self, zone: &str, micros: &mut [i64]) -> Result<(), String>;
}

/// The scan's settings for ancient values.
#[derive(Debug, Clone)]
pub struct CalendarSettings {
    pub datetime_mode: String,
    pub int96_mode: String,
    pub last_switch_day: i32,
    pub last_switch_micros: i64,
    pub calendar: Option<Arc<dyn SparkCalendar>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Values {
    Days,
    Micros,
}

#[derive(Debug, Clone)]
struct ColumnRebase {
    /// The column's position in the scan's batches.
    index: usize,
    values: Values,
    int96: bool,
    spec: RebaseSpec,
}

/// What reading one file's batches takes: the columns whose ancient values need Spark's care.
#[derive(Debug, Clone, Default)]
pub struct FileRebase {
    columns: Vec<ColumnRebase>,
    /// Nested columns holding dates or timestamps in a file whose values may be Julian: an
    /// ancient value there fails the read rather than being read unrebased (Spark rebases
    /// nested values; Thermite does not yet).
    nested: Vec<usize>,
    last_switch_day: i32,
    last_switch_micros: i64,
    calendar: Option<Arc<dyn SparkCalendar>>,
}

impl CalendarSettings {
    /// The rebasing a file needs, from its footer: which read columns hold Julian-calendar
    /// candidates (dates, INT64 and INT96 timestamps read as Spark's TimestampType) and Spark's
    /// spec for each kind. A file with no such columns costs no call into the JVM.
    pub fn for_file(
        &self,
        data_schema: &Schema,
        case_sensitive: bool,
        metadata: &ParquetMetaData,
    ) -> Result<FileRebase, ThermiteError> {
        let root = metadata.file_metadata().schema_descr().root_schema();
        let physical_type = |name: &str| {
            root.get_fields()
                .iter()
                .find(|f| if case_sensitive { f.name() == name } else { f.name().eq_ignore_ascii_case(name) })
                .filter(|f| f.is_primitive())
                .map(|f| f.get_physical_type())
        };
        let nested: Vec<usize> = data_schema
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| crate::types::is_nested(f.data_type()) && holds_datetimes(f.data_type()))
            .filter(|(_, f)| {
                root.get_fields().iter().any(|c| if case_sensitive { c.name() == f.name() } else { c.name().eq_ignore_ascii_case(f.name()) })
            })
            .map(|(i, _)| i)
            .collect();
        let candidates: Vec<(usize, Values, bool)> = data_schema
            .fields()
            .iter()
            .enumerate()
            .filter_map(|(index, field)| match (field.data_type(), physical_type(field.name())?) {
                (DataType::Date32, PhysicalType::INT32) => Some((index, Values::Days, false)),
                (DataType::Timestamp(TimeUnit::Microsecond, Some(_)), PhysicalType::INT64) => {
                    Some((index, Values::Micros, false))
                }
                (DataType::Timestamp(TimeUnit::Microsecond, Some(_)), PhysicalType::INT96) => {
                    Some((index, Values::Micros, true))
                }
                _ => None,
            })
            .collect();
        let mut rebase = FileRebase {
            columns: Vec::new(),
            nested: Vec::new(),
            last_switch_day: self.last_switch_day,
            last_switch_micros: self.last_switch_micros,
            calendar: self.calendar.clone(),
        };
        if candidates.is_empty() && nested.is_empty() {
            return Ok(rebase);
        }
        let (datetime, int96_spec) = match &self.calendar {
            Some(calendar) => {
                let key_values: Vec<(String, Option<String>)> = metadata
                    .file_metadata()
                    .key_value_metadata()
                    .map(|kv| kv.iter().map(|e| (e.key.clone(), e.value.clone())).collect())
                    .unwrap_or_default();
                calendar
                    .rebase_specs(&key_values, &self.datetime_mode, &self.int96_mode)
                    .map_err(|e| ThermiteError::new(ErrorKind::Execution, format!("Spark's rebase spec: {e}")))?
            }
            // Outside Spark (tests) there is no metadata lookup: the modes apply as configured.
            None => (
                RebaseSpec { mode: RebaseMode::parse(&self.datetime_mode)?, zone: String::new() },
                RebaseSpec { mode: RebaseMode::parse(&self.int96_mode)?, zone: String::new() },
            ),
        };
        rebase.columns = candidates
            .into_iter()
            .map(|(index, values, int96)| ColumnRebase {
                index,
                values,
                int96,
                spec: if int96 { int96_spec.clone() } else { datetime.clone() },
            })
            .filter(|c| c.spec.mode != RebaseMode::Corrected)
            .collect();
        if datetime.mode != RebaseMode::Corrected || int96_spec.mode != RebaseMode::Corrected {
            rebase.nested = nested;
        }
        Ok(rebase)
    }
}

impl FileRebase {
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty() && self.nested.is_empty()
    }

    /// Whether the file's values are in the Julian calendar: its statistics are too, so they
    /// cannot prune with Gregorian literals.
    pub fn is_legacy(&self) -> bool {
        self.columns.iter().any(|c| c.spec.mode == RebaseMode::Legacy)
    }

    /// The batch with its ancient values rebased, or Spark's error for them.
    pub fn apply(&self, batch: RecordBatch) -> Result<RecordBatch, ThermiteError> {
        for &index in &self.nested {
            if holds_ancient(batch.column(index).as_ref(), self.last_switch_day, self.last_switch_micros) {
                return Err(ThermiteError::new(
                    ErrorKind::Execution,
                    format!(
                        "nested column `{}` holds dates or timestamps before the Gregorian calendar switch in a file \
                         that may have been written in the Julian calendar: Spark's rebase of nested values is not native",
                        batch.schema().field(index).name()
                    ),
                ));
            }
        }
        let mut columns = batch.columns().to_vec();
        for column in &self.columns {
            let array = &columns[column.index];
            let rebased = match column.values {
                Values::Days => {
                    self.rebase::<Date32Type>(array, self.last_switch_day, column, |c, v| c.rebase_days(v))?
                }
                Values::Micros => self.rebase::<TimestampMicrosecondType>(
                    array,
                    self.last_switch_micros,
                    column,
                    |c, v| c.rebase_micros(&column.spec.zone, v),
                )?,
            };
            if let Some(rebased) = rebased {
                columns[column.index] = rebased;
            }
        }
        RecordBatch::try_new(batch.schema(), columns)
            .map_err(|e| ThermiteError::new(ErrorKind::Execution, format!("rebased batch: {e}")))
    }

    /// The array with its values before `last_switch` rebased (`None`: there are none).
    fn rebase<T: ArrowPrimitiveType>(
        &self,
        array: &ArrayRef,
        last_switch: T::Native,
        column: &ColumnRebase,
        spark: impl Fn(&dyn SparkCalendar, &mut [T::Native]) -> Result<(), String>,
    ) -> Result<Option<ArrayRef>, ThermiteError> {
        let array = array.as_primitive::<T>();
        let ancient: Vec<usize> = (0..array.len()).filter(|&i| array.is_valid(i) && array.value(i) < last_switch).collect();
        if ancient.is_empty() {
            return Ok(None);
        }
        if column.spec.mode == RebaseMode::Exception {
            let kind = if column.int96 { ErrorKind::AncientInt96 } else { ErrorKind::AncientDatetime };
            return Err(ThermiteError::new(
                kind,
                "dates or timestamps before the Gregorian calendar switch, in a file that does not say which \
                 calendar wrote them (rebase mode EXCEPTION)",
            ));
        }
        let calendar = self.calendar.as_deref().ok_or_else(|| {
            ThermiteError::new(ErrorKind::Execution, "rebasing Julian calendar values needs Spark's calendar")
        })?;
        let mut values: Vec<T::Native> = ancient.iter().map(|&i| array.value(i)).collect();
        spark(calendar, &mut values)
            .map_err(|e| ThermiteError::new(ErrorKind::Execution, format!("Spark's calendar rebase: {e}")))?;
        let mut all = array.values().to_vec();
        for (i, value) in ancient.into_iter().zip(values) {
            all[i] = value;
        }
        let rebased = PrimitiveArray::<T>::new(all.into(), array.nulls().cloned()).with_data_type(array.data_type().clone());
        Ok(Some(Arc::new(rebased)))
    }
}

/// Whether a nested type has a date or timestamp anywhere inside.
fn holds_datetimes(t: &DataType) -> bool {
    match t {
        DataType::Date32 | DataType::Timestamp(_, _) => true,
        DataType::Struct(fields) => fields.iter().any(|f| holds_datetimes(f.data_type())),
        DataType::List(f) | DataType::Map(f, _) => holds_datetimes(f.data_type()),
        _ => false,
    }
}

/// Whether any date or timestamp inside `array` comes before the last calendar switch.
fn holds_ancient(array: &dyn Array, last_switch_day: i32, last_switch_micros: i64) -> bool {
    match array.data_type() {
        DataType::Date32 => array.as_primitive::<Date32Type>().iter().flatten().any(|d| d < last_switch_day),
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            array.as_primitive::<TimestampMicrosecondType>().iter().flatten().any(|t| t < last_switch_micros)
        }
        DataType::Struct(_) => {
            array.as_struct().columns().iter().any(|c| holds_ancient(c.as_ref(), last_switch_day, last_switch_micros))
        }
        DataType::List(_) => holds_ancient(array.as_list::<i32>().values().as_ref(), last_switch_day, last_switch_micros),
        DataType::Map(_, _) => holds_ancient(array.as_map().entries(), last_switch_day, last_switch_micros),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Date32Array;
    use arrow::datatypes::Field;

    /// Shifts every value it is given by one day, recording what it saw.
    #[derive(Debug, Default)]
    struct Recording(std::sync::Mutex<Vec<i32>>);

    impl SparkCalendar for Recording {
        fn rebase_specs(&self, _: &[(String, Option<String>)], _: &str, _: &str) -> Result<(RebaseSpec, RebaseSpec), String> {
            unreachable!()
        }
        fn rebase_days(&self, days: &mut [i32]) -> Result<(), String> {
            self.0.lock().unwrap().extend_from_slice(days);
            days.iter_mut().for_each(|d| *d += 1);
            Ok(())
        }
        fn rebase_micros(&self, _: &str, _: &mut [i64]) -> Result<(), String> {
            unreachable!()
        }
    }

    fn file_rebase(mode: RebaseMode, calendar: Arc<Recording>) -> FileRebase {
        FileRebase {
            nested: Vec::new(),
            columns: vec![ColumnRebase { index: 0, values: Values::Days, int96: false, spec: RebaseSpec { mode, zone: "UTC".into() } }],
            last_switch_day: -100,
            last_switch_micros: 0,
            calendar: Some(calendar),
        }
    }

    fn batch() -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![Field::new("d", DataType::Date32, true)]));
        let days = Date32Array::from(vec![Some(-200), None, Some(-100), Some(5), Some(-101)]);
        RecordBatch::try_new(schema, vec![Arc::new(days)]).unwrap()
    }

    #[test]
    fn legacy_rebases_only_values_before_the_switch() {
        let calendar = Arc::new(Recording::default());
        let out = file_rebase(RebaseMode::Legacy, Arc::clone(&calendar)).apply(batch()).unwrap();
        assert_eq!(*calendar.0.lock().unwrap(), vec![-200, -101]);
        let days = out.column(0).as_primitive::<Date32Type>();
        assert_eq!(days.iter().collect::<Vec<_>>(), vec![Some(-199), None, Some(-100), Some(5), Some(-100)]);
    }

    #[test]
    fn exception_fails_on_ancient_values_only() {
        let calendar = Arc::new(Recording::default());
        let err = file_rebase(RebaseMode::Exception, Arc::clone(&calendar)).apply(batch()).unwrap_err();
        assert_eq!(err.kind, ErrorKind::AncientDatetime);
        let schema = Arc::new(Schema::new(vec![Field::new("d", DataType::Date32, true)]));
        let modern = RecordBatch::try_new(schema, vec![Arc::new(Date32Array::from(vec![Some(-100), None]))]).unwrap();
        assert!(file_rebase(RebaseMode::Exception, calendar).apply(modern).is_ok());
    }
}
