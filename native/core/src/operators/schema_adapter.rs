//! Maps a Parquet file's columns to Spark's read schema the way Spark's reader does: by name,
//! ignoring case unless `spark.sql.caseSensitive`; columns missing from the file read as NULL;
//! each column converted to its read type exactly as Spark 3.5's vectorized reader would
//! (`ParquetVectorUpdaterFactory`), or failing with Spark's own error where Spark's fails.
//! Apache Iceberg's reads match by Parquet field id instead, with Iceberg's type promotions.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{new_null_array, Array, ArrayRef, AsArray, BinaryArray, Int32Array, Int64Array, ListArray, MapArray, StructArray};
use arrow::compute::{cast_with_options, CastOptions};
use arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Field, Int16Type, Int32Type, Int64Type, Int8Type, Schema, SchemaRef,
    Time32MillisecondType, Time64MicrosecondType, Time64NanosecondType, TimeUnit, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use datafusion::common::{exec_err, Result};
use datafusion::datasource::schema_adapter::{SchemaAdapter, SchemaAdapterFactory, SchemaMapper, SchemaMapping};
use parquet::arrow::PARQUET_FIELD_ID_META_KEY;
use parquet::basic::Type as PhysicalType;
use parquet::schema::types::{ColumnDescriptor, SchemaDescriptor};

use crate::error::{ErrorKind, ThermiteError};
use crate::spark_utf8;

/// How a file column becomes a column of its read type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    /// The same values in another representation, as arrow casts them (timestamp units,
    /// string/binary, a decimal's wider precision, unsigned to a wider signed type).
    Cast,
    /// The column's 32-bit physical values (a decimal's unscaled value, a date's days),
    /// truncated to the read type as Java's `(byte)` and `(short)` truncate.
    Int32Bits,
    /// The column's 64-bit physical values (a decimal's unscaled value, a timestamp's count).
    Int64Bits,
    /// A fixed-length decimal's stored bytes: big-endian two's complement, this many bytes.
    DecimalBytes(usize),
    /// A struct, array or map, its fields matched by name as the top level's columns are
    /// (see [`nested`]).
    Nested { case_sensitive: bool },
}

impl Conversion {
    /// Whether values change meaning (not only representation), so the file's statistics do not
    /// describe the values read.
    pub fn reinterprets(self, file: &DataType, table: &DataType) -> bool {
        !matches!(self, Conversion::Cast | Conversion::Nested { .. }) && file != table
    }
}

/// How Spark 3.5 reads a Parquet `column` (arrow reads it as `file`) as the read type `table`,
/// or `None` where Spark's reader refuses the pair.
pub fn spark_conversion(column: &ColumnDescriptor, file: &DataType, table: &DataType) -> Option<Conversion> {
    use DataType::*;
    // Spark reads a decimal column as a decimal of the same scale and at least its precision.
    let decimal_fits = |tp: u8, ts: i8| matches!(file, Decimal128(fp, fs) if *fp <= tp && *fs == ts);
    let conversion = match (column.physical_type(), table) {
        (PhysicalType::BOOLEAN, Boolean) => Conversion::Cast,
        (PhysicalType::INT32, Int8 | Int16 | Int32 | Date32) => Conversion::Int32Bits,
        (PhysicalType::INT32, Decimal128(tp, ts)) if *tp <= 9 && decimal_fits(*tp, *ts) => Conversion::Cast,
        (PhysicalType::INT32, Int64) if *file == UInt32 => Conversion::Cast,
        (PhysicalType::INT64, Int64) => Conversion::Int64Bits,
        (PhysicalType::INT64, Decimal128(tp, ts)) if *tp <= 18 && decimal_fits(*tp, *ts) => Conversion::Cast,
        (PhysicalType::INT64, Decimal128(20, 0)) if *file == UInt64 => Conversion::Cast,
        // A timestamp without time zone reads as one with; not the other way round.
        (PhysicalType::INT64, Timestamp(TimeUnit::Microsecond, zone))
            if matches!(file, Timestamp(TimeUnit::Millisecond | TimeUnit::Microsecond, file_zone) if zone.is_some() || file_zone.is_none()) =>
        {
            Conversion::Cast
        }
        (PhysicalType::FLOAT, Float32) => Conversion::Cast,
        (PhysicalType::DOUBLE, Float64) => Conversion::Cast,
        (PhysicalType::INT96, Timestamp(TimeUnit::Microsecond, Some(_))) => Conversion::Cast,
        // However the reader represents the bytes (views for large pages, string types).
        (PhysicalType::BYTE_ARRAY, Utf8 | Binary)
            if matches!(file, Binary | LargeBinary | BinaryView | Utf8 | LargeUtf8 | Utf8View) =>
        {
            Conversion::Cast
        }
        (PhysicalType::BYTE_ARRAY, Decimal128(tp, ts)) if *tp > 18 && decimal_fits(*tp, *ts) => Conversion::Cast,
        (PhysicalType::FIXED_LEN_BYTE_ARRAY, Decimal128(tp, ts)) if decimal_fits(*tp, *ts) => Conversion::Cast,
        (PhysicalType::FIXED_LEN_BYTE_ARRAY, Binary) => match file {
            Decimal128(_, _) => Conversion::DecimalBytes(column.type_length() as usize),
            _ => Conversion::Cast,
        },
        _ => return None,
    };
    Some(conversion)
}

