//! Spark's Generate for `explode`, `posexplode` and `inline` (and their `_outer` forms): each
//! input row once per element of its collection, an array or a map's entries, in order. A NULL
//! or empty collection gives no row, or with `outer` one row whose generated columns are NULL
//! (the position too), as Spark's `GenerateExec` does.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Int32Array, RecordBatch, StructArray, UInt32Array};
use arrow::compute::take;
use arrow::datatypes::{DataType, SchemaRef};
use datafusion::common::{internal_err, Result};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties};
use futures::TryStreamExt;

use crate::expr::struct_field;

/// What each element becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generator {
    /// The element (an array's), or the key and the value (a map's).
    Explode,
    /// Its 0-based position, then as `Explode`.
    PosExplode,
    /// The fields of the element, a struct (all NULL where the element is).
    Inline,
}

#[derive(Debug)]
pub struct GenerateExec {
    input: Arc<dyn ExecutionPlan>,
    generation: Arc<Generation>,
    properties: PlanProperties,
}

/// What each batch goes through.
#[derive(Debug)]
struct Generation {
    kept: Vec<usize>,
    collection: Arc<dyn PhysicalExpr>,
    generator: Generator,
    outer: bool,
    schema: SchemaRef,
}

impl GenerateExec {
    pub fn try_new(
        input: Arc<dyn ExecutionPlan>,
        kept: Vec<usize>,
        collection: Arc<dyn PhysicalExpr>,
        generator: Generator,
        outer: bool,
        schema: SchemaRef,
    ) -> Result<Self> {
        let generation = Arc::new(Generation { kept, collection, generator, outer, schema });
        Self::with_generation(input, generation)
    }

    fn with_generation(input: Arc<dyn ExecutionPlan>, generation: Arc<Generation>) -> Result<Self> {
        let input_schema = input.schema();
        let Generation { kept, collection, generator, schema, .. } = generation.as_ref();
        if let Some(&k) = kept.iter().find(|&&k| k >= input_schema.fields().len()) {
            return internal_err!("Generate keeps input column {k} of {}", input_schema.fields().len());
        }
        let generated = generated_types(&collection.data_type(&input_schema)?, *generator)?;
        let declared: Vec<&DataType> = schema.fields().iter().map(|f| f.data_type()).collect();
        let expected: Vec<&DataType> =
            kept.iter().map(|&k| input_schema.field(k).data_type()).chain(generated.iter()).collect();
        if declared != expected {
            return internal_err!("Generate produces {expected:?}, the plan declares {declared:?}");
        }
        let properties = PlanProperties::new(
            EquivalenceProperties::new(Arc::clone(schema)),
            input.properties().output_partitioning().clone(),
            input.properties().emission_type,
            input.properties().boundedness,
        );
        Ok(Self { input, generation, properties })
    }
}

impl Generation {
    fn generate(&self, batch: &RecordBatch) -> Result<RecordBatch> {
        let collection = self.collection.evaluate(batch)?.into_array(batch.num_rows())?;
        let (offsets, values): (&[i32], ArrayRef) = match collection.data_type() {
            DataType::List(_) => {
                let list = collection.as_list::<i32>();
                (list.value_offsets(), Arc::clone(list.values()))
            }
            DataType::Map(_, _) => {
                let map = collection.as_map();
                (map.value_offsets(), Arc::new(map.entries().clone()))
            }
            other => return internal_err!("Generate over {other}"),
        };
        // Which input row and which element each output row comes from.
        let mut rows = Vec::with_capacity(values.len());
        let mut elements = Vec::with_capacity(values.len());
        for row in 0..batch.num_rows() {
            let (start, end) = if collection.is_valid(row) { (offsets[row], offsets[row + 1]) } else { (0, 0) };
            if start < end {
                rows.extend(std::iter::repeat_n(row as u32, (end - start) as usize));
                elements.extend((start..end).map(|e| Some(e as u32)));
            } else if self.outer {
                rows.push(row as u32);
                elements.push(None);
            }
        }
        let rows = UInt32Array::from(rows);
        let mut columns = self.kept.iter().map(|&k| take(batch.column(k), &rows, None)).collect::<Result<Vec<_>, _>>()?;
        if self.generator == Generator::PosExplode {
            let positions: Int32Array = rows
                .values()
                .iter()
                .zip(&elements)
                .map(|(&row, e)| e.map(|e| e as i32 - offsets[row as usize]))
                .collect();
            columns.push(Arc::new(positions));
        }
        let taken = take(values.as_ref(), &UInt32Array::from(elements), None)?;
        match (collection.data_type(), self.generator) {
            (DataType::Map(_, _), _) | (_, Generator::Inline) => columns.extend(fields(taken.as_struct())?),
            _ => columns.push(taken),
        }
        Ok(super::batch_of(&self.schema, columns, rows.len())?)
    }
}

