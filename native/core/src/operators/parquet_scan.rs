//! Spark's Parquet file scan: the task's own file splits, read one after another, with Spark's
//! column matching, partition values and calendar handling. Each file is read by DataFusion's
//! Parquet reader (row group pruning with Spark's pushed filters, byte-range splits); a file that
//! fails is skipped or reported as Spark's file scan (`FileScanRDD`) would, naming the file.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use arrow::datatypes::{Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use datafusion::common::config::TableParquetOptions;
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileScanConfigBuilder, FileSource, ParquetSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties};
use futures::stream::BoxStream;
use futures::{future, stream, StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::ObjectStore;
use parquet::arrow::async_reader::{AsyncFileReader, ParquetObjectReader};
use parquet::file::metadata::ParquetMetaData;

use super::legacy_calendar::{CalendarSettings, FileRebase};
use super::preloaded_footer::PreloadedFooter;
use super::row_positions::{split_row_groups, PositionColumns, RowMarks, RowPositions};
use super::parquet_strings::strings_as_bytes;
use super::schema_adapter::{reinterprets_values, ColumnMatching, SparkSchemaAdapterFactory};
use crate::error::{find_thermite_error, is_out_of_memory, ErrorKind, ThermiteError};
use crate::metrics;
use crate::operators::task_stream_properties;

pub const OPERATOR_NAME: &str = "ThermiteScanExec";

/// One split of one file, as Spark planned it for this task.
#[derive(Debug, Clone)]
pub struct ScanFile {
    pub path: String,
    /// The file as Spark names it in errors.
    pub uri: String,
    pub start: i64,
    pub length: i64,
    pub file_size: u64,
    pub partition_values: Vec<ScalarValue>,
    /// The rows its deletes mark: Delta's deletion vector, where the scan reads Delta's deletion
    /// flag; Iceberg's deletes, where the scan drops marked rows.
    pub row_marks: RowMarks,
}

/// Where the scan's files are read from.
#[derive(Debug, Clone)]
pub enum FileSystem {
    /// The local file system, by path.
    Local,
    /// The task's Hadoop file system (any scheme Spark can open), by the file's URI.
    Hadoop(Arc<dyn ObjectStore>),
}

/// How every file of the scan is read.
#[derive(Debug)]
pub struct ScanOptions {
    pub file_system: FileSystem,
    pub data_schema: SchemaRef,
    pub partition_fields: Vec<Field>,
    pub pruning_predicate: Option<Arc<dyn PhysicalExpr>>,
    pub matching: ColumnMatching,
    pub batch_size: usize,
    pub ignore_corrupt_files: bool,
    pub ignore_missing_files: bool,
    pub calendar: CalendarSettings,
    /// Columns computed from each row's position in its file.
    pub positions: PositionColumns,
    /// Whether rows a split's `row_marks` mark are left out (Iceberg's deletes).
    pub drop_marked_rows: bool,
}

#[derive(Debug)]
pub struct ParquetScanExec {
    files: Vec<ScanFile>,
    options: Arc<ScanOptions>,
    properties: PlanProperties,
    /// The per-file readers opened so far, for their metrics.
    opened: Arc<Mutex<Vec<Arc<DataSourceExec>>>>,
}

impl ParquetScanExec {
    pub fn new(files: Vec<ScanFile>, options: ScanOptions) -> Self {
        let output_fields: Vec<Field> = options
            .data_schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .chain(options.partition_fields.iter().cloned())
            .collect();
        let properties = task_stream_properties(Arc::new(Schema::new(output_fields)));
        Self { files, options: Arc::new(options), properties, opened: Arc::new(Mutex::new(Vec::new())) }
    }
}

impl ScanOptions {
    /// DataFusion's Parquet source for one file whose footer is already read; `prune`: whether
    /// its statistics may prune row groups.
    fn parquet_source(
        &self,
        store: Arc<dyn ObjectStore>,
        footer: Arc<ParquetMetaData>,
        prune: bool,
    ) -> Result<Arc<dyn FileSource>> {
        let mut options = TableParquetOptions::default();
        // Rows are filtered by the Filter above, exactly as Spark does; statistics only prune.
        options.global.pushdown_filters = false;
        options.global.pruning = true;
        // Spark's ColumnarBatch takes plain Utf8/Binary vectors, and reads INT96 at microseconds.
        options.global.schema_force_view_types = false;
        options.global.binary_as_string = false;
        options.global.coerce_int96 = Some("us".to_string());
        let mut source = ParquetSource::new(options)
            .with_parquet_file_reader_factory(Arc::new(PreloadedFooter::new(store, Arc::clone(&footer))));
        if let Some(predicate) = self.pruning_predicate.as_ref().filter(|_| prune) {
            source = source.with_predicate(Arc::clone(predicate));
        }
        let file_columns = footer.file_metadata().schema_descr_ptr();
        source.with_schema_adapter_factory(Arc::new(SparkSchemaAdapterFactory { matching: self.matching.clone(), file_columns }))
    }

    /// One file split's batches, its footer read first to learn its calendar.
    async fn open(
        self: Arc<Self>,
        file: ScanFile,
        store: Arc<dyn ObjectStore>,
        context: Arc<TaskContext>,
        opened: Arc<Mutex<Vec<Arc<DataSourceExec>>>>,
    ) -> Result<BoxStream<'static, Result<RecordBatch>>> {
        let location = self.location(&file)?;
        let footer = ParquetObjectReader::new(Arc::clone(&store), location.clone())
            .with_file_size(file.file_size)
            .get_metadata(None)
            .await?;
        // Iceberg's reader never rebases: its files are written in the proleptic calendar.
        let rebase = match &self.matching {
            ColumnMatching::Name { case_sensitive } => self
                .calendar
                .for_file(&self.data_schema, *case_sensitive, &footer)
                .map_err(ThermiteError::into_datafusion)?,
            ColumnMatching::FieldId(_) => FileRebase::default(),
        };
        // String columns read as their bytes, valid UTF-8 or not, as Spark reads them.
        let footer = strings_as_bytes(footer).map_err(DataFusionError::from)?;
        // Statistics describe the values read only where the calendar and the values' meaning
        // stay; rows keep their positions only where no row group is skipped.
        let drops_rows = self.drop_marked_rows && file.row_marks.deletes_any();
        let by_position = self.positions.any() || drops_rows;
        let prune = !rebase.is_legacy()
            && !by_position
            && !reinterprets_values(&self.data_schema, footer.file_metadata().schema_descr(), &self.matching);
        let mut partitioned = PartitionedFile::new(location.to_string(), file.file_size)
            .with_range(file.start, file.start + file.length);
        let mut positions = None;
        if by_position {
            let (plan, runs) = split_row_groups(&footer, file.start, file.start + file.length);
            partitioned = partitioned.with_extensions(Arc::new(plan));
            positions = Some(RowPositions::new(self.positions, runs, file.row_marks.clone(), drops_rows));
        }
        partitioned.object_meta.location = location;
        partitioned.partition_values = file.partition_values.clone();
        let config = FileScanConfigBuilder::new(
            ObjectStoreUrl::local_filesystem(),
            Arc::clone(&self.data_schema),
            self.parquet_source(store, footer, prune)?,
        )
        .with_file(partitioned)
        .with_table_partition_cols(self.partition_fields.clone())
        .with_batch_size(Some(self.batch_size))
        .build();
        let reader = DataSourceExec::from_data_source(config);
        opened.lock().expect("scan metrics lock").push(Arc::clone(&reader));
        let mut batches = reader.execute(0, context)?.boxed();
        if let Some(mut positions) = positions {
            batches = batches.and_then(move |batch| future::ready(positions.fill(batch))).boxed();
        }
        if rebase.is_empty() {
            return Ok(batches);
        }
        Ok(batches.and_then(move |batch| future::ready(rebase.apply(batch).map_err(ThermiteError::into_datafusion))).boxed())
    }

    /// The name `file` has in the scan's store: its path, or on a Hadoop file system its whole
    /// URI as one part (the store reads it back as it was).
    fn location(&self, file: &ScanFile) -> Result<Path> {
        match self.file_system {
            FileSystem::Local => Path::from_absolute_path(&file.path).map_err(|e| DataFusionError::External(Box::new(e))),
            FileSystem::Hadoop(_) => Ok(Path::from_iter([file.uri.as_str()])),
        }
    }

    /// Whether `err` says `file` does not exist.
    fn is_missing(&self, file: &ScanFile, err: &DataFusionError) -> bool {
        match self.file_system {
            FileSystem::Local => matches!(std::fs::metadata(&file.path), Err(e) if e.kind() == std::io::ErrorKind::NotFound),
            FileSystem::Hadoop(_) => says_not_found(err),
        }
    }

    /// What a failure reading `file` becomes: `None` when Spark skips the rest of the file
    /// (`ignoreMissingFiles`, `ignoreCorruptFiles`), else the error Spark's file scan raises.
    /// With either flag on, Spark reports what it does not skip inside its "cannot read file"
    /// error; a missing file is never corrupt; an out-of-memory error is never ignored, nor wrapped.
    fn failure(&self, file: &ScanFile, err: DataFusionError) -> Option<DataFusionError> {
        if is_out_of_memory(&err) {
            return Some(err);
        }
        let missing = self.is_missing(file, &err);
        if missing && self.ignore_missing_files || !missing && self.ignore_corrupt_files {
            return None;
        }
        let cause = find_thermite_error(&err).cloned();
        let (kind, message, read_failure) = match cause {
            Some(e)
                if matches!(
                    e.kind,
                    ErrorKind::AncientDatetime | ErrorKind::AncientInt96 | ErrorKind::ColumnTypeMismatch | ErrorKind::DuplicateField
                ) =>
            {
                (e.kind, e.message, false)
            }
            _ if missing => (ErrorKind::FileNotFound, err.to_string(), self.ignore_corrupt_files),
            _ => (ErrorKind::Io, err.to_string(), self.ignore_missing_files),
        };
        Some(
            ThermiteError {
                kind,
                operator: Some(OPERATOR_NAME.to_string()),
                file: Some(file.uri.clone()),
                message,
                read_failure,
            }
            .into_datafusion(),
        )
    }
}