/// How Iceberg reads a Parquet `column` as `table`: as Spark does, and also through the type
/// promotions Iceberg's schema evolution allows (int to bigint, float to double, a decimal to a
/// wider precision of the same scale), which only widen values.
pub fn iceberg_conversion(column: &ColumnDescriptor, file: &DataType, table: &DataType) -> Option<Conversion> {
    use DataType::*;
    spark_conversion(column, file, table).or_else(|| match (column.physical_type(), file, table) {
        (PhysicalType::INT32, Int32, Int64) | (PhysicalType::FLOAT, Float32, Float64) => Some(Conversion::Cast),
        (_, Decimal128(fp, fs), Decimal128(tp, ts)) if fs == ts && fp <= tp => Some(Conversion::Cast),
        _ => None,
    })
}

/// How a scan's read columns find their file columns.
#[derive(Debug, Clone)]
pub enum ColumnMatching {
    /// By name, as Spark's reader: ignoring case unless `case_sensitive`.
    Name { case_sensitive: bool },
    /// By Parquet field id, as Iceberg's reader: the id of each read column, by its name.
    FieldId(Arc<HashMap<String, i32>>),
}

impl ColumnMatching {
    /// The file column `name` (a read column) reads from, if the file has one.
    fn find(&self, name: &str, file: &Schema) -> Option<usize> {
        let fields = file.fields();
        match self {
            ColumnMatching::Name { case_sensitive: true } => fields.iter().position(|f| f.name() == name),
            ColumnMatching::Name { case_sensitive: false } => fields.iter().position(|f| f.name().eq_ignore_ascii_case(name)),
            ColumnMatching::FieldId(ids) => {
                let id = ids.get(name)?.to_string();
                fields.iter().position(|f| f.metadata().get(PARQUET_FIELD_ID_META_KEY) == Some(&id))
            }
        }
    }

    /// The error where several file columns answer to `name`: Spark's, ignoring case.
    fn ambiguous(&self, name: &str, file: &Schema) -> Option<ThermiteError> {
        match self {
            ColumnMatching::Name { case_sensitive: false } => ambiguous(name, file),
            _ => None,
        }
    }

    fn conversion(&self, column: &ColumnDescriptor, file: &DataType, table: &DataType) -> Option<Conversion> {
        match self {
            ColumnMatching::Name { .. } => spark_conversion(column, file, table),
            ColumnMatching::FieldId(_) => iceberg_conversion(column, file, table),
        }
    }
}

