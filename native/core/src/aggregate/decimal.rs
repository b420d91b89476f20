//! Spark's `sum` and `avg` of decimals, in Spark's buffer layouts and with its non-ANSI results:
//!
//! - sum: buffer (sum decimal(p + 10, s), isEmpty); avg: buffer (sum decimal(p + 10, s), count).
//! - A sum that leaves its buffer's precision becomes NULL and stays NULL (Spark stores it into
//!   a decimal(p + 10, s) buffer slot, which refuses it); the result is then NULL.
//! - avg divides as Spark's `DecimalDivideWithOverflowCheck` does: the quotient HALF_UP at scale
//!   38, then HALF_UP to the result type decimal(p + 4, s + 4), NULL if it does not fit.
//!
//! Comet's decimal sum and average differ at the edges (merged sums checked only at the end,
//! one rounding instead of Spark's two), so these are Thermite's own.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Decimal128Array, Int64Array};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{i256, DataType, Decimal128Type, Int64Type};
use datafusion::common::Result as DfResult;
use datafusion::logical_expr::{EmitTo, GroupsAccumulator};

use super::own::{selected, OneGroup, OwnAggregate};

/// Spark's largest decimal precision and scale.
const MAX_PRECISION: u8 = 38;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecimalAggregateKind {
    Sum,
    Avg,
}

/// The types of one decimal sum or average over decimal(p, s) input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Types {
    kind: DecimalAggregateKind,
    scale: i8,
    /// The buffer's sum: decimal(min(p + 10, 38), s).
    sum_precision: u8,
    /// avg: decimal(min(p + 4, 38), min(s + 4, 38)); sum: the buffer's type.
    result_precision: u8,
    result_scale: i8,
}

impl Types {
    fn new(kind: DecimalAggregateKind, precision: u8, scale: i8) -> Self {
        let sum_precision = (precision + 10).min(MAX_PRECISION);
        let (result_precision, result_scale) = match kind {
            DecimalAggregateKind::Sum => (sum_precision, scale),
            DecimalAggregateKind::Avg => ((precision + 4).min(MAX_PRECISION), (scale + 4).min(MAX_PRECISION as i8)),
        };
        Types { kind, scale, sum_precision, result_precision, result_scale }
    }

    fn sum_type(&self) -> DataType {
        DataType::Decimal128(self.sum_precision, self.scale)
    }

    fn result_type(&self) -> DataType {
        DataType::Decimal128(self.result_precision, self.result_scale)
    }

    /// Spark's `DecimalDivideWithOverflowCheck(sum, count)`: the quotient HALF_UP at scale 38 (its
    /// `Decimal` division), then HALF_UP to the result type, NULL if it does not fit.
    fn average(&self, sum: i128, count: i64) -> Option<i128> {
        let numerator = i256::from_i128(sum).checked_mul(pow10(MAX_PRECISION as i8 - self.scale))?;
        let at_38 = divide_half_up(numerator, i256::from(count));
        let result = rescale_half_up(at_38, MAX_PRECISION as i8, self.result_scale)?;
        if fits(result, self.result_precision) { result.to_i128() } else { None }
    }
}

fn pow10(exp: i8) -> i256 {
    i256::from_i128(10).wrapping_pow(exp as u32)
}

/// |v| < 10^precision.
fn fits(v: i256, precision: u8) -> bool {
    v.wrapping_abs() < pow10(precision as i8)
}

/// n / d rounded HALF_UP (ties away from zero, as Java's BigDecimal); d > 0.
fn divide_half_up(n: i256, d: i256) -> i256 {
    let (q, r) = (n.wrapping_div(d), n.wrapping_rem(d));
    let twice = r.wrapping_abs().wrapping_mul(i256::from(2i64));
    if twice >= d {
        if n.is_negative() { q.wrapping_sub(i256::ONE) } else { q.wrapping_add(i256::ONE) }
    } else {
        q
    }
}

/// `v` at scale `from` to scale `to`, rounding HALF_UP; `None` past 256 bits.
fn rescale_half_up(v: i256, from: i8, to: i8) -> Option<i256> {
    if to >= from {
        v.checked_mul(pow10(to - from))
    } else {
        Some(divide_half_up(v, pow10(from - to)))
    }
}

/// The aggregate function; `update` takes decimal(p, s) values, `merge` Spark's buffers.
#[derive(Debug)]
pub struct SparkDecimalAggregate {
    types: Types,
}

impl SparkDecimalAggregate {
    pub fn new(kind: DecimalAggregateKind, precision: u8, scale: i8) -> Self {
        SparkDecimalAggregate { types: Types::new(kind, precision, scale) }
    }
}

impl OwnAggregate for SparkDecimalAggregate {
    type Groups = Groups;

    fn name(&self) -> &str {
        match self.types.kind {
            DecimalAggregateKind::Sum => "spark_decimal_sum",
            DecimalAggregateKind::Avg => "spark_decimal_avg",
        }
    }

    fn result_type(&self) -> DataType {
        self.types.result_type()
    }

    /// Spark's buffer: (sum, isEmpty) or (sum, count).
    fn state(&self) -> Vec<(&'static str, DataType, bool)> {
        let second = match self.types.kind {
            DecimalAggregateKind::Sum => ("is_empty", DataType::Boolean, false),
            DecimalAggregateKind::Avg => ("count", DataType::Int64, false),
        };
        vec![("sum", self.types.sum_type(), true), second]
    }

    fn groups(&self) -> DfResult<Groups> {
        Ok(Groups::new(self.types))
    }
}