/// The generated columns' types for a collection of type `collection`.
fn generated_types(collection: &DataType, generator: Generator) -> Result<Vec<DataType>> {
    let mut types = Vec::new();
    if generator == Generator::PosExplode {
        types.push(DataType::Int32);
    }
    match (collection, generator) {
        (DataType::Map(entries, _), Generator::Explode | Generator::PosExplode) => match entries.data_type() {
            DataType::Struct(kv) => types.extend(kv.iter().map(|f| f.data_type().clone())),
            other => return internal_err!("map entries of {other}"),
        },
        (DataType::List(element), Generator::Inline) => match element.data_type() {
            DataType::Struct(fields) => types.extend(fields.iter().map(|f| f.data_type().clone())),
            other => return internal_err!("inline of {other} elements"),
        },
        (DataType::List(element), _) => types.push(element.data_type().clone()),
        (other, _) => return internal_err!("{generator:?} of {other}"),
    }
    Ok(types)
}

/// A struct's fields, each NULL where the struct is.
fn fields(structs: &StructArray) -> Result<Vec<ArrayRef>> {
    (0..structs.num_columns()).map(|i| struct_field(structs, i)).collect()
}

impl DisplayAs for GenerateExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let g = &self.generation;
        write!(f, "GenerateExec: {:?}{}", g.generator, if g.outer { " outer" } else { "" })
    }
}