/// Spark's name for a read type, as its errors print it (`DataType.catalogString`).
fn catalog_string(t: &DataType) -> String {
    match t {
        DataType::Boolean => "boolean".into(),
        DataType::Int8 => "tinyint".into(),
        DataType::Int16 => "smallint".into(),
        DataType::Int32 => "int".into(),
        DataType::Int64 => "bigint".into(),
        DataType::Float32 => "float".into(),
        DataType::Float64 => "double".into(),
        DataType::Decimal128(p, s) => format!("decimal({p},{s})"),
        DataType::Utf8 => "string".into(),
        DataType::Binary => "binary".into(),
        DataType::Date32 => "date".into(),
        DataType::Timestamp(_, Some(_)) => "timestamp".into(),
        DataType::Timestamp(_, None) => "timestamp_ntz".into(),
        other => other.to_string(),
    }
}

/// Spark's error for a pair its reader refuses (`SchemaColumnConvertNotSupportedException`'s
/// message, which the JVM side parses back).
fn convert_not_supported(column: &ColumnDescriptor, table: &DataType) -> ThermiteError {
    let physical = match column.physical_type() {
        PhysicalType::BYTE_ARRAY => "BINARY".to_string(),
        other => other.to_string(),
    };
    ThermiteError::new(
        ErrorKind::ColumnTypeMismatch,
        format!("column: [{}], physicalType: {physical}, logicalType: {}", column.path().parts().join(", "), catalog_string(table)),
    )
}

/// The file's top-level primitive column called `name` (exactly, as the file names it).
fn leaf<'a>(columns: &'a SchemaDescriptor, name: &str) -> Option<&'a ColumnDescriptor> {
    columns.columns().iter().map(|c| c.as_ref()).find(|c| c.path().parts().len() == 1 && c.path().parts()[0] == name)
}

/// The conversion of the file column `file_field` to `table`, or the error Spark raises for it.
fn conversion_of(matching: &ColumnMatching, columns: &SchemaDescriptor, file_field: &Field, table: &DataType) -> Result<Conversion> {
    if crate::types::is_nested(table) {
        return match matching {
            ColumnMatching::Name { case_sensitive } => Ok(Conversion::Nested { case_sensitive: *case_sensitive }),
            ColumnMatching::FieldId(_) => exec_err!("nested column `{}` of a read matched by field id", file_field.name()),
        };
    }
    let Some(column) = leaf(columns, file_field.name()) else {
        return exec_err!("column `{}` is a nested group in the file, but Spark's read schema says {table}", file_field.name());
    };
    matching
        .conversion(column, file_field.data_type(), table)
        .ok_or_else(|| convert_not_supported(column, table).into_datafusion())
}

fn int32_bits(array: &ArrayRef) -> Result<Int32Array> {
    Ok(match array.data_type() {
        DataType::Int8 => array.as_primitive::<Int8Type>().unary(i32::from),
        DataType::Int16 => array.as_primitive::<Int16Type>().unary(i32::from),
        DataType::Int32 => array.as_primitive::<Int32Type>().clone(),
        DataType::UInt8 => array.as_primitive::<UInt8Type>().unary(i32::from),
        DataType::UInt16 => array.as_primitive::<UInt16Type>().unary(i32::from),
        DataType::UInt32 => array.as_primitive::<UInt32Type>().unary(|v| v as i32),
        DataType::Date32 => array.as_primitive::<Date32Type>().reinterpret_cast::<Int32Type>(),
        DataType::Time32(TimeUnit::Millisecond) => array.as_primitive::<Time32MillisecondType>().reinterpret_cast::<Int32Type>(),
        DataType::Decimal128(_, _) => array.as_primitive::<Decimal128Type>().unary(|v| v as i32),
        other => return exec_err!("cannot read the 32-bit values of a {other} column"),
    })
}

