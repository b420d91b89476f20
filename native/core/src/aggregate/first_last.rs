//! Spark's `first` and `last` (with or without ignoreNulls), in Spark's buffer layout
//! (value, valueSet). DataFusion's first_value/last_value without an ordering keep the first
//! state they merge, where Spark's `last` lets every later buffer that has a value win.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray};
use arrow::datatypes::DataType;
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::{EmitTo, GroupsAccumulator};

use super::own::{selected, OneGroup, OwnAggregate};
use crate::spark_utf8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pick {
    First,
    Last,
}

#[derive(Debug)]
pub struct SparkFirstLast {
    pick: Pick,
    ignore_nulls: bool,
    value_type: DataType,
}

impl SparkFirstLast {
    pub fn new(pick: Pick, ignore_nulls: bool, value_type: DataType) -> Self {
        SparkFirstLast { pick, ignore_nulls, value_type }
    }
}

impl OwnAggregate for SparkFirstLast {
    type Groups = Groups;

    fn name(&self) -> &str {
        match self.pick {
            Pick::First => "spark_first",
            Pick::Last => "spark_last",
        }
    }

    fn result_type(&self) -> DataType {
        self.value_type.clone()
    }

    fn state(&self) -> Vec<(&'static str, DataType, bool)> {
        vec![("value", self.value_type.clone(), true), ("value_set", DataType::Boolean, false)]
    }

    fn groups(&self) -> DfResult<Groups> {
        Ok(Groups {
            pick: self.pick,
            ignore_nulls: self.ignore_nulls,
            // Strings are kept as their bytes, which need not be valid UTF-8.
            null: ScalarValue::try_from(&spark_utf8::as_binary_type(&self.value_type))?,
            value_type: self.value_type.clone(),
            values: Vec::new(),
            set: Vec::new(),
        })
    }
}

#[derive(Debug)]
pub struct Groups {
    pick: Pick,
    ignore_nulls: bool,
    /// A typed NULL, what a group without a value holds.
    null: ScalarValue,
    value_type: DataType,
    values: Vec<ScalarValue>,
    set: Vec<bool>,
}

impl Groups {
    fn resize(&mut self, groups: usize) {
        self.values.resize(groups, self.null.clone());
        self.set.resize(groups, false);
    }

    /// Offers row `row` of `values` to `group`: first keeps the earliest, last the latest.
    fn offer(&mut self, group: usize, values: &ArrayRef, row: usize) -> DfResult<()> {
        if self.pick == Pick::First && self.set[group] {
            return Ok(());
        }
        self.values[group] = ScalarValue::try_from_array(values, row)?;
        self.set[group] = true;
        Ok(())
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
        self.resize(total_num_groups);
        let values = spark_utf8::as_binary(&values[0]);
        for (row, &group) in group_indices.iter().enumerate() {
            if selected(opt_filter, row) && !(self.ignore_nulls && values.is_null(row)) {
                self.offer(group, &values, row)?;
            }
        }
        Ok(())
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> DfResult<()> {
        self.resize(total_num_groups);
        let set = values[1].as_boolean();
        let values = spark_utf8::as_binary(&values[0]);
        for (row, &group) in group_indices.iter().enumerate() {
            if selected(opt_filter, row) && set.is_valid(row) && set.value(row) {
                self.offer(group, &values, row)?;
            }
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> DfResult<ArrayRef> {
        emit_to.take_needed(&mut self.set);
        self.evaluate_values(emit_to)
    }

    fn state(&mut self, emit_to: EmitTo) -> DfResult<Vec<ArrayRef>> {
        let set = emit_to.take_needed(&mut self.set);
        let values = self.evaluate_values(emit_to)?;
        Ok(vec![values, Arc::new(BooleanArray::from(set))])
    }

    fn size(&self) -> usize {
        self.values.iter().map(ScalarValue::size).sum::<usize>() + self.set.capacity()
    }
}

impl Groups {
    fn evaluate_values(&mut self, emit_to: EmitTo) -> DfResult<ArrayRef> {
        let values = emit_to.take_needed(&mut self.values);
        if values.is_empty() {
            return Ok(arrow::array::new_empty_array(&self.value_type));
        }
        Ok(spark_utf8::binary_as_strings(&ScalarValue::iter_to_array(values)?, &self.value_type))
    }
}

impl OneGroup for Groups {
    fn ensure_groups(&mut self, groups: usize) {
        self.resize(groups);
    }
}
