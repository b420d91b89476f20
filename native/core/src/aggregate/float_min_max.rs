//! Spark's `min` and `max` of float and double. Spark orders NaN above every other value and -0.0
//! equal to 0.0, and a value replaces the buffer only when strictly smaller (min) or larger
//! (max), so of equal values the first one seen stays. DataFusion's grouped min/max lets a later
//! value replace a NaN and starts from the type's finite extreme, so these are Thermite's own.

use std::cmp::Ordering;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Float32Array, Float64Array};
use arrow::datatypes::{DataType, Float32Type, Float64Type};
use datafusion::common::{internal_err, Result as DfResult};
use datafusion::logical_expr::{EmitTo, GroupsAccumulator};

use super::own::{selected, OneGroup, OwnAggregate};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Extreme {
    Min,
    Max,
}

#[derive(Debug)]
pub struct SparkFloatMinMax {
    extreme: Extreme,
    value_type: DataType,
}

impl SparkFloatMinMax {
    pub fn new(extreme: Extreme, value_type: DataType) -> Self {
        SparkFloatMinMax { extreme, value_type }
    }
}

impl OwnAggregate for SparkFloatMinMax {
    type Groups = Groups;

    fn name(&self) -> &str {
        match self.extreme {
            Extreme::Min => "spark_float_min",
            Extreme::Max => "spark_float_max",
        }
    }

    fn result_type(&self) -> DataType {
        self.value_type.clone()
    }

    fn state(&self) -> Vec<(&'static str, DataType, bool)> {
        vec![("value", self.value_type.clone(), true)]
    }

    fn groups(&self) -> DfResult<Groups> {
        if !matches!(self.value_type, DataType::Float32 | DataType::Float64) {
            return internal_err!("float min/max of {}", self.value_type);
        }
        Ok(Groups { extreme: self.extreme, value_type: self.value_type.clone(), values: Vec::new() })
    }
}

/// Spark's order of doubles: NaN above all, -0.0 equal to 0.0.
fn spark_compare(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

/// Per group the value so far, widened to f64 (exact for f32, converted back on output).
#[derive(Debug)]
pub struct Groups {
    extreme: Extreme,
    value_type: DataType,
    values: Vec<Option<f64>>,
}

impl Groups {
    fn offer(&mut self, group: usize, value: f64) {
        let wanted = match self.extreme {
            Extreme::Min => Ordering::Less,
            Extreme::Max => Ordering::Greater,
        };
        let slot = &mut self.values[group];
        if slot.is_none_or(|current| spark_compare(value, current) == wanted) {
            *slot = Some(value);
        }
    }

    fn offer_all(&mut self, values: &ArrayRef, group_indices: &[usize], opt_filter: Option<&BooleanArray>, groups: usize) {
        self.values.resize(groups, None);
        let values: Vec<Option<f64>> = match values.data_type() {
            DataType::Float32 => values.as_primitive::<Float32Type>().iter().map(|v| v.map(f64::from)).collect(),
            _ => values.as_primitive::<Float64Type>().iter().collect(),
        };
        for (row, &group) in group_indices.iter().enumerate() {
            if let (true, Some(v)) = (selected(opt_filter, row), values[row]) {
                self.offer(group, v);
            }
        }
    }

    fn emit(&mut self, emit_to: EmitTo) -> ArrayRef {
        let values = emit_to.take_needed(&mut self.values);
        match self.value_type {
            // f32 -> f64 -> f32 round-trips every value, NaN payloads aside (Spark has one NaN).
            DataType::Float32 => Arc::new(values.into_iter().map(|v| v.map(|v| v as f32)).collect::<Float32Array>()),
            _ => Arc::new(values.into_iter().collect::<Float64Array>()),
        }
    }
}

impl GroupsAccumulator for Groups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> DfResult<()> {
        self.offer_all(&values[0], group_indices, opt_filter, total_num_groups);
        Ok(())
    }

    /// The buffer is a value of the same kind: merging is updating.
    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> DfResult<()> {
        self.offer_all(&values[0], group_indices, opt_filter, total_num_groups);
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> DfResult<ArrayRef> {
        Ok(self.emit(emit_to))
    }

    fn state(&mut self, emit_to: EmitTo) -> DfResult<Vec<ArrayRef>> {
        Ok(vec![self.emit(emit_to)])
    }

    fn size(&self) -> usize {
        self.values.capacity() * size_of::<Option<f64>>()
    }
}

impl OneGroup for Groups {
    fn ensure_groups(&mut self, groups: usize) {
        if self.values.len() < groups {
            self.values.resize(groups, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(extreme: Extreme, values: Vec<Option<f64>>) -> Option<f64> {
        let mut g = Groups { extreme, value_type: DataType::Float64, values: Vec::new() };
        let n = values.len();
        let array: ArrayRef = Arc::new(Float64Array::from(values));
        g.update_batch(&[array], &vec![0; n], None, 1).unwrap();
        let out = g.evaluate(EmitTo::All).unwrap();
        let out = out.as_primitive::<Float64Type>();
        out.is_valid(0).then(|| out.value(0))
    }

    #[test]
    fn nan_is_largest_and_first_of_equals_stays() {
        assert!(run(Extreme::Max, vec![Some(1.0), Some(f64::NAN), Some(2.0)]).unwrap().is_nan());
        assert_eq!(run(Extreme::Min, vec![Some(f64::NAN), Some(2.0), None]), Some(2.0));
        assert_eq!(run(Extreme::Min, vec![Some(f64::INFINITY)]), Some(f64::INFINITY));
        let max = run(Extreme::Max, vec![Some(-0.0), Some(0.0)]).unwrap();
        assert!(max == 0.0 && max.is_sign_negative());
        assert_eq!(run(Extreme::Max, vec![None, None]), None);
    }
}
