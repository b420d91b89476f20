//! Batches in the shape the JVM's Arrow Java (12.0.1, Spark 3.5's) imports correctly.
//!
//! Arrow Java's C Data importer ignores an array's `offset` and sizes a variable-width array's
//! data buffer as `offsets[len] - offsets[0]` from the data pointer. A sliced array (a limit, a
//! top-k, a join's output) is valid Arrow either way, but in Java a boolean array with a bit
//! offset reads the wrong bits, and a string array whose offsets do not start at 0 gets a data
//! buffer shorter than its offsets claim: reading it happens to work, re-encoding it (a
//! broadcast's IPC stream) fails. So every exported column starts at offset 0.

use std::sync::Arc;

use arrow::array::{make_array, Array, ArrayData, ArrayRef, GenericByteArray, MutableArrayData, RecordBatch};
use arrow::buffer::{OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{BinaryType, ByteArrayType, DataType, Utf8Type};
use arrow::error::ArrowError;

/// `batch` with every column at offset 0 and every offsets buffer starting at 0; columns that
/// already are stay as they are (no copy).
pub fn for_jvm(batch: RecordBatch) -> Result<RecordBatch, ArrowError> {
    if batch.columns().iter().all(|c| starts_at_zero(c.as_ref())) {
        return Ok(batch);
    }
    let columns = batch.columns().iter().map(rebased).collect();
    RecordBatch::try_new(batch.schema(), columns)
}

fn starts_at_zero(array: &dyn Array) -> bool {
    starts_at_zero_data(&array.to_data())
}

/// Nested arrays too: a list's or map's offsets and each child (a struct's children, a list's
/// values) must start at 0, as Arrow Java imports them.
fn starts_at_zero_data(data: &ArrayData) -> bool {
    if data.offset() != 0 {
        return false;
    }
    let children_start_at_zero = || data.child_data().iter().all(starts_at_zero_data);
    match data.data_type() {
        DataType::Utf8 | DataType::Binary | DataType::List(_) | DataType::Map(_, _) => {
            data.buffers()[0].typed_data::<i32>().first().is_none_or(|&o| o == 0) && children_start_at_zero()
        }
        DataType::Struct(_) => children_start_at_zero(),
        _ => true,
    }
}

fn rebased(column: &ArrayRef) -> ArrayRef {
    if starts_at_zero(column.as_ref()) {
        return Arc::clone(column);
    }
    match column.data_type() {
        DataType::Utf8 if column.to_data().offset() == 0 => rebased_bytes::<Utf8Type>(column),
        DataType::Binary if column.to_data().offset() == 0 => rebased_bytes::<BinaryType>(column),
        _ => copied(column),
    }
}

/// A byte array whose offsets start past 0: the same values buffer, sliced, and offsets less
/// their first (one small buffer; the values are not copied).
fn rebased_bytes<T: ByteArrayType<Offset = i32>>(column: &ArrayRef) -> ArrayRef {
    let array = column.as_any().downcast_ref::<GenericByteArray<T>>().expect("a byte array of its type");
    let offsets = array.value_offsets();
    let (start, end) = (offsets[0], offsets[offsets.len() - 1]);
    let values = array.values().slice_with_length(start as usize, (end - start) as usize);
    let shifted: ScalarBuffer<i32> = offsets.iter().map(|o| o - start).collect();
    // SAFETY: the shifted offsets are the original ones (valid for the original values) less the
    // start of the slice taken of those values, so they stay monotonic and within it.
    let rebased = unsafe {
        GenericByteArray::<T>::new_unchecked(OffsetBuffer::new_unchecked(shifted), values, array.nulls().cloned())
    };
    Arc::new(rebased)
}

/// Any other array with an offset: its values copied into fresh buffers.
fn copied(column: &ArrayRef) -> ArrayRef {
    let data = column.to_data();
    let mut copy = MutableArrayData::new(vec![&data], false, data.len());
    copy.extend(0, 0, data.len());
    make_array(copy.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{BooleanArray, Int64Array, StringArray};
    use arrow::datatypes::{Field, Schema};

    fn batch() -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("b", DataType::Boolean, true),
            Field::new("s", DataType::Utf8, true),
            Field::new("l", DataType::Int64, true),
        ]));
        let bools: BooleanArray = (0..20).map(|i| if i % 7 == 0 { None } else { Some(i % 3 == 0) }).collect();
        let strings: StringArray = (0..20).map(|i| if i % 5 == 0 { None } else { Some(format!("v{i}")) }).collect();
        let longs: Int64Array = (0..20).map(Some).collect();
        RecordBatch::try_new(schema, vec![Arc::new(bools), Arc::new(strings), Arc::new(longs)]).unwrap()
    }

    #[test]
    fn sliced_columns_start_at_zero_with_the_same_values() {
        let sliced = batch().slice(3, 11);
        assert!(!sliced.columns().iter().all(|c| starts_at_zero(c.as_ref())));
        let exported = for_jvm(sliced.clone()).unwrap();
        for column in exported.columns() {
            assert!(starts_at_zero(column.as_ref()), "{:?}", column.data_type());
        }
        assert_eq!(exported, sliced);
    }

    #[test]
    fn sliced_nested_columns_start_at_zero_with_the_same_values() {
        use arrow::array::{ListArray, StructArray};
        use arrow::datatypes::Int32Type;
        let lists = ListArray::from_iter_primitive::<Int32Type, _, _>(
            (0..20).map(|i| if i % 6 == 0 { None } else { Some((0..i % 4).map(|v| if v == 2 { None } else { Some(v) })) }),
        );
        let strings: ArrayRef = Arc::new((0..20).map(|i| Some(format!("s{i}"))).collect::<StringArray>());
        let structs = StructArray::from(vec![
            (Arc::new(Field::new("s", DataType::Utf8, true)), strings),
            (Arc::new(Field::new("l", lists.data_type().clone(), true)), Arc::new(lists.clone()) as ArrayRef),
        ]);
        let schema = Arc::new(Schema::new(vec![
            Field::new("list", lists.data_type().clone(), true),
            Field::new("struct", structs.data_type().clone(), true),
        ]));
        let batch = RecordBatch::try_new(schema, vec![Arc::new(lists), Arc::new(structs)]).unwrap();
        let sliced = batch.slice(5, 9);
        let exported = for_jvm(sliced.clone()).unwrap();
        for column in exported.columns() {
            assert!(starts_at_zero(column.as_ref()), "{:?}", column.data_type());
        }
        assert_eq!(exported, sliced);
    }

    #[test]
    fn whole_batches_are_not_copied() {
        let whole = batch();
        let exported = for_jvm(whole.clone()).unwrap();
        for (a, b) in whole.columns().iter().zip(exported.columns()) {
            assert!(Arc::ptr_eq(a, b));
        }
    }
}
