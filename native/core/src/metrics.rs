//! Native metrics as Spark SQL metrics: one map per Spark node of the plan, in pre-order, keyed
//! by the metric names the `Thermite*Exec` nodes declare.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::physical_plan::metrics::MetricsSet;
use datafusion::physical_plan::ExecutionPlan;

use crate::operators::{OperatorContextExec, ParquetScanExec};
use crate::proto;

pub const OUTPUT_ROWS: &str = "numOutputRows";
pub const NATIVE_TIME: &str = "nativeTimeNs";

pub fn plan_metrics(root: &Arc<dyn ExecutionPlan>) -> proto::PlanMetrics {
    let mut operators = Vec::new();
    visit(root, &mut operators);
    proto::PlanMetrics { operators: operators.into_iter().map(|values| proto::OperatorMetrics { values }).collect() }
}

fn visit(plan: &Arc<dyn ExecutionPlan>, out: &mut Vec<HashMap<String, i64>>) {
    if let Some(context) = plan.as_any().downcast_ref::<OperatorContextExec>() {
        let inner = context.input();
        let metrics = inner.metrics().unwrap_or_default();
        out.push(HashMap::from([
            (OUTPUT_ROWS.to_string(), metrics.output_rows().unwrap_or(0) as i64),
            (NATIVE_TIME.to_string(), metrics.elapsed_compute().unwrap_or(0) as i64),
            ("spilledBytes".to_string(), sum(&metrics, "spilled_bytes")),
            ("spillCount".to_string(), sum(&metrics, "spill_count")),
        ]));
        for child in inner.children() {
            visit(child, out);
        }
    } else if let Some(scan) = plan.as_any().downcast_ref::<ParquetScanExec>() {
        out.push(scan.spark_metrics());
    } else {
        for child in plan.children() {
            visit(child, out);
        }
    }
}

/// The sum of a counter or time across a metrics set, 0 when absent.
pub fn sum(metrics: &MetricsSet, name: &str) -> i64 {
    metrics.sum_by_name(name).map(|v| v.as_usize() as i64).unwrap_or(0)
}
