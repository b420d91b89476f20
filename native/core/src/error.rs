//! Errors as data: what failed (operator, file) and why, so the JVM can raise the exception Spark
//! itself would and a user can see where to look.

use std::fmt;

use datafusion::error::DataFusionError;

/// What kind of failure, as the JVM side reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The plan from the JVM could not be decoded or built.
    Plan,
    /// Reading input failed: an unreadable or corrupt file.
    Io,
    /// A file to read does not exist (any more).
    FileNotFound,
    /// A file holds dates or timestamps before the Gregorian switch, in a calendar Spark's
    /// rebase mode says not to guess (`EXCEPTION`): dates and INT64 timestamps, or INT96 ones.
    AncientDatetime,
    AncientInt96,
    /// A file column's physical type that Spark's reader refuses to read as the read schema's
    /// type; the message is Spark's (`column: [c], physicalType: INT32, logicalType: date`).
    ColumnTypeMismatch,
    /// Ignoring case, several columns of a file answer to one read column; the message names them
    /// (`field: a, matched: [a, A]`).
    DuplicateField,
    /// Computing a result failed.
    Execution,
    /// Spark's memory manager refused memory an operator could not do without.
    OutOfMemory,
    /// Native code panicked.
    Panic,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Plan => "PLAN",
            ErrorKind::Io => "IO",
            ErrorKind::FileNotFound => "FILE_NOT_FOUND",
            ErrorKind::AncientDatetime => "ANCIENT_DATETIME",
            ErrorKind::AncientInt96 => "ANCIENT_INT96",
            ErrorKind::ColumnTypeMismatch => "COLUMN_TYPE_MISMATCH",
            ErrorKind::DuplicateField => "DUPLICATE_FIELD",
            ErrorKind::Execution => "EXECUTION",
            ErrorKind::OutOfMemory => "OUT_OF_MEMORY",
            ErrorKind::Panic => "PANIC",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ThermiteError {
    pub kind: ErrorKind,
    /// The Spark-side node name (`ThermiteScanExec`, ...), when known.
    pub operator: Option<String>,
    /// The file being read, when there is one.
    pub file: Option<String>,
    pub message: String,
    /// Whether Spark reports this failure inside its "cannot read file" error (as Spark's file
    /// scan does, with `ignoreCorruptFiles` or `ignoreMissingFiles` on, for what it does not skip).
    pub read_failure: bool,
}

impl ThermiteError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, operator: None, file: None, message: message.into(), read_failure: false }
    }

    pub fn plan(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Plan, message)
    }

    /// The error a DataFusion error becomes: ours unwrapped again, anything else kept as text.
    pub fn from_datafusion(err: DataFusionError) -> Self {
        match find_thermite_error(&err) {
            Some(e) => e.clone(),
            None if is_out_of_memory(&err) => Self::new(ErrorKind::OutOfMemory, err.to_string()),
            None => Self::new(ErrorKind::Execution, err.to_string()),
        }
    }

    /// Wraps this error so it can travel through DataFusion streams unchanged.
    pub fn into_datafusion(self) -> DataFusionError {
        DataFusionError::External(Box::new(self))
    }
}

/// Whether DataFusion ran out of the memory the pool would give it, however wrapped.
pub fn is_out_of_memory(err: &DataFusionError) -> bool {
    match err {
        DataFusionError::ResourcesExhausted(_) => true,
        DataFusionError::Context(_, inner) => is_out_of_memory(inner),
        DataFusionError::Shared(inner) => is_out_of_memory(inner),
        _ => false,
    }
}

/// Our error inside a DataFusion error, however deeply DataFusion wrapped it.
pub fn find_thermite_error(err: &DataFusionError) -> Option<&ThermiteError> {
    match err {
        DataFusionError::External(e) => e.downcast_ref::<ThermiteError>(),
        DataFusionError::Context(_, inner) => find_thermite_error(inner),
        DataFusionError::Shared(inner) => find_thermite_error(inner),
        _ => None,
    }
}

impl fmt::Display for ThermiteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(op) = &self.operator {
            write!(f, "{op} failed")?;
        } else {
            write!(f, "Thermite native execution failed")?;
        }
        if let Some(file) = &self.file {
            write!(f, " reading {file}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ThermiteError {}

pub type Result<T> = std::result::Result<T, ThermiteError>;

impl From<DataFusionError> for ThermiteError {
    fn from(err: DataFusionError) -> Self {
        Self::from_datafusion(err)
    }
}

impl From<prost::DecodeError> for ThermiteError {
    fn from(err: prost::DecodeError) -> Self {
        Self::plan(format!("cannot decode the plan: {err}"))
    }
}
