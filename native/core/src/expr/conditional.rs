//! CASE WHEN and COALESCE. A NULL condition counts as false, as in Spark.

use std::sync::Arc;

use arrow::datatypes::Schema;
use datafusion::physical_expr::expressions::{CaseExpr, IsNotNullExpr};
use datafusion::physical_expr::PhysicalExpr;

use super::type_of;
use crate::error::{Result, ThermiteError};

pub(super) fn case_when(
    whens: Vec<Arc<dyn PhysicalExpr>>,
    thens: Vec<Arc<dyn PhysicalExpr>>,
    otherwise: Option<Arc<dyn PhysicalExpr>>,
    input: &Schema,
) -> Result<Arc<dyn PhysicalExpr>> {
    if whens.is_empty() || whens.len() != thens.len() {
        return Err(ThermiteError::plan(format!("CASE with {} conditions and {} values", whens.len(), thens.len())));
    }
    let result_type = type_of(&thens[0], input)?;
    for value in thens.iter().chain(otherwise.iter()) {
        let t = type_of(value, input)?;
        if t != result_type {
            return Err(ThermiteError::plan(format!("CASE branches of types {result_type} and {t}")));
        }
    }
    Ok(Arc::new(CaseExpr::try_new(None, whens.into_iter().zip(thens).collect(), otherwise)?))
}

/// COALESCE(a, b, ...) as CASE WHEN a IS NOT NULL THEN a WHEN b IS NOT NULL THEN b ... END.
pub(super) fn coalesce(children: Vec<Arc<dyn PhysicalExpr>>, input: &Schema) -> Result<Arc<dyn PhysicalExpr>> {
    let Some((last, rest)) = children.split_last() else {
        return Err(ThermiteError::plan("COALESCE without arguments"));
    };
    if rest.is_empty() {
        return Ok(Arc::clone(last));
    }
    let whens = rest.iter().map(|c| Arc::new(IsNotNullExpr::new(Arc::clone(c))) as Arc<dyn PhysicalExpr>).collect();
    case_when(whens, rest.to_vec(), Some(Arc::clone(last)), input)
}