impl ExecutionPlan for GenerateExec {
    fn name(&self) -> &str {
        "GenerateExec"
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn properties(&self) -> &PlanProperties {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn ExecutionPlan>>) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(Arc::new(GenerateExec::with_generation(Arc::clone(&children[0]), Arc::clone(&self.generation))?))
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        let input = self.input.execute(partition, context)?;
        let generation = Arc::clone(&self.generation);
        let batches = input.and_then(move |batch| futures::future::ready(generation.generate(&batch)));
        Ok(Box::pin(RecordBatchStreamAdapter::new(Arc::clone(&self.generation.schema), batches)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{make_array, Int64Array, ListArray, MapArray, StringArray};
    use arrow::buffer::OffsetBuffer;
    use arrow::datatypes::{Field, Int32Type, Schema};
    use datafusion::physical_expr::expressions::Column;
    use datafusion::physical_plan::test::TestMemoryExec;

    use crate::types::{list_of, map_of, struct_of};

    fn run(input_batch: RecordBatch, generator: Generator, outer: bool, generated: Vec<Field>) -> RecordBatch {
        let schema = input_batch.schema();
        let mut fields = vec![schema.field(0).clone()];
        fields.extend(generated);
        let input = TestMemoryExec::try_new_exec(&[vec![input_batch.clone()]], Arc::clone(&schema), None).unwrap();
        let exec = GenerateExec::try_new(input, vec![0], Arc::new(Column::new("c", 1)), generator, outer, Arc::new(Schema::new(fields)))
            .unwrap();
        exec.generation.generate(&input_batch).unwrap()
    }

    fn lists() -> RecordBatch {
        let ids = Int64Array::from(vec![1, 2, 3, 4, 5]);
        let values = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
            Some(vec![Some(10), None, Some(12)]),
            None,
            Some(vec![]),
            Some(vec![Some(40)]),
            Some(vec![Some(50), Some(51)]),
        ]);
        let values = values.slice(0, 5);
        let schema = Schema::new(vec![Field::new("id", DataType::Int64, false), Field::new("c", list_of(DataType::Int32), true)]);
        let values = values.to_data().into_builder().data_type(list_of(DataType::Int32)).build().unwrap();
        RecordBatch::try_new(Arc::new(schema), vec![Arc::new(ids), make_array(values)]).unwrap()
    }

    #[test]
    fn explode_skips_null_and_empty_arrays_unless_outer() {
        let out = run(lists(), Generator::Explode, false, vec![Field::new("col", DataType::Int32, true)]);
        let ids: Vec<i64> = out.column(0).as_primitive::<arrow::datatypes::Int64Type>().values().to_vec();
        assert_eq!(ids, vec![1, 1, 1, 4, 5, 5]);
        let col: Vec<Option<i32>> = out.column(1).as_primitive::<Int32Type>().iter().collect();
        assert_eq!(col, vec![Some(10), None, Some(12), Some(40), Some(50), Some(51)]);
        let out = run(lists(), Generator::PosExplode, true, vec![
            Field::new("pos", DataType::Int32, true),
            Field::new("col", DataType::Int32, true),
        ]);
        let ids: Vec<i64> = out.column(0).as_primitive::<arrow::datatypes::Int64Type>().values().to_vec();
        assert_eq!(ids, vec![1, 1, 1, 2, 3, 4, 5, 5]);
        let pos: Vec<Option<i32>> = out.column(1).as_primitive::<Int32Type>().iter().collect();
        assert_eq!(pos, vec![Some(0), Some(1), Some(2), None, None, Some(0), Some(0), Some(1)]);
        let col: Vec<Option<i32>> = out.column(2).as_primitive::<Int32Type>().iter().collect();
        assert_eq!(col, vec![Some(10), None, Some(12), None, None, Some(40), Some(50), Some(51)]);
    }

    #[test]
    fn maps_explode_to_keys_and_values_and_structs_inline_to_fields() {
        let map_type = map_of(DataType::Utf8, DataType::Int32);
        let DataType::Map(entries_field, _) = &map_type else { unreachable!() };
        let DataType::Struct(kv) = entries_field.data_type() else { unreachable!() };
        let entries = StructArray::new(
            kv.clone(),
            vec![Arc::new(StringArray::from(vec!["a", "b", "c"])), Arc::new(Int32Array::from(vec![Some(1), None, Some(3)]))],
            None,
        );
        let maps = MapArray::new(Arc::clone(entries_field), OffsetBuffer::new(vec![0, 2, 2, 3].into()), entries, None, false);
        let schema = Schema::new(vec![Field::new("id", DataType::Int64, false), Field::new("c", map_type, true)]);
        let batch = RecordBatch::try_new(Arc::new(schema), vec![Arc::new(Int64Array::from(vec![1, 2, 3])), Arc::new(maps)]).unwrap();
        let out = run(batch, Generator::Explode, false, vec![
            Field::new("key", DataType::Utf8, false),
            Field::new("value", DataType::Int32, true),
        ]);
        assert_eq!(out.column(1).as_string::<i32>().iter().collect::<Vec<_>>(), vec![Some("a"), Some("b"), Some("c")]);
        assert_eq!(out.column(2).as_primitive::<Int32Type>().iter().collect::<Vec<_>>(), vec![Some(1), None, Some(3)]);

        let st = struct_of(vec![Field::new("x", DataType::Int32, true)]);
        let DataType::Struct(sf) = &st else { unreachable!() };
        let structs = StructArray::new(sf.clone(), vec![Arc::new(Int32Array::from(vec![7, 8]))], Some(vec![true, false].into()));
        let list = ListArray::new(Arc::new(Field::new("element", st.clone(), true)), OffsetBuffer::new(vec![0, 2].into()), Arc::new(structs), None);
        let schema = Schema::new(vec![Field::new("id", DataType::Int64, false), Field::new("c", list_of(st), true)]);
        let batch = RecordBatch::try_new(Arc::new(schema), vec![Arc::new(Int64Array::from(vec![1])), Arc::new(list)]).unwrap();
        let out = run(batch, Generator::Inline, false, vec![Field::new("x", DataType::Int32, true)]);
        assert_eq!(out.column(1).as_primitive::<Int32Type>().iter().collect::<Vec<_>>(), vec![Some(7), None]);
    }
}
