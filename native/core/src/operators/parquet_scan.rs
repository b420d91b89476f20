//! Spark's Parquet file scan: the task's own file splits, read one after another, with Spark's
//! column matching and partition values. Each file is read by DataFusion's Parquet reader (row
//! group pruning with Spark's pushed filters, byte-range splits); an error names the file.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::common::config::TableParquetOptions;
use datafusion::common::{Result, ScalarValue};
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileScanConfigBuilder, FileSource, ParquetSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties};
use futures::{stream, StreamExt, TryStreamExt};
use object_store::path::Path;

use super::parquet_strings::SparkStringsReaderFactory;
use super::schema_adapter::SparkSchemaAdapterFactory;
use crate::operators::task_stream_properties;
use crate::error::{ErrorKind, ThermiteError};
use crate::metrics;

pub const OPERATOR_NAME: &str = "ThermiteScanExec";

/// One split of one file, as Spark planned it for this task.
#[derive(Debug, Clone)]
pub struct ScanFile {
    pub path: String,
    pub start: i64,
    pub length: i64,
    pub file_size: u64,
    pub partition_values: Vec<ScalarValue>,
}

#[derive(Debug)]
pub struct ParquetScanExec {
    files: Vec<ScanFile>,
    data_schema: SchemaRef,
    partition_fields: Vec<Field>,
    pruning_predicate: Option<Arc<dyn PhysicalExpr>>,
    case_sensitive: bool,
    batch_size: usize,
    properties: PlanProperties,
    /// The per-file readers opened so far, for their metrics.
    opened: Mutex<Vec<Arc<DataSourceExec>>>,
}

impl ParquetScanExec {
    pub fn new(
        files: Vec<ScanFile>,
        data_schema: SchemaRef,
        partition_fields: Vec<Field>,
        pruning_predicate: Option<Arc<dyn PhysicalExpr>>,
        case_sensitive: bool,
        batch_size: usize,
    ) -> Self {
        let output_fields: Vec<Field> =
            data_schema.fields().iter().map(|f| f.as_ref().clone()).chain(partition_fields.iter().cloned()).collect();
        let properties = task_stream_properties(Arc::new(Schema::new(output_fields)));
        Self {
            files,
            data_schema,
            partition_fields,
            pruning_predicate,
            case_sensitive,
            batch_size,
            properties,
            opened: Mutex::new(Vec::new()),
        }
    }

    fn parquet_source(&self) -> Result<Arc<dyn FileSource>> {
        let mut options = TableParquetOptions::default();
        // Rows are filtered by the Filter above, exactly as Spark does; statistics only prune.
        options.global.pushdown_filters = false;
        options.global.pruning = true;
        // Spark's ColumnarBatch takes plain Utf8/Binary vectors, and reads INT96 at microseconds.
        options.global.schema_force_view_types = false;
        options.global.binary_as_string = false;
        options.global.coerce_int96 = Some("us".to_string());
        // String columns read as their bytes, valid UTF-8 or not, as Spark reads them.
        let mut source = ParquetSource::new(options).with_parquet_file_reader_factory(Arc::new(SparkStringsReaderFactory::local()));
        if let Some(predicate) = &self.pruning_predicate {
            source = source.with_predicate(Arc::clone(predicate));
        }
        source.with_schema_adapter_factory(Arc::new(SparkSchemaAdapterFactory { case_sensitive: self.case_sensitive }))
    }

    /// A DataFusion scan of one file split; its errors name the file.
    fn open(
        &self,
        file: &ScanFile,
        source: &Arc<dyn FileSource>,
        context: &Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let io_error = |message: String| {
            ThermiteError {
                kind: ErrorKind::Io,
                operator: Some(OPERATOR_NAME.to_string()),
                file: Some(file.path.clone()),
                message,
            }
            .into_datafusion()
        };
        let location = Path::from_absolute_path(&file.path).map_err(|e| io_error(e.to_string()))?;
        let mut partitioned = PartitionedFile::new(location.to_string(), file.file_size)
            .with_range(file.start, file.start + file.length);
        partitioned.object_meta.location = location;
        partitioned.partition_values = file.partition_values.clone();
        let config = FileScanConfigBuilder::new(
            ObjectStoreUrl::local_filesystem(),
            Arc::clone(&self.data_schema),
            Arc::clone(source),
        )
        .with_file(partitioned)
        .with_table_partition_cols(self.partition_fields.clone())
        .with_batch_size(Some(self.batch_size))
        .build();
        let reader = DataSourceExec::from_data_source(config);
        self.opened.lock().expect("scan metrics lock").push(Arc::clone(&reader));
        let stream = reader.execute(0, Arc::clone(context)).map_err(|e| io_error(e.to_string()))?;
        let path = file.path.clone();
        let stream = stream.map_err(move |e| {
            ThermiteError {
                kind: ErrorKind::Io,
                operator: Some(OPERATOR_NAME.to_string()),
                file: Some(path.clone()),
                message: e.to_string(),
            }
            .into_datafusion()
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(self.schema(), stream)))
    }
}

impl ParquetScanExec {
    /// Spark metric names and values, summed over the files read.
    pub fn spark_metrics(&self) -> HashMap<String, i64> {
        let mut totals: HashMap<String, i64> = HashMap::new();
        for reader in self.opened.lock().expect("scan metrics lock").iter() {
            let Some(m) = reader.metrics() else { continue };
            *totals.entry(metrics::OUTPUT_ROWS.to_string()).or_default() += m.output_rows().unwrap_or(0) as i64;
            for (spark, native) in [
                (metrics::NATIVE_TIME, "time_elapsed_processing"),
                ("rowGroupsPruned", "row_groups_pruned_statistics"),
                ("rowGroupsRead", "row_groups_matched_statistics"),
                ("bytesScanned", "bytes_scanned"),
            ] {
                *totals.entry(spark.to_string()).or_default() += metrics::sum(&m, native);
            }
        }
        totals.insert("numFiles".to_string(), self.files.len() as i64);
        totals
    }
}

impl DisplayAs for ParquetScanExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "ParquetScanExec: files={}", self.files.len())
    }
}

impl ExecutionPlan for ParquetScanExec {
    fn name(&self) -> &str {
        "ParquetScanExec"
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn properties(&self) -> &PlanProperties {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn with_new_children(self: Arc<Self>, _children: Vec<Arc<dyn ExecutionPlan>>) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn execute(&self, _partition: usize, context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        let source = self.parquet_source()?;
        let streams: Vec<Result<SendableRecordBatchStream>> =
            self.files.iter().map(|f| self.open(f, &source, &context)).collect();
        let batches = stream::iter(streams).try_flatten();
        // Empty batches carry nothing to Spark; skip them rather than cross JNI for nothing.
        let batches = batches.try_filter(|b| futures::future::ready(b.num_rows() > 0));
        Ok(Box::pin(RecordBatchStreamAdapter::new(self.schema(), batches.boxed())))
    }
}
