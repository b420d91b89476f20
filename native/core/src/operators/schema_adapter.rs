//! Maps a Parquet file's columns to Spark's read schema the way Spark's reader does: by name,
//! ignoring case unless `spark.sql.caseSensitive`; columns missing from the file read as NULL.

use std::sync::Arc;

use arrow::array::ArrayRef;
use arrow::compute::{cast_with_options, CastOptions};
use arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::common::Result;
use datafusion::datasource::schema_adapter::{SchemaAdapter, SchemaAdapterFactory, SchemaMapper, SchemaMapping};

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
            field_mappings.push(self.find(field.name(), file_schema).map(|file_index| {
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
                Ok(cast_with_options(array, field.data_type(), &CastOptions { safe: false, ..Default::default() })?)
            }),
        );
        Ok((Arc::new(mapping), projection))
    }
}