/// Per group: the exact sum, how many values (sum: only zero or not matters), whether the sum
/// left the buffer's precision.
#[derive(Debug)]
pub struct Groups {
    types: Types,
    /// 10^sum_precision, the bound every sum stays below (computed once: it is checked per row).
    sum_limit: u128,
    sums: Vec<i128>,
    counts: Vec<i64>,
    overflowed: Vec<bool>,
}

impl Groups {
    fn new(types: Types) -> Self {
        let sum_limit = 10u128.pow(u32::from(types.sum_precision));
        Groups { types, sum_limit, sums: Vec::new(), counts: Vec::new(), overflowed: Vec::new() }
    }

    fn resize(&mut self, groups: usize) {
        self.sums.resize(groups, 0);
        self.counts.resize(groups, 0);
        self.overflowed.resize(groups, false);
    }

    fn add(&mut self, group: usize, value: i128) {
        if self.overflowed[group] {
            return;
        }
        match self.sums[group].checked_add(value) {
            Some(sum) if sum.unsigned_abs() < self.sum_limit => self.sums[group] = sum,
            _ => self.overflowed[group] = true,
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
        self.resize(total_num_groups);
        let values = values[0].as_primitive::<Decimal128Type>();
        for (row, &group) in group_indices.iter().enumerate() {
            if values.is_valid(row) && selected(opt_filter, row) {
                self.counts[group] += 1;
                self.add(group, values.value(row));
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
        let sums = values[0].as_primitive::<Decimal128Type>();
        for (row, &group) in group_indices.iter().enumerate() {
            if !selected(opt_filter, row) {
                continue;
            }
            let count = match self.types.kind {
                // An empty buffer adds nothing; its sum is 0.
                DecimalAggregateKind::Sum => i64::from(!values[1].as_boolean().value(row)),
                DecimalAggregateKind::Avg => {
                    let counts = values[1].as_primitive::<Int64Type>();
                    if counts.is_valid(row) { counts.value(row) } else { 0 }
                }
            };
            if self.types.kind == DecimalAggregateKind::Sum && count == 0 {
                continue;
            }
            self.counts[group] += count;
            if sums.is_null(row) {
                self.overflowed[group] = true;
            } else {
                self.add(group, sums.value(row));
            }
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> DfResult<ArrayRef> {
        let types = self.types;
        let sums = emit_to.take_needed(&mut self.sums);
        let counts = emit_to.take_needed(&mut self.counts);
        let overflowed = emit_to.take_needed(&mut self.overflowed);
        let results: Decimal128Array = sums
            .into_iter()
            .zip(counts)
            .zip(overflowed)
            .map(|((sum, count), overflowed)| {
                if count == 0 || overflowed {
                    return None;
                }
                match types.kind {
                    DecimalAggregateKind::Sum => Some(sum),
                    DecimalAggregateKind::Avg => types.average(sum, count),
                }
            })
            .collect();
        Ok(Arc::new(results.with_data_type(types.result_type())))
    }

    fn state(&mut self, emit_to: EmitTo) -> DfResult<Vec<ArrayRef>> {
        let types = self.types;
        let sums = emit_to.take_needed(&mut self.sums);
        let counts = emit_to.take_needed(&mut self.counts);
        let overflowed = emit_to.take_needed(&mut self.overflowed);
        let nulls = NullBuffer::from(overflowed.iter().map(|o| !o).collect::<Vec<bool>>());
        let sums = Decimal128Array::try_new(sums.into(), Some(nulls))?.with_data_type(types.sum_type());
        let second: ArrayRef = match types.kind {
            DecimalAggregateKind::Sum => Arc::new(BooleanArray::from(counts.iter().map(|c| *c == 0).collect::<Vec<bool>>())),
            DecimalAggregateKind::Avg => Arc::new(Int64Array::from(counts)),
        };
        Ok(vec![Arc::new(sums), second])
    }

    fn size(&self) -> usize {
        self.sums.capacity() * size_of::<i128>() + self.counts.capacity() * size_of::<i64>() + self.overflowed.capacity()
    }
}

impl OneGroup for Groups {
    fn ensure_groups(&mut self, groups: usize) {
        self.resize(groups);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn avg(p: u8, s: i8, sum: i128, count: i64) -> Option<i128> {
        Types::new(DecimalAggregateKind::Avg, p, s).average(sum, count)
    }

    #[test]
    fn average_rounds_twice_as_spark() {
        // decimal(38, 6): 23 × 0.000001 over 32 rows = 0.00000071875 -> scale 10: 0.0000007188.
        assert_eq!(avg(38, 6, 23, 32), Some(7_188));
        // 0.0000015 at scale 38 is exact; -> 0.0000015000 (no rounding through a scale-6 type).
        assert_eq!(avg(38, 6, 3, 2), Some(15_000));
    }

    #[test]
    fn average_rounds_half_up_away_from_zero() {
        // decimal(5, 2): sum 0.05 over 2 rows = 0.025 -> scale 6: 0.025000.
        assert_eq!(avg(5, 2, 5, 2), Some(25_000));
        // 0.01 / 3 = 0.00333.. -> 0.003333; 0.02 / 3 = 0.006666.. -> 0.006667; negative mirrors.
        assert_eq!(avg(5, 2, 1, 3), Some(3_333));
        assert_eq!(avg(5, 2, 2, 3), Some(6_667));
        assert_eq!(avg(5, 2, -2, 3), Some(-6_667));
    }

    #[test]
    fn sum_overflow_is_sticky() {
        let mut g = Groups::new(Types::new(DecimalAggregateKind::Sum, 1, 0));
        g.resize(1);
        // decimal(1, 0) sums in decimal(11, 0): 10^11 - 1 fits, one more does not.
        g.add(0, 99_999_999_999);
        assert!(!g.overflowed[0]);
        g.add(0, 1);
        g.add(0, -5);
        assert!(g.overflowed[0]);
    }
}
