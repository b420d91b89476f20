//! Native metrics as Spark SQL metrics: one map per Spark node of the plan, in pre-order, keyed
//! by the metric names the `Thermite*Exec` nodes declare, each named by its node so the JVM can
//! check it lands where it belongs.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::physical_plan::metrics::MetricsSet;
use datafusion::physical_plan::ExecutionPlan;

use crate::operators::parquet_scan::OPERATOR_NAME;
use crate::operators::{OperatorContextExec, ParquetScanExec};
use crate::proto;

pub const OUTPUT_ROWS: &str = "numOutputRows";
pub const NATIVE_TIME: &str = "nativeTimeNs";

pub fn plan_metrics(root: &Arc<dyn ExecutionPlan>) -> proto::PlanMetrics {
    let mut operators = Vec::new();
    visit(root, &mut operators);
    proto::PlanMetrics { operators }
}

fn visit(plan: &Arc<dyn ExecutionPlan>, out: &mut Vec<proto::OperatorMetrics>) {
    if let Some(context) = plan.as_any().downcast_ref::<OperatorContextExec>() {
        // A Spark node may be several DataFusion operators: rows from the top one, time and
        // spills summed over all of them, down to the next Spark node.
        let inner = context.input();
        let rows = inner.metrics().and_then(|m| m.output_rows()).unwrap_or(0) as i64;
        let mut totals = HashMap::from([(OUTPUT_ROWS.to_string(), rows)]);
        let mut below = Vec::new();
        sum_until_boundary(inner, &mut totals, &mut below);
        out.push(proto::OperatorMetrics { values: totals, operator: context.operator().to_string() });
        for child in below {
            visit(&child, out);
        }
    } else if let Some(scan) = plan.as_any().downcast_ref::<ParquetScanExec>() {
        out.push(proto::OperatorMetrics { values: scan.spark_metrics(), operator: OPERATOR_NAME.to_string() });
    } else {
        for child in plan.children() {
            visit(child, out);
        }
    }
}

fn is_boundary(plan: &Arc<dyn ExecutionPlan>) -> bool {
    plan.as_any().is::<OperatorContextExec>() || plan.as_any().is::<ParquetScanExec>()
}

fn sum_until_boundary(
    plan: &Arc<dyn ExecutionPlan>,
    totals: &mut HashMap<String, i64>,
    boundaries: &mut Vec<Arc<dyn ExecutionPlan>>,
) {
    let metrics = plan.metrics().unwrap_or_default();
    // DataFusion's built-in metrics have accessors; `sum_by_name` sees only named ones. Only
    // those an operator keeps are reported: a node declares spill metrics only if it may spill.
    for (spark, value) in [
        (NATIVE_TIME, metrics.elapsed_compute()),
        ("spilledBytes", metrics.spilled_bytes()),
        ("spillCount", metrics.spill_count()),
    ] {
        if let Some(value) = value {
            *totals.entry(spark.to_string()).or_default() += value as i64;
        }
    }
    for child in plan.children() {
        if is_boundary(child) {
            boundaries.push(Arc::clone(child));
        } else {
            sum_until_boundary(child, totals, boundaries);
        }
    }
}

/// The sum of a named counter or time (not a built-in metric) across a metrics set, 0 when absent.
pub fn sum(metrics: &MetricsSet, name: &str) -> i64 {
    metrics.sum_by_name(name).map(|v| v.as_usize() as i64).unwrap_or(0)
}
