//! Maps a Parquet file's columns to Spark's read schema the way Spark's reader does: by name,
//! ignoring case unless `spark.sql.caseSensitive`; columns missing from the file read as NULL.

use std::sync::Arc;

use arrow::array::ArrayRef;
use arrow::compute::{cast_with_options, CastOptions};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::common::{plan_err, Result};
use datafusion::datasource::schema_adapter::{SchemaAdapter, SchemaAdapterFactory, SchemaMapper, SchemaMapping};

use crate::spark_utf8;

/// Whether a file column of type `file` can be read as Spark's `table` type: the same type, or a
/// change of representation only (timestamp units, string/binary, wider decimal precision).
/// Anything else is an error, as in Spark, rather than a conversion Spark would not make.
fn readable_as(file: &DataType, table: &DataType) -> bool {
    use DataType::*;
    match (file, table) {
        (f, t) if f == t => true,
        (Timestamp(_, _), Timestamp(TimeUnit::Microsecond, _)) => true,
        (Utf8 | LargeUtf8 | Utf8View | Binary | LargeBinary | BinaryView, Utf8 | Binary) => true,
        (Decimal128(fp, fs), Decimal128(tp, ts)) => fs == ts && fp <= tp,
        _ => false,
    }
}

#[derive(Debug)]
pub struct SparkSchemaAdapterFactory {
    pub case_sensitive: bool,
}

impl SchemaAdapterFactory for SparkSchemaAdapterFactory {
    fn create(&self, projected_table_schema: SchemaRef, _table_schema: SchemaRef) -> Box<dyn SchemaAdapter> {
        Box::new(SparkSchemaAdapter { projected_table_schema, case_sensitive: self.case_sensitive })
    }
}

struct SparkSchemaAdapter {
    projected_table_schema: SchemaRef,
    case_sensitive: bool,
}

impl SparkSchemaAdapter {
    fn find(&self, name: &str, schema: &Schema) -> Option<usize> {
        let fields = schema.fields();
        if self.case_sensitive {
            fields.iter().position(|f| f.name() == name)
        } else {
            fields.iter().position(|f| f.name().eq_ignore_ascii_case(name))
        }
    }
}

impl SchemaAdapter for SparkSchemaAdapter {
    fn map_column_index(&self, index: usize, file_schema: &Schema) -> Option<usize> {
        self.find(self.projected_table_schema.field(index).name(), file_schema)
    }

    fn map_schema(&self, file_schema: &Schema) -> Result<(Arc<dyn SchemaMapper>, Vec<usize>)> {
        let mut projection = Vec::new();
        let mut field_mappings = Vec::with_capacity(self.projected_table_schema.fields().len());
        for field in self.projected_table_schema.fields() {
            let file_index = self.find(field.name(), file_schema);
            if let Some(i) = file_index {
                let file_type = file_schema.field(i).data_type();
                if !readable_as(file_type, field.data_type()) {
                    return plan_err!(
                        "column `{}` is {file_type} in the file, but Spark's read schema says {}",
                        field.name(),
                        field.data_type()
                    );
                }
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
            Arc::new(|array: &ArrayRef, field: &Field| {
                // String columns come as their bytes (`parquet_strings`), never validated.
                let array = spark_utf8::binary_as_strings(array, field.data_type());
                Ok(cast_with_options(&array, field.data_type(), &CastOptions { safe: false, ..Default::default() })?)
            }),
        );
        Ok((Arc::new(mapping), projection))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn representation_changes_are_readable_conversions_are_not() {
        let ts = |u| DataType::Timestamp(u, Some("UTC".into()));
        assert!(readable_as(&ts(TimeUnit::Millisecond), &ts(TimeUnit::Microsecond)));
        assert!(readable_as(&DataType::Timestamp(TimeUnit::Microsecond, None), &ts(TimeUnit::Microsecond)));
        assert!(readable_as(&DataType::Binary, &DataType::Utf8));
        assert!(readable_as(&DataType::Decimal128(9, 2), &DataType::Decimal128(18, 2)));
        assert!(!readable_as(&DataType::Decimal128(9, 2), &DataType::Decimal128(18, 3)));
        assert!(!readable_as(&DataType::Utf8, &DataType::Date32));
        assert!(!readable_as(&DataType::Int64, &DataType::Int32));
    }

    #[test]
    fn columns_match_by_name_with_or_without_case() {
        let table = Arc::new(Schema::new(vec![Field::new("a", DataType::Int32, true), Field::new("b", DataType::Utf8, true)]));
        let file = Schema::new(vec![Field::new("B", DataType::Utf8, true), Field::new("A", DataType::Int32, true)]);
        let insensitive = SparkSchemaAdapterFactory { case_sensitive: false }.create(Arc::clone(&table), Arc::clone(&table));
        assert_eq!(insensitive.map_column_index(0, &file), Some(1));
        let (_, projection) = insensitive.map_schema(&file).unwrap();
        assert_eq!(projection, vec![0, 1]);
        let sensitive = SparkSchemaAdapterFactory { case_sensitive: true }.create(Arc::clone(&table), table);
        assert_eq!(sensitive.map_column_index(0, &file), None);
    }
}