fn int64_bits(array: &ArrayRef) -> Result<Int64Array> {
    Ok(match array.data_type() {
        DataType::Int64 => array.as_primitive::<Int64Type>().clone(),
        DataType::UInt64 => array.as_primitive::<UInt64Type>().unary(|v| v as i64),
        DataType::Timestamp(TimeUnit::Millisecond, _) => array.as_primitive::<TimestampMillisecondType>().reinterpret_cast::<Int64Type>(),
        DataType::Timestamp(TimeUnit::Microsecond, _) => array.as_primitive::<TimestampMicrosecondType>().reinterpret_cast::<Int64Type>(),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => array.as_primitive::<TimestampNanosecondType>().reinterpret_cast::<Int64Type>(),
        DataType::Time64(TimeUnit::Microsecond) => array.as_primitive::<Time64MicrosecondType>().reinterpret_cast::<Int64Type>(),
        DataType::Time64(TimeUnit::Nanosecond) => array.as_primitive::<Time64NanosecondType>().reinterpret_cast::<Int64Type>(),
        DataType::Decimal128(_, _) => array.as_primitive::<Decimal128Type>().unary(|v| v as i64),
        other => return exec_err!("cannot read the 64-bit values of a {other} column"),
    })
}

/// `array`, read from the file, as the column `name` of type `table`.
pub fn convert(array: &ArrayRef, conversion: Conversion, table: &DataType, name: &str) -> Result<ArrayRef> {
    let converted: ArrayRef = match (conversion, table) {
        (Conversion::Int32Bits, DataType::Int8) => Arc::new(int32_bits(array)?.unary::<_, Int8Type>(|v| v as i8)),
        (Conversion::Int32Bits, DataType::Int16) => Arc::new(int32_bits(array)?.unary::<_, Int16Type>(|v| v as i16)),
        (Conversion::Int32Bits, DataType::Int32) => Arc::new(int32_bits(array)?),
        (Conversion::Int32Bits, DataType::Date32) => Arc::new(int32_bits(array)?.reinterpret_cast::<Date32Type>()),
        (Conversion::Int64Bits, DataType::Int64) => Arc::new(int64_bits(array)?),
        (Conversion::DecimalBytes(len), DataType::Binary) if len <= 16 => {
            let decimals = array.as_primitive::<Decimal128Type>();
            Arc::new(decimals.iter().map(|v| v.map(|v| v.to_be_bytes()[16 - len..].to_vec())).collect::<BinaryArray>())
        }
        (Conversion::Nested { case_sensitive }, _) => nested(array, table, case_sensitive, name)?,
        (Conversion::Cast, _) => {
            // String columns come as their bytes (`parquet_strings`), never validated.
            let array = spark_utf8::binary_as_strings(array, table);
            cast_with_options(&array, table, &CastOptions { safe: false, ..Default::default() })?
        }
        (conversion, table) => return exec_err!("no {conversion:?} conversion of a {} column to {table}", array.data_type()),
    };
    Ok(converted)
}