/// Whether an object store's "not found" is among the causes of `err`.
fn says_not_found(err: &DataFusionError) -> bool {
    std::iter::successors(Some(err as &(dyn std::error::Error + 'static)), |e| e.source())
        .any(|e| matches!(e.downcast_ref::<object_store::Error>(), Some(object_store::Error::NotFound { .. })))
}

/// One file split's batches, ending early where Spark would skip the rest of the file.
fn read_file(
    options: Arc<ScanOptions>,
    file: ScanFile,
    store: Arc<dyn ObjectStore>,
    context: Arc<TaskContext>,
    opened: Arc<Mutex<Vec<Arc<DataSourceExec>>>>,
) -> BoxStream<'static, Result<RecordBatch>> {
    let batches = stream::once(Arc::clone(&options).open(file.clone(), store, context, opened)).try_flatten();
    // After a failure the file has nothing more to give.
    batches
        .scan(false, move |failed, item| {
            let next = match item {
                _ if *failed => None,
                Ok(batch) => Some(Ok(batch)),
                Err(err) => {
                    *failed = true;
                    options.failure(&file, err).map(Err)
                }
            };
            future::ready(next)
        })
        .boxed()
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
        let store = match &self.options.file_system {
            FileSystem::Local => context.runtime_env().object_store(ObjectStoreUrl::local_filesystem())?,
            FileSystem::Hadoop(store) => Arc::clone(store),
        };
        let options = Arc::clone(&self.options);
        let opened = Arc::clone(&self.opened);
        let batches = stream::iter(self.files.clone()).flat_map(move |file| {
            read_file(Arc::clone(&options), file, Arc::clone(&store), Arc::clone(&context), Arc::clone(&opened))
        });
        // Empty batches carry nothing to Spark; skip them rather than cross JNI for nothing.
        let batches = batches.try_filter(|b| future::ready(b.num_rows() > 0));
        Ok(Box::pin(RecordBatchStreamAdapter::new(self.schema(), batches.boxed())))
    }
}
