//! Columns no Parquet file holds but Spark reads for each row from its position in its file: the
//! row's index (Spark's `_metadata.row_index`) and Delta's deletion-vector flag
//! (`__delta_internal_is_row_deleted`); and Iceberg's deleted rows, left out by position.
//! Positions are known only when the reader reads whole row groups, chosen here, in order,
//! without pruning.

use std::collections::VecDeque;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Int64Array, Int8Array, RecordBatch};
use arrow::compute::filter_record_batch;
use datafusion::common::{exec_err, Result};
use datafusion::datasource::physical_plan::parquet::ParquetAccessPlan;
use parquet::file::metadata::ParquetMetaData;

/// Rows of a file a deletion vector marks; a row is deleted when marked, or with `keep_marked`
/// when not.
#[derive(Debug, Clone, Default)]
pub struct RowMarks {
    /// Row indexes in the file, ascending.
    pub rows: Vec<i64>,
    pub keep_marked: bool,
}

impl RowMarks {
    /// Whether any row may be deleted (no marks, not keeping only marked rows: none is).
    pub fn deletes_any(&self) -> bool {
        self.keep_marked || !self.rows.is_empty()
    }
}

/// Where the position columns go in the scan's batches.
#[derive(Debug, Clone, Copy, Default)]
pub struct PositionColumns {
    pub row_index: Option<usize>,
    pub row_deleted: Option<usize>,
}

impl PositionColumns {
    pub fn any(&self) -> bool {
        self.row_index.is_some() || self.row_deleted.is_some()
    }
}

/// The row groups a split of bytes `[start, end)` reads, as DataFusion's reader assigns them (a
/// row group belongs to the split holding its first page), and their rows: first index, count.
pub fn split_row_groups(footer: &ParquetMetaData, start: i64, end: i64) -> (ParquetAccessPlan, Vec<(i64, i64)>) {
    let groups = footer.row_groups();
    let mut plan = ParquetAccessPlan::new_none(groups.len());
    let mut runs = Vec::new();
    let mut first_row = 0;
    for (i, group) in groups.iter().enumerate() {
        let column = group.column(0);
        let offset = column.dictionary_page_offset().unwrap_or_else(|| column.data_page_offset());
        if start <= offset && offset < end {
            plan.scan(i);
            runs.push((first_row, group.num_rows()));
        }
        first_row += group.num_rows();
    }
    (plan, runs)
}

/// Fills the position columns of one split's batches, which come in file order.
pub struct RowPositions {
    columns: PositionColumns,
    runs: VecDeque<(i64, i64)>,
    marks: RowMarks,
    /// Whether deleted rows are left out (else only flagged, where the flag is read).
    drop_deleted: bool,
    /// The first mark not below the rows filled so far.
    next_mark: usize,
}

impl RowPositions {
    pub fn new(columns: PositionColumns, runs: Vec<(i64, i64)>, marks: RowMarks, drop_deleted: bool) -> Self {
        Self { columns, runs: runs.into(), marks, drop_deleted, next_mark: 0 }
    }

    pub fn fill(&mut self, batch: RecordBatch) -> Result<RecordBatch> {
        let n = batch.num_rows();
        let mut indexes = Vec::with_capacity(n);
        while indexes.len() < n {
            let Some((first, count)) = self.runs.front_mut() else {
                return exec_err!("the reader returned more rows than the split's row groups hold");
            };
            let take = (*count).min((n - indexes.len()) as i64);
            indexes.extend(*first..*first + take);
            *first += take;
            *count -= take;
            if *count == 0 {
                self.runs.pop_front();
            }
        }
        let deleted: Vec<bool> = indexes.iter().map(|&row| self.marked(row) != self.marks.keep_marked).collect();
        let mut columns = batch.columns().to_vec();
        if let Some(i) = self.columns.row_deleted {
            columns[i] = Arc::new(deleted.iter().map(|&d| Some(i8::from(d))).collect::<Int8Array>());
        }
        if let Some(i) = self.columns.row_index {
            columns[i] = Arc::new(Int64Array::from(indexes)) as ArrayRef;
        }
        let filled = RecordBatch::try_new(batch.schema(), columns)?;
        if !self.drop_deleted {
            return Ok(filled);
        }
        let kept: BooleanArray = deleted.iter().map(|&d| Some(!d)).collect();
        Ok(filter_record_batch(&filled, &kept)?)
    }

    /// Whether `row` is marked; rows are asked in ascending order.
    fn marked(&mut self, row: i64) -> bool {
        let rows = &self.marks.rows;
        while self.next_mark < rows.len() && rows[self.next_mark] < row {
            self.next_mark += 1;
        }
        self.next_mark < rows.len() && rows[self.next_mark] == row
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{AsArray, Int32Array};
    use arrow::datatypes::{DataType, Field, Int64Type, Int8Type, Schema};

    fn batch(n: i32) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("v", DataType::Int32, true),
            Field::new("row_index", DataType::Int64, true),
            Field::new("deleted", DataType::Int8, true),
        ]));
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int32Array::from((0..n).collect::<Vec<_>>())),
                Arc::new(Int64Array::new_null(n as usize)),
                Arc::new(Int8Array::new_null(n as usize)),
            ],
        )
        .unwrap()
    }

    #[test]
    fn rows_are_numbered_across_row_groups_and_batches() {
        let columns = PositionColumns { row_index: Some(1), row_deleted: Some(2) };
        let marks = RowMarks { rows: vec![3, 10, 11, 40], keep_marked: false };
        let mut positions = RowPositions::new(columns, vec![(2, 3), (10, 4)], marks, false);
        let first = positions.fill(batch(4)).unwrap();
        let second = positions.fill(batch(3)).unwrap();
        let indexes: Vec<i64> = [&first, &second].iter().flat_map(|b| b.column(1).as_primitive::<Int64Type>().values().to_vec()).collect();
        assert_eq!(indexes, vec![2, 3, 4, 10, 11, 12, 13]);
        let deleted: Vec<i8> = [&first, &second].iter().flat_map(|b| b.column(2).as_primitive::<Int8Type>().values().to_vec()).collect();
        assert_eq!(deleted, vec![0, 1, 0, 1, 1, 0, 0]);
        assert!(positions.fill(batch(1)).is_err());
    }

    #[test]
    fn keeping_marked_rows_deletes_the_others() {
        let columns = PositionColumns { row_index: None, row_deleted: Some(2) };
        let mut positions = RowPositions::new(columns, vec![(0, 3)], RowMarks { rows: vec![1], keep_marked: true }, false);
        let filled = positions.fill(batch(3)).unwrap();
        assert_eq!(filled.column(2).as_primitive::<Int8Type>().values().to_vec(), vec![1, 0, 1]);
    }

    #[test]
    fn deleted_rows_are_left_out_where_asked() {
        let columns = PositionColumns { row_index: Some(1), row_deleted: None };
        let marks = RowMarks { rows: vec![0, 12], keep_marked: false };
        let mut positions = RowPositions::new(columns, vec![(0, 2), (11, 3)], marks, true);
        let kept = positions.fill(batch(5)).unwrap();
        assert_eq!(kept.column(0).as_primitive::<arrow::datatypes::Int32Type>().values().to_vec(), vec![1, 2, 4]);
        assert_eq!(kept.column(1).as_primitive::<Int64Type>().values().to_vec(), vec![1, 11, 13]);
    }
}