/// A struct, array or map of the file as the read type `table`, as Spark's reader reads nested
/// columns: struct fields by name (ignoring case unless `case_sensitive`; fields missing from the
/// file read as NULL), lists and maps element by element, and leaves whose values the file holds
/// in the read type (up to representation: string bytes, timestamp units). Any other leaf pair
/// fails with the column named: Spark converts a few more (a narrower decimal, say).
fn nested(array: &ArrayRef, table: &DataType, case_sensitive: bool, path: &str) -> Result<ArrayRef> {
    let mismatch = || {
        exec_err!("nested column `{path}` is {} in the file, Spark's read schema says {}", array.data_type(), catalog_string(table))
    };
    match (array.data_type(), table) {
        (DataType::Struct(_), DataType::Struct(fields)) => {
            let file = array.as_struct();
            let file_fields = file.fields();
            let columns = fields
                .iter()
                .map(|field| {
                    let same = |f: &&Arc<Field>| {
                        if case_sensitive { f.name() == field.name() } else { f.name().eq_ignore_ascii_case(field.name()) }
                    };
                    let matched: Vec<usize> = file_fields.iter().enumerate().filter(|(_, f)| same(f)).map(|(i, _)| i).collect();
                    let path = format!("{path}.{}", field.name());
                    match matched.as_slice() {
                        [] => Ok(new_null_array(field.data_type(), file.len())),
                        [i] => nested(file.column(*i), field.data_type(), case_sensitive, &path),
                        _ => Err(ambiguous(field.name(), &Schema::new(file_fields.clone()))
                            .expect("several fields match")
                            .into_datafusion()),
                    }
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Arc::new(StructArray::try_new(fields.clone(), columns, file.nulls().cloned())?))
        }
        (DataType::List(_), DataType::List(element)) => {
            let file = array.as_list::<i32>();
            let values = nested(file.values(), element.data_type(), case_sensitive, &format!("{path}.element"))?;
            Ok(Arc::new(ListArray::try_new(Arc::clone(element), file.offsets().clone(), values, file.nulls().cloned())?))
        }
        (DataType::Map(_, _), DataType::Map(entries, ordered)) => {
            let file = array.as_map();
            let DataType::Struct(table_kv) = entries.data_type() else { return mismatch() };
            // The file names its entries' fields as it likes (`key`, `value`): by position.
            let kv = file
                .entries()
                .columns()
                .iter()
                .zip(table_kv.iter())
                .map(|(c, f)| nested(c, f.data_type(), case_sensitive, &format!("{path}.{}", f.name())))
                .collect::<Result<Vec<_>>>()?;
            let entries_array = StructArray::try_new(table_kv.clone(), kv, file.entries().nulls().cloned())?;
            Ok(Arc::new(MapArray::try_new(Arc::clone(entries), file.offsets().clone(), entries_array, file.nulls().cloned(), *ordered)?))
        }
        (file, table) if crate::types::is_nested(file) || crate::types::is_nested(table) => mismatch(),
        (file, table) if file == table => Ok(Arc::clone(array)),
        (file, table) if same_values(file, table) => {
            let array = spark_utf8::binary_as_strings(array, table);
            Ok(cast_with_options(&array, table, &CastOptions { safe: false, ..Default::default() })?)
        }
        _ => mismatch(),
    }
}

/// Whether a nested leaf the file holds as `file` has the values of `table` in another
/// representation.
fn same_values(file: &DataType, table: &DataType) -> bool {
    use DataType::*;
    match (file, table) {
        (Binary | LargeBinary | BinaryView | Utf8 | LargeUtf8 | Utf8View, Utf8 | Binary) => true,
        // A timestamp without time zone reads as one with; not the other way round.
        (Timestamp(_, file_zone), Timestamp(TimeUnit::Microsecond, zone)) => zone.is_some() || file_zone.is_none(),
        (UInt8, Int16 | Int32 | Int64) | (UInt16, Int32 | Int64) | (UInt32, Int64) => true,
        _ => false,
    }
}

/// Whether reading `file_columns` as `table` changes what any value means (so the file's
/// statistics must not prune). A pair Spark refuses is left for the read to report.
pub fn reinterprets_values(table: &Schema, file_columns: &SchemaDescriptor, matching: &ColumnMatching) -> bool {
    let Ok(file) = parquet::arrow::parquet_to_arrow_schema(file_columns, None) else { return true };
    table.fields().iter().any(|field| {
        let Some(i) = matching.find(field.name(), &file) else { return false };
        let file_field = file.field(i);
        match conversion_of(matching, file_columns, file_field, field.data_type()) {
            Ok(c) => c.reinterprets(file_field.data_type(), field.data_type()),
            Err(_) => false,
        }
    })
}

/// Spark's error where, ignoring case, several file columns answer to one read column; the
/// message (`field: a, matched: [a, A]`) is parsed back by the JVM side.
fn ambiguous(name: &str, schema: &Schema) -> Option<ThermiteError> {
    let matched: Vec<&str> =
        schema.fields().iter().map(|f| f.name().as_str()).filter(|f| f.eq_ignore_ascii_case(name)).collect();
    (matched.len() > 1).then(|| {
        ThermiteError::new(ErrorKind::DuplicateField, format!("field: {name}, matched: [{}]", matched.join(", ")))
    })
}

#[derive(Debug)]
pub struct SparkSchemaAdapterFactory {
    pub matching: ColumnMatching,
    /// The file's Parquet schema: its physical types decide what Spark converts.
    pub file_columns: Arc<SchemaDescriptor>,
}

impl SchemaAdapterFactory for SparkSchemaAdapterFactory {
    fn create(&self, projected_table_schema: SchemaRef, _table_schema: SchemaRef) -> Box<dyn SchemaAdapter> {
        Box::new(SparkSchemaAdapter {
            projected_table_schema,
            matching: self.matching.clone(),
            file_columns: Arc::clone(&self.file_columns),
        })
    }
}

struct SparkSchemaAdapter {
    projected_table_schema: SchemaRef,
    matching: ColumnMatching,
    file_columns: Arc<SchemaDescriptor>,
}

impl SchemaAdapter for SparkSchemaAdapter {
    fn map_column_index(&self, index: usize, file_schema: &Schema) -> Option<usize> {
        self.matching.find(self.projected_table_schema.field(index).name(), file_schema)
    }

    fn map_schema(&self, file_schema: &Schema) -> Result<(Arc<dyn SchemaMapper>, Vec<usize>)> {
        // Iceberg matches a file without ids by position (or a name mapping): reading its
        // columns as missing would answer NULLs.
        if matches!(self.matching, ColumnMatching::FieldId(_))
            && !file_schema.fields().iter().any(|f| f.metadata().contains_key(PARQUET_FIELD_ID_META_KEY))
        {
            return exec_err!("the data file's columns have no Parquet field ids, which an Iceberg read matches by");
        }
        let mut projection = Vec::new();
        let mut field_mappings = Vec::with_capacity(self.projected_table_schema.fields().len());
        let mut conversions = std::collections::HashMap::new();
        for field in self.projected_table_schema.fields() {
            if let Some(err) = self.matching.ambiguous(field.name(), file_schema) {
                return Err(err.into_datafusion());
            }
            let file_index = self.matching.find(field.name(), file_schema);
            if let Some(i) = file_index {
                let conversion = conversion_of(&self.matching, &self.file_columns, file_schema.field(i), field.data_type())?;
                conversions.insert(field.name().clone(), conversion);
            }
            field_mappings.push(file_index.map(|file_index| {
                projection.push(file_index);
                projection.len() - 1
            }));
        }
        // The reader returns projected columns in file order: renumber the mappings to match.
        let mut order: Vec<usize> = (0..projection.len()).collect();
        order.sort_by_key(|&i| projection[i]);
        let position_in_batch: Vec<usize> = {
            let mut p = vec![0; projection.len()];
            for (batch_pos, &i) in order.iter().enumerate() {
                p[i] = batch_pos;
            }
            p
        };
        let field_mappings = field_mappings.into_iter().map(|m| m.map(|i| position_in_batch[i])).collect();
        projection.sort_unstable();
        let mapping = SchemaMapping::new(
            Arc::clone(&self.projected_table_schema),
            field_mappings,
            Arc::new(move |array: &ArrayRef, field: &Field| {
                let conversion = conversions.get(field.name()).copied().unwrap_or(Conversion::Cast);
                convert(array, conversion, field.data_type(), field.name())
            }),
        );
        Ok((Arc::new(mapping), projection))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Decimal128Array, RecordBatch};
    use parquet::schema::parser::parse_message_type;

    fn columns(message: &str) -> Arc<SchemaDescriptor> {
        Arc::new(SchemaDescriptor::new(Arc::new(parse_message_type(message).unwrap())))
    }

    fn conversion(message: &str, file: DataType, table: DataType) -> Option<Conversion> {
        spark_conversion(columns(message).column(0).as_ref(), &file, &table)
    }

    #[test]
    fn conversions_follow_the_physical_type_as_in_spark() {
        let int_decimal = "message m { optional int32 c (DECIMAL(5,2)); }";
        let dec = DataType::Decimal128;
        assert_eq!(conversion(int_decimal, dec(5, 2), DataType::Int32), Some(Conversion::Int32Bits));
        assert_eq!(conversion(int_decimal, dec(5, 2), dec(8, 2)), Some(Conversion::Cast));
        assert_eq!(conversion(int_decimal, dec(5, 2), dec(12, 2)), None);
        assert_eq!(conversion(int_decimal, dec(5, 2), dec(8, 3)), None);
        assert_eq!(conversion(int_decimal, dec(5, 2), DataType::Int64), None);
        let long_decimal = "message m { optional int64 c (DECIMAL(12,2)); }";
        assert_eq!(conversion(long_decimal, dec(12, 2), dec(18, 2)), Some(Conversion::Cast));
        assert_eq!(conversion(long_decimal, dec(12, 2), dec(25, 2)), None);
        let fixed = "message m { optional fixed_len_byte_array(11) c (DECIMAL(25,2)); }";
        assert_eq!(conversion(fixed, dec(25, 2), DataType::Binary), Some(Conversion::DecimalBytes(11)));
        assert_eq!(conversion(fixed, dec(25, 2), dec(12, 2)), None);
        let int96 = "message m { optional int96 c; }";
        let ts = |tz: Option<&str>| DataType::Timestamp(TimeUnit::Microsecond, tz.map(Into::into));
        assert_eq!(conversion(int96, ts(None), ts(Some("UTC"))), Some(Conversion::Cast));
        assert_eq!(conversion(int96, ts(None), ts(None)), None);
        let micros = |adjusted| format!("message m {{ optional int64 c (TIMESTAMP(MICROS,{adjusted})); }}");
        let micros_ts = |tz: Option<&str>| DataType::Timestamp(TimeUnit::Microsecond, tz.map(Into::into));
        assert_eq!(conversion(&micros(false), micros_ts(None), ts(Some("UTC"))), Some(Conversion::Cast));
        assert_eq!(conversion(&micros(true), micros_ts(Some("UTC")), ts(None)), None);
        let bytes = "message m { optional binary c; }";
        assert_eq!(conversion(bytes, DataType::Binary, DataType::Utf8), Some(Conversion::Cast));
        assert_eq!(conversion(bytes, DataType::Binary, DataType::Date32), None);
    }

    #[test]
    fn narrowing_truncates_as_java_does() {
        let unscaled: ArrayRef = Arc::new(Decimal128Array::from(vec![Some(-100), Some(12700), None]).with_precision_and_scale(5, 2).unwrap());
        let bytes = convert(&unscaled, Conversion::Int32Bits, &DataType::Int8, "c").unwrap();
        assert_eq!(bytes.as_primitive::<Int8Type>().iter().collect::<Vec<_>>(), vec![Some(-100), Some(-100), None]);
        let stored = convert(&unscaled, Conversion::DecimalBytes(3), &DataType::Binary, "c").unwrap();
        assert_eq!(stored.as_binary::<i32>().value(0), &[0xff, 0xff, 0x9c]);
        assert_eq!(stored.as_binary::<i32>().value(1), &[0x00, 0x31, 0x9c]);
    }

    #[test]
    fn a_pair_spark_refuses_fails_with_sparks_message() {
        let file = columns("message m { optional int32 c (DECIMAL(5,2)); }");
        let err = conversion_of(&ColumnMatching::Name { case_sensitive: false }, &file, &Field::new("c", DataType::Decimal128(5, 2), true), &DataType::Decimal128(12, 2)).unwrap_err();
        let err = crate::error::find_thermite_error(&err).unwrap();
        assert_eq!(err.kind, ErrorKind::ColumnTypeMismatch);
        assert_eq!(err.message, "column: [c], physicalType: INT32, logicalType: decimal(12,2)");
    }

    #[test]
    fn a_column_two_file_columns_answer_to_ignoring_case_is_an_error() {
        let table = Arc::new(Schema::new(vec![Field::new("a", DataType::Int32, true)]));
        let file = Schema::new(vec![Field::new("a", DataType::Int32, true), Field::new("A", DataType::Int32, true)]);
        let file_columns = columns("message m { optional int32 a; optional int32 A; }");
        let insensitive = SparkSchemaAdapterFactory {
            matching: ColumnMatching::Name { case_sensitive: false },
            file_columns: Arc::clone(&file_columns),
        }
        .create(Arc::clone(&table), Arc::clone(&table));
        let err = insensitive.map_schema(&file).err().unwrap();
        let err = crate::error::find_thermite_error(&err).unwrap();
        assert_eq!((err.kind, err.message.as_str()), (ErrorKind::DuplicateField, "field: a, matched: [a, A]"));
        let sensitive = SparkSchemaAdapterFactory { matching: ColumnMatching::Name { case_sensitive: true }, file_columns }
            .create(Arc::clone(&table), table);
        assert!(sensitive.map_schema(&file).is_ok());
    }

    #[test]
    fn columns_match_by_name_with_or_without_case() {
        let table = Arc::new(Schema::new(vec![Field::new("a", DataType::Int32, true), Field::new("b", DataType::Utf8, true)]));
        let file = Schema::new(vec![Field::new("B", DataType::Binary, true), Field::new("A", DataType::Int32, true)]);
        let file_columns = columns("message m { optional binary B; optional int32 A; }");
        let factory = |case_sensitive| SparkSchemaAdapterFactory {
            matching: ColumnMatching::Name { case_sensitive },
            file_columns: Arc::clone(&file_columns),
        };
        let insensitive = factory(false).create(Arc::clone(&table), Arc::clone(&table));
        assert_eq!(insensitive.map_column_index(0, &file), Some(1));
        let (_, projection) = insensitive.map_schema(&file).unwrap();
        assert_eq!(projection, vec![0, 1]);
        let sensitive = factory(true).create(Arc::clone(&table), table);
        assert_eq!(sensitive.map_column_index(0, &file), None);
    }

    #[test]
    fn iceberg_columns_match_by_field_id_and_widen() {
        let table = Arc::new(Schema::new(vec![
            Field::new("renamed", DataType::Int64, true),
            Field::new("added", DataType::Utf8, true),
            Field::new("price", DataType::Decimal128(12, 2), true),
        ]));
        let with_id = |f: Field, id: i32| f.with_metadata([(PARQUET_FIELD_ID_META_KEY.to_string(), id.to_string())].into());
        let file = Schema::new(vec![
            with_id(Field::new("price", DataType::Decimal128(5, 2), true), 3),
            with_id(Field::new("old_name", DataType::Int32, true), 1),
            with_id(Field::new("renamed", DataType::Int32, true), 7),
        ]);
        let file_columns =
            columns("message m { optional int32 price (DECIMAL(5,2)) = 3; optional int32 old_name = 1; optional int32 renamed = 7; }");
        let ids = [("renamed", 1), ("added", 2), ("price", 3)].map(|(n, i)| (n.to_string(), i));
        let adapter = SparkSchemaAdapterFactory { matching: ColumnMatching::FieldId(Arc::new(ids.into())), file_columns }
            .create(Arc::clone(&table), Arc::clone(&table));
        assert_eq!(adapter.map_column_index(0, &file), Some(1));
        assert_eq!(adapter.map_column_index(1, &file), None);
        let (mapping, projection) = adapter.map_schema(&file).unwrap();
        assert_eq!(projection, vec![0, 1]);
        let prices: ArrayRef = Arc::new(Decimal128Array::from(vec![Some(12345)]).with_precision_and_scale(5, 2).unwrap());
        let batch = RecordBatch::try_new(
            Arc::new(Schema::new(vec![file.field(0).clone(), file.field(1).clone()])),
            vec![prices, Arc::new(Int32Array::from(vec![Some(-7)]))],
        )
        .unwrap();
        let read = mapping.map_batch(batch).unwrap();
        let without_ids = Schema::new(vec![Field::new("renamed", DataType::Int32, true)]);
        assert!(adapter.map_schema(&without_ids).is_err());
        assert_eq!(read.column(0).as_primitive::<Int64Type>().value(0), -7);
        assert!(read.column(1).is_null(0));
        assert_eq!(read.column(2).as_primitive::<Decimal128Type>().value(0), 12345);
        assert_eq!(read.column(2).data_type(), &DataType::Decimal128(12, 2));
    }
}
