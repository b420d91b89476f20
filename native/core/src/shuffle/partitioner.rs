//! Which partition each row goes to, exactly as Spark's exchange decides it.

use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::Int32Type;
use arrow::row::{RowConverter, Rows, SortField};
use datafusion::common::{internal_err, Result};
use datafusion::physical_expr::PhysicalSortExpr;

use datafusion::physical_expr::PhysicalExpr;

pub enum Partitioner {
    Single,
    /// Spark's partition id expression: `pmod(murmur3(keys, 42), n)`.
    Hash(Arc<dyn PhysicalExpr>),
    /// The keys (floats normalized, so -0.0 and 0.0 compare equal as in Spark) and the bounds as
    /// rows of the same row format.
    Range { keys: Vec<PhysicalSortExpr>, converter: RowConverter, bounds: Rows },
    /// Spark's round robin: the position of the task's last row so far; the next row goes to
    /// the next one, modulo the partitions (an int that wraps, as Spark's does).
    RoundRobin { position: i32 },
}

impl Partitioner {
    pub fn range(keys: Vec<PhysicalSortExpr>, bound_columns: Vec<Arc<dyn Array>>, schema: &arrow::datatypes::Schema) -> Result<Self> {
        let fields = keys
            .iter()
            .map(|k| Ok(SortField::new_with_options(k.expr.data_type(schema)?, k.options)))
            .collect::<Result<Vec<_>>>()?;
        let converter = RowConverter::new(fields)?;
        let bounds = converter.convert_columns(&bound_columns)?;
        Ok(Self::Range { keys, converter, bounds })
    }

    /// The partition of each row of `batch`, each below `n`.
    pub fn partition_ids(&mut self, batch: &RecordBatch, n: usize) -> Result<Vec<u32>> {
        let rows = batch.num_rows();
        match self {
            Self::Single => Ok(vec![0; rows]),
            Self::Hash(expr) => {
                let ids = expr.evaluate(batch)?.into_array(rows)?;
                let ids = ids.as_primitive_opt::<Int32Type>().ok_or_else(|| {
                    datafusion::error::DataFusionError::Internal(format!("a partition id of type {}", ids.data_type()))
                })?;
                if ids.null_count() > 0 {
                    return internal_err!("a NULL partition id");
                }
                ids.values()
                    .iter()
                    .map(|&id| if (0..n as i32).contains(&id) { Ok(id as u32) } else { internal_err!("partition id {id} of {n}") })
                    .collect()
            }
            Self::RoundRobin { position } => Ok((0..rows)
                .map(|_| {
                    *position = position.wrapping_add(1);
                    position.rem_euclid(n as i32) as u32
                })
                .collect()),
            Self::Range { keys, converter, bounds } => {
                let columns = keys.iter().map(|k| k.expr.evaluate(batch)?.into_array(rows)).collect::<Result<Vec<_>>>()?;
                let keys = converter.convert_columns(&columns)?;
                Ok((0..rows).map(|i| bounds_below(bounds, keys.row(i).as_ref()) as u32).collect())
            }
        }
    }
}

/// How many bounds sort strictly before `key` (Spark's RangePartitioner.getPartition).
fn bounds_below(bounds: &Rows, key: &[u8]) -> usize {
    let (mut lo, mut hi) = (0, bounds.num_rows());
    while lo < hi {
        let mid = (lo + hi) / 2;
        if bounds.row(mid).as_ref() < key {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

#[cfg(test)]
mod tests {
    use arrow::array::Int32Array;
    use arrow::compute::SortOptions;
    use arrow::datatypes::{DataType, Field, Schema};
    use datafusion::physical_expr::expressions::col;

    use super::*;

    fn ids(options: SortOptions, bounds: Vec<Option<i32>>, keys: Vec<Option<i32>>) -> Vec<u32> {
        let schema = Schema::new(vec![Field::new("k", DataType::Int32, true)]);
        let key = PhysicalSortExpr::new(col("k", &schema).unwrap(), options);
        let mut p = Partitioner::range(vec![key], vec![Arc::new(Int32Array::from(bounds))], &schema).unwrap();
        let batch = RecordBatch::try_new(Arc::new(schema), vec![Arc::new(Int32Array::from(keys))]).unwrap();
        p.partition_ids(&batch, 3).unwrap()
    }

    #[test]
    fn a_row_goes_after_the_bounds_below_it() {
        let asc = SortOptions { descending: false, nulls_first: true };
        let keys = vec![Some(5), Some(10), Some(15), Some(20), Some(25), None];
        assert_eq!(ids(asc, vec![Some(10), Some(20)], keys.clone()), vec![0, 0, 1, 1, 2, 0]);
        let desc_nulls_last = SortOptions { descending: true, nulls_first: false };
        assert_eq!(ids(desc_nulls_last, vec![Some(20), Some(10)], keys), vec![2, 1, 1, 0, 0, 2]);
    }

    #[test]
    fn round_robin_goes_on_across_batches_and_wraps_as_an_int() {
        let schema = Arc::new(Schema::new(vec![Field::new("k", DataType::Int32, true)]));
        let batch = RecordBatch::try_new(schema, vec![Arc::new(Int32Array::from(vec![7; 3]))]).unwrap();
        let mut p = Partitioner::RoundRobin { position: 4 };
        assert_eq!(p.partition_ids(&batch, 3).unwrap(), vec![2, 0, 1]);
        assert_eq!(p.partition_ids(&batch, 3).unwrap(), vec![2, 0, 1]);
        // Past i32::MAX the position is negative: Spark's nonNegativeMod.
        let mut p = Partitioner::RoundRobin { position: i32::MAX - 1 };
        assert_eq!(p.partition_ids(&batch, 3).unwrap(), vec![1, 1, 2]);
    }

    #[test]
    fn no_bounds_is_one_partition() {
        let asc = SortOptions { descending: false, nulls_first: true };
        assert_eq!(ids(asc, vec![], vec![Some(1), None]), vec![0, 0]);
    }
}
