//! Operators Spark has and DataFusion lacks, and wrappers that give DataFusion's operators
//! Spark's error reporting.

pub mod budgeted_hash_join;
pub mod declared_order;
pub mod expand;
pub mod generate;
pub mod held_rows;
pub mod join;
pub mod legacy_calendar;
pub mod jvm_input;
pub mod null_aware_anti_join;
pub mod operator_context;
pub mod parquet_scan;
pub mod parquet_strings;
pub mod preloaded_footer;
pub mod row_positions;
pub mod schema_adapter;
pub mod window;

pub use expand::ExpandExec;
pub use jvm_input::JvmInputExec;
pub use operator_context::OperatorContextExec;
pub use parquet_scan::{FileSystem, ParquetScanExec, ScanFile, ScanOptions};

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use datafusion::physical_expr::{EquivalenceProperties, Partitioning};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::PlanProperties;

/// The properties of an operator that streams one task's rows of `schema`: one partition, as a
/// Spark task sees it.
pub fn task_stream_properties(schema: SchemaRef) -> PlanProperties {
    ordered_task_stream_properties(EquivalenceProperties::new(schema))
}

/// The same, with the orderings `equivalences` knows the rows to come in.
pub fn ordered_task_stream_properties(equivalences: EquivalenceProperties) -> PlanProperties {
    PlanProperties::new(
        equivalences,
        Partitioning::UnknownPartitioning(1),
        EmissionType::Incremental,
        Boundedness::Bounded,
    )
}

/// A batch of `rows` rows: Spark's operators may have no columns (a `count(*)` input, a
/// projection of literals), and a batch without columns knows its length only from this count.
pub fn batch_of(schema: &SchemaRef, columns: Vec<ArrayRef>, rows: usize) -> Result<RecordBatch, ArrowError> {
    RecordBatch::try_new_with_options(Arc::clone(schema), columns, &RecordBatchOptions::new().with_row_count(Some(rows)))
}
