//! What every Thermite scalar function shares: which function (a family's kind, with its fixed
//! parameters) over argument expressions, evaluated on whole arrays. A family implements
//! [`Kernel`] for its kind; [`KernelExpr`] is DataFusion's `PhysicalExpr` plumbing, written once.

use std::any::Any;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use arrow::array::ArrayRef;
use arrow::datatypes::{DataType, Schema};
use arrow::record_batch::RecordBatch;
use datafusion::common::{internal_err, Result as DfResult};
use datafusion::logical_expr::ColumnarValue;
use datafusion::physical_expr::PhysicalExpr;

pub(super) trait Kernel: fmt::Debug + Clone + PartialEq + Eq + Hash + Send + Sync + 'static {
    /// The result type for arguments of these types.
    fn data_type(&self, args: &[DataType]) -> DfResult<DataType>;

    /// Whether a result may be NULL, given whether any argument may be.
    fn nullable(&self, _any_argument_nullable: bool) -> bool {
        true
    }

    /// The result over one array per argument, each of `rows` rows.
    fn evaluate(&self, args: &[ArrayRef], rows: usize, result_type: &DataType) -> DfResult<ArrayRef>;
}

#[derive(Debug)]
pub(super) struct KernelExpr<K> {
    kind: K,
    args: Vec<Arc<dyn PhysicalExpr>>,
}

impl<K: Kernel> KernelExpr<K> {
    pub(super) fn new(kind: K, args: Vec<Arc<dyn PhysicalExpr>>) -> Arc<dyn PhysicalExpr> {
        Arc::new(KernelExpr { kind, args })
    }
}

// `Arc<dyn PhysicalExpr>` compares and hashes by value but cannot be derived through.
impl<K: Kernel> PartialEq for KernelExpr<K> {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.args == other.args
    }
}

impl<K: Kernel> Eq for KernelExpr<K> {}

impl<K: Kernel> Hash for KernelExpr<K> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.kind.hash(state);
        self.args.hash(state);
    }
}

impl<K: Kernel> fmt::Display for KernelExpr<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let args: Vec<String> = self.args.iter().map(|a| a.to_string()).collect();
        write!(f, "{:?}({})", self.kind, args.join(", "))
    }
}

impl<K: Kernel> PhysicalExpr for KernelExpr<K> {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn data_type(&self, input: &Schema) -> DfResult<DataType> {
        let types = self.args.iter().map(|a| a.data_type(input)).collect::<DfResult<Vec<_>>>()?;
        self.kind.data_type(&types)
    }

    fn nullable(&self, input: &Schema) -> DfResult<bool> {
        let mut any = false;
        for a in &self.args {
            any |= a.nullable(input)?;
        }
        Ok(self.kind.nullable(any))
    }

    fn evaluate(&self, batch: &RecordBatch) -> DfResult<ColumnarValue> {
        let rows = batch.num_rows();
        let args = self.args.iter().map(|a| a.evaluate(batch)?.into_array(rows)).collect::<DfResult<Vec<ArrayRef>>>()?;
        let types: Vec<DataType> = args.iter().map(|a| a.data_type().clone()).collect();
        let result = self.kind.evaluate(&args, rows, &self.kind.data_type(&types)?)?;
        if result.len() != rows {
            return internal_err!("{} returned {} rows for {rows}", self, result.len());
        }
        Ok(ColumnarValue::Array(result))
    }

    fn children(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
        self.args.iter().collect()
    }

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn PhysicalExpr>>) -> DfResult<Arc<dyn PhysicalExpr>> {
        Ok(KernelExpr::new(self.kind.clone(), children))
    }

    fn fmt_sql(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}
