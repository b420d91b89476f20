//! Spark's functions of nested values (non-ANSI): a struct's field, an array's element (0-based
//! `arr[i]` and 1-based `element_at`), a map's value by key, `size`, `array_contains`, and the
//! `array(...)` and `named_struct(...)` constructors. Results of nested type are in the shapes of
//! [`crate::types`], so they compare equal to the types the plan gives.

use std::iter::repeat_n;
use std::sync::Arc;

use arrow::array::{
    make_array, Array, ArrayRef, AsArray, BooleanArray, Int32Array, ListArray, MapArray, StructArray, UInt32Array,
};
use arrow::buffer::{BooleanBuffer, NullBuffer, OffsetBuffer};
use arrow::compute::kernels::cmp::eq;
use arrow::compute::{interleave, take};
use arrow::datatypes::{DataType, Field, Int32Type, Schema, TimeUnit};
use datafusion::common::{internal_datafusion_err, internal_err, Result as DfResult, ScalarValue};
use datafusion::physical_expr::expressions::Literal;
use datafusion::physical_expr::PhysicalExpr;

use super::kernel::{Kernel, KernelExpr};
use super::type_of;
use crate::error::{Result, ThermiteError};
use crate::proto::scalar_function::Name;
use crate::spark_utf8;
use crate::types::{list_of, struct_of};

pub(super) fn handles(name: Name) -> bool {
    matches!(
        name,
        Name::GetStructField
            | Name::GetArrayStructFields
            | Name::GetArrayItem
            | Name::ElementAt
            | Name::GetMapValue
            | Name::Size
            | Name::ArrayContains
            | Name::CreateArray
            | Name::NamedStruct
    )
}

pub(super) fn build(name: Name, args: Vec<Arc<dyn PhysicalExpr>>, input: &Schema) -> Result<Arc<dyn PhysicalExpr>> {
    let types = args.iter().map(|a| type_of(a, input)).collect::<Result<Vec<DataType>>>()?;
    let unsupported = || ThermiteError::plan(format!("{name:?} of {types:?}"));
    let literal = |i: usize| args[i].as_any().downcast_ref::<Literal>().map(Literal::value);
    let kind = match (name, types.as_slice()) {
        (Name::GetStructField, [DataType::Struct(fields), DataType::Int32]) => match literal(1) {
            Some(ScalarValue::Int32(Some(i))) if (0..fields.len() as i32).contains(i) => Kind::GetStructField(*i as usize),
            _ => return Err(unsupported()),
        },
        (Name::GetArrayStructFields, [DataType::List(element), DataType::Int32]) => match (element.data_type(), literal(1)) {
            (DataType::Struct(fields), Some(ScalarValue::Int32(Some(i)))) if (0..fields.len() as i32).contains(i) => {
                Kind::GetArrayStructFields(*i as usize)
            }
            _ => return Err(unsupported()),
        },
        (Name::GetArrayItem, [DataType::List(_), DataType::Int32]) => Kind::GetArrayItem,
        (Name::ElementAt, [DataType::List(_), DataType::Int32]) => match literal(1) {
            Some(ScalarValue::Int32(Some(i))) if *i != 0 => Kind::ElementAt(*i),
            _ => return Err(ThermiteError::plan(format!("element_at takes a non-zero int literal index, not {}", args[1]))),
        },
        (Name::GetMapValue, [map, key]) if map_types(map).is_some_and(|(k, _)| k == key && comparable(key)) => {
            Kind::GetMapValue
        }
        (Name::Size, [DataType::List(_) | DataType::Map(..), DataType::Boolean]) => match literal(1) {
            Some(ScalarValue::Boolean(Some(legacy))) => Kind::Size { legacy: *legacy },
            _ => return Err(unsupported()),
        },
        (Name::ArrayContains, [DataType::List(element), value]) if element.data_type() == value && comparable(value) => {
            Kind::ArrayContains
        }
        (Name::CreateArray, [first, rest @ ..]) if rest.iter().all(|t| t == first) => Kind::CreateArray,
        (Name::NamedStruct, _) if types.len() % 2 == 0 => {
            let names = (0..args.len()).step_by(2).map(|i| match literal(i) {
                Some(ScalarValue::Utf8(Some(name))) => Ok(name.clone()),
                _ => Err(unsupported()),
            });
            Kind::NamedStruct(names.collect::<Result<Vec<String>>>()?)
        }
        _ => return Err(unsupported()),
    };
    // Literal parameters live in the kind; only the evaluated arguments stay.
    let args = match kind {
        Kind::GetStructField(_) | Kind::GetArrayStructFields(_) | Kind::ElementAt(_) | Kind::Size { .. } => {
            vec![Arc::clone(&args[0])]
        }
        Kind::NamedStruct(_) => args.into_iter().skip(1).step_by(2).collect(),
        _ => args,
    };
    Ok(KernelExpr::new(kind, args))
}

/// Types whose equality is that of their Arrow values (strings compared as bytes). Spark's
/// floating-point equality (NaN equal to NaN, -0.0 to 0.0) is not Arrow's: they stay in Spark.
fn comparable(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Boolean
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::Decimal128(..)
            | DataType::Utf8
            | DataType::Binary
            | DataType::Date32
            | DataType::Timestamp(TimeUnit::Microsecond, _)
    )
}

/// A map type's key and value types.
fn map_types(t: &DataType) -> Option<(&DataType, &DataType)> {
    match t {
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(fields) if fields.len() == 2 => Some((fields[0].data_type(), fields[1].data_type())),
            _ => None,
        },
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Kind {
    /// The field at this ordinal.
    GetStructField(usize),
    /// The field at this ordinal of each element of an array of structs.
    GetArrayStructFields(usize),
    /// `array[index]`, 0-based.
    GetArrayItem,
    /// `element_at(array, index)`: 1-based, from the end when negative.
    ElementAt(i32),
    /// The value of the first entry with the key.
    GetMapValue,
    /// The number of elements or entries; -1 for NULL in legacy mode.
    Size { legacy: bool },
    ArrayContains,
    CreateArray,
    /// A struct of the arguments, with these field names.
    NamedStruct(Vec<String>),
}

impl Kernel for Kind {
    fn data_type(&self, args: &[DataType]) -> DfResult<DataType> {
        match (self, args) {
            (Kind::GetStructField(i), [DataType::Struct(fields)]) if *i < fields.len() => Ok(fields[*i].data_type().clone()),
            (Kind::GetArrayStructFields(i), [DataType::List(element)]) => match element.data_type() {
                DataType::Struct(fields) if *i < fields.len() => Ok(list_of(fields[*i].data_type().clone())),
                other => internal_err!("{self:?} of {other}"),
            },
            (Kind::GetArrayItem, [DataType::List(element), _]) | (Kind::ElementAt(_), [DataType::List(element)]) => {
                Ok(element.data_type().clone())
            }
            (Kind::GetMapValue, [map, _]) => {
                map_types(map).map(|(_, value)| value.clone()).ok_or_else(|| internal_datafusion_err!("{self:?} of {map}"))
            }
            (Kind::Size { .. }, [_]) => Ok(DataType::Int32),
            (Kind::ArrayContains, [_, _]) => Ok(DataType::Boolean),
            (Kind::CreateArray, [element, ..]) => Ok(list_of(element.clone())),
            (Kind::NamedStruct(names), types) if names.len() == types.len() => {
                Ok(struct_of(names.iter().zip(types).map(|(n, t)| Field::new(n, t.clone(), true)).collect()))
            }
            _ => internal_err!("{self:?} of {args:?}"),
        }
    }

    fn nullable(&self, any_argument_nullable: bool) -> bool {
        match self {
            Kind::CreateArray | Kind::NamedStruct(_) | Kind::Size { legacy: true } => false,
            Kind::Size { legacy: false } => any_argument_nullable,
            _ => true,
        }
    }

    fn evaluate(&self, args: &[ArrayRef], rows: usize, result_type: &DataType) -> DfResult<ArrayRef> {
        match self {
            Kind::GetStructField(i) => struct_field(args[0].as_struct(), *i),
            Kind::GetArrayStructFields(i) => {
                let (list, DataType::List(element)) = (args[0].as_list::<i32>(), result_type) else {
                    return internal_err!("{self:?} to {result_type}");
                };
                let fields = struct_field(list.values().as_struct(), *i)?;
                Ok(Arc::new(ListArray::try_new(Arc::clone(element), list.offsets().clone(), fields, list.nulls().cloned())?))
            }
            Kind::GetArrayItem => {
                let index = args[1].as_primitive::<Int32Type>();
                element(args[0].as_list(), |row, _| index.is_valid(row).then(|| index.value(row)))
            }
            Kind::ElementAt(i) => element(args[0].as_list(), |_, len| Some(if *i > 0 { i - 1 } else { len + i })),
            Kind::GetMapValue => map_value(args[0].as_map(), &args[1]),
            Kind::Size { legacy } => Ok(size(&args[0], *legacy)),
            Kind::ArrayContains => array_contains(args[0].as_list(), &args[1]),
            Kind::CreateArray => create_array(args, rows, result_type),
            Kind::NamedStruct(_) => {
                let DataType::Struct(fields) = result_type else {
                    return internal_err!("{self:?} to {result_type}");
                };
                Ok(Arc::new(StructArray::try_new_with_length(fields.clone(), args.to_vec(), None, rows)?))
            }
        }
    }
}

/// The field's values, NULL where the struct is: Arrow keeps a struct's NULLs apart from its
/// fields'.
pub fn struct_field(values: &StructArray, i: usize) -> DfResult<ArrayRef> {
    let field = values.column(i);
    // A Null-typed field is all NULL already, and may not carry a null buffer.
    if values.null_count() == 0 || field.data_type() == &DataType::Null {
        return Ok(Arc::clone(field));
    }
    let nulls = NullBuffer::union(values.nulls(), field.nulls());
    Ok(make_array(field.to_data().into_builder().nulls(nulls).build()?))
}

/// Each row's element at the 0-based position `index(row, length)`; NULL where the array is
/// NULL or the position is outside it.
fn element(list: &ListArray, index: impl Fn(usize, i32) -> Option<i32>) -> DfResult<ArrayRef> {
    let offsets = list.value_offsets();
    let positions: UInt32Array = (0..list.len())
        .map(|row| {
            let len = offsets[row + 1] - offsets[row];
            let at = index(row, len).filter(|at| list.is_valid(row) && (0..len).contains(at))?;
            Some((offsets[row] + at) as u32)
        })
        .collect();
    Ok(take(list.values(), &positions, None)?)
}

/// For each value of a list's rows, from `offsets[0]` on: whether it equals its row's `probe`
/// (false where either is NULL).
fn equal_to_row(offsets: &OffsetBuffer<i32>, values: &ArrayRef, probe: &ArrayRef) -> DfResult<BooleanBuffer> {
    let first = offsets[0] as usize;
    let rows: UInt32Array = offsets.lengths().enumerate().flat_map(|(row, len)| repeat_n(row as u32, len)).collect();
    // Spark compares strings as bytes (they may not be valid UTF-8).
    let candidates = spark_utf8::as_binary(&values.slice(first, rows.len()));
    let probes = spark_utf8::as_binary(&take(probe, &rows, None)?);
    let equal = eq(&candidates, &probes)?;
    Ok(match equal.nulls() {
        Some(nulls) => equal.values() & nulls.inner(),
        None => equal.values().clone(),
    })
}

/// Spark's `GetMapValue`: the value of the first entry whose key equals the row's key.
fn map_value(map: &MapArray, key: &ArrayRef) -> DfResult<ArrayRef> {
    let offsets = map.value_offsets();
    let equal = equal_to_row(map.offsets(), map.keys(), key)?;
    let positions: UInt32Array = (0..map.len())
        .map(|row| {
            let found = (offsets[row] as usize..offsets[row + 1] as usize).find(|&j| equal.value(j - offsets[0] as usize));
            found.filter(|_| map.is_valid(row)).map(|j| j as u32)
        })
        .collect();
    Ok(take(map.values(), &positions, None)?)
}

/// Spark's `ArrayContains`: true when an element equals the value; else NULL when an element is
/// NULL; else false. NULL for a NULL array or value.
fn array_contains(list: &ListArray, value: &ArrayRef) -> DfResult<ArrayRef> {
    let (offsets, elements) = (list.value_offsets(), list.values());
    let equal = equal_to_row(list.offsets(), elements, value)?;
    let result: BooleanArray = (0..list.len())
        .map(|row| {
            if list.is_null(row) || value.is_null(row) {
                return None;
            }
            let mut range = offsets[row] as usize..offsets[row + 1] as usize;
            if range.clone().any(|j| equal.value(j - offsets[0] as usize)) {
                Some(true)
            } else if range.any(|j| elements.is_null(j)) {
                None
            } else {
                Some(false)
            }
        })
        .collect();
    Ok(Arc::new(result))
}

fn size(values: &ArrayRef, legacy: bool) -> ArrayRef {
    let offsets = match values.data_type() {
        DataType::Map(..) => values.as_map().offsets(),
        _ => values.as_list::<i32>().offsets(),
    };
    let lengths = offsets.lengths().map(|len| len as i32);
    Arc::new(if legacy {
        Int32Array::from_iter_values(lengths.enumerate().map(|(row, len)| if values.is_null(row) { -1 } else { len }))
    } else {
        Int32Array::new(lengths.collect(), values.nulls().cloned())
    })
}

/// Row i is `[args[0][i], ..., args[n - 1][i]]`.
fn create_array(args: &[ArrayRef], rows: usize, result_type: &DataType) -> DfResult<ArrayRef> {
    let DataType::List(element) = result_type else {
        return internal_err!("array of {result_type}");
    };
    let sources: Vec<&dyn Array> = args.iter().map(|a| a.as_ref()).collect();
    let indices: Vec<(usize, usize)> = (0..rows).flat_map(|row| (0..args.len()).map(move |k| (k, row))).collect();
    let values = interleave(&sources, &indices)?;
    let offsets = OffsetBuffer::from_lengths(repeat_n(args.len(), rows));
    Ok(Arc::new(ListArray::try_new(Arc::clone(element), offsets, values, None)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::test_util::{batch, col, eval};
    use crate::types::map_of;
    use arrow::array::{new_null_array, BinaryArray, Int32Builder, MapBuilder, MapFieldNames, StringArray, StringBuilder};
    use arrow::record_batch::RecordBatch;

    fn lit(v: impl Into<ScalarValue>) -> Arc<dyn PhysicalExpr> {
        Arc::new(Literal::new(v.into()))
    }

    fn run(name: Name, args: Vec<Arc<dyn PhysicalExpr>>, input: &RecordBatch) -> ArrayRef {
        let expr = build(name, args, &input.schema()).unwrap();
        let result = eval(&expr, input);
        assert_eq!(result.data_type(), &expr.data_type(&input.schema()).unwrap());
        result
    }

    fn ints(values: &ArrayRef) -> Vec<Option<i32>> {
        values.as_primitive::<Int32Type>().iter().collect()
    }

    /// Arrays of ints in `list_of`'s shape.
    fn int_lists(rows: Vec<Option<Vec<Option<i32>>>>) -> ArrayRef {
        let (_, offsets, values, nulls) = ListArray::from_iter_primitive::<Int32Type, _, _>(rows).into_parts();
        let DataType::List(element) = list_of(DataType::Int32) else { unreachable!() };
        Arc::new(ListArray::new(element, offsets, values, nulls))
    }

    /// Maps of strings to ints in `map_of`'s shape.
    fn string_maps(rows: Vec<Option<Vec<(&str, Option<i32>)>>>) -> ArrayRef {
        let names = MapFieldNames { entry: "entries".into(), key: "key".into(), value: "value".into() };
        let mut builder = MapBuilder::new(Some(names), StringBuilder::new(), Int32Builder::new());
        for row in rows {
            for (k, v) in row.iter().flatten() {
                builder.keys().append_value(k);
                builder.values().append_option(*v);
            }
            builder.append(row.is_some()).unwrap();
        }
        let maps = builder.finish();
        assert_eq!(maps.data_type(), &map_of(DataType::Utf8, DataType::Int32));
        Arc::new(maps)
    }

    #[test]
    fn struct_field_is_null_where_the_struct_is() {
        let a: ArrayRef = Arc::new(Int32Array::from(vec![Some(0), Some(1), Some(2), None, Some(4)]));
        let b: ArrayRef = Arc::new(StringArray::from(vec!["v", "w", "x", "y", "z"]));
        let fields = vec![Field::new("a", DataType::Int32, true), Field::new("b", DataType::Utf8, true)];
        let DataType::Struct(fields) = struct_of(fields) else { unreachable!() };
        let nulls = NullBuffer::from(vec![true, true, false, true, true]);
        let structs = StructArray::new(fields, vec![a, b], Some(nulls)).slice(1, 4);
        let input = batch(vec![("s", Arc::new(structs) as ArrayRef)]);
        let first = run(Name::GetStructField, vec![col("s", &input), lit(0)], &input);
        assert_eq!(ints(&first), vec![Some(1), None, None, Some(4)]);
        let second = run(Name::GetStructField, vec![col("s", &input), lit(1)], &input);
        assert_eq!(second.as_string::<i32>().iter().collect::<Vec<_>>(), vec![Some("w"), None, Some("y"), Some("z")]);
        assert!(build(Name::GetStructField, vec![col("s", &input), lit(2)], &input.schema()).is_err());
    }

    #[test]
    fn get_array_item_is_zero_based_and_null_outside() {
        let arrays = int_lists(vec![
            Some(vec![Some(99)]),
            Some(vec![Some(10), None, Some(30)]),
            Some(vec![Some(10), None, Some(30)]),
            Some(vec![Some(10), None, Some(30)]),
            None,
            Some(vec![]),
            Some(vec![Some(40)]),
            Some(vec![Some(40)]),
        ])
        .slice(1, 7);
        let index: ArrayRef = Arc::new(Int32Array::from(vec![Some(0), Some(1), Some(3), Some(0), Some(0), Some(-1), None]));
        let input = batch(vec![("a", arrays), ("i", index)]);
        let items = run(Name::GetArrayItem, vec![col("a", &input), col("i", &input)], &input);
        assert_eq!(ints(&items), vec![Some(10), None, None, None, None, None, None]);
        let third = run(Name::GetArrayItem, vec![col("a", &input), lit(2)], &input);
        assert_eq!(ints(&third), vec![Some(30), Some(30), Some(30), None, None, None, None]);
    }

    #[test]
    fn element_at_is_one_based_and_counts_back_when_negative() {
        let arrays =
            int_lists(vec![Some(vec![Some(0)]), Some(vec![Some(1), Some(2), Some(3)]), None, Some(vec![]), Some(vec![Some(4)])])
                .slice(1, 4);
        let input = batch(vec![("a", arrays)]);
        let at = |i: i32| ints(&run(Name::ElementAt, vec![col("a", &input), lit(i)], &input));
        assert_eq!(at(1), vec![Some(1), None, None, Some(4)]);
        assert_eq!(at(3), vec![Some(3), None, None, None]);
        assert_eq!(at(4), vec![None, None, None, None]);
        assert_eq!(at(-1), vec![Some(3), None, None, Some(4)]);
        assert_eq!(at(-3), vec![Some(1), None, None, None]);
        assert_eq!(at(-4), vec![None, None, None, None]);
        assert!(build(Name::ElementAt, vec![col("a", &input), lit(0)], &input.schema()).is_err());
    }

    #[test]
    fn map_value_is_the_first_entry_with_the_key() {
        let maps = string_maps(vec![
            Some(vec![("z", Some(0))]),
            Some(vec![("a", Some(1)), ("b", None), ("a", Some(3))]),
            Some(vec![("a", Some(1)), ("b", None), ("a", Some(3))]),
            Some(vec![("a", Some(1)), ("b", None), ("a", Some(3))]),
            None,
            Some(vec![]),
            Some(vec![("b", Some(2)), ("ab", Some(5))]),
        ])
        .slice(1, 6);
        let keys: ArrayRef = Arc::new(StringArray::from(vec![Some("a"), Some("b"), None, Some("a"), Some("a"), Some("ab")]));
        let input = batch(vec![("m", maps), ("k", keys)]);
        let values = run(Name::GetMapValue, vec![col("m", &input), col("k", &input)], &input);
        assert_eq!(ints(&values), vec![Some(1), None, None, None, None, Some(5)]);
        let b = run(Name::GetMapValue, vec![col("m", &input), lit("b")], &input);
        assert_eq!(ints(&b), vec![None, None, None, None, None, Some(2)]);
        assert!(build(Name::GetMapValue, vec![col("m", &input), lit(1)], &input.schema()).is_err());
    }

    #[test]
    fn floating_point_keys_and_elements_stay_in_spark() {
        let maps = new_null_array(&map_of(DataType::Float64, DataType::Int32), 1);
        let arrays = new_null_array(&list_of(DataType::Float64), 1);
        let input = batch(vec![("m", maps), ("a", arrays)]);
        assert!(build(Name::ArrayContains, vec![col("a", &input), lit(1.0)], &input.schema()).is_err());
        assert!(build(Name::GetMapValue, vec![col("m", &input), lit(1.0)], &input.schema()).is_err());
    }

    #[test]
    fn size_counts_and_is_minus_one_for_null_in_legacy_mode() {
        let arrays = int_lists(vec![Some(vec![Some(0)]), Some(vec![Some(1), None]), None, Some(vec![])]).slice(1, 3);
        let maps = string_maps(vec![None, Some(vec![("a", None)]), Some(vec![("a", Some(1)), ("a", Some(2))]), None]).slice(1, 3);
        let input = batch(vec![("a", arrays), ("m", maps)]);
        let size = |c: &str, legacy: bool| ints(&run(Name::Size, vec![col(c, &input), lit(legacy)], &input));
        assert_eq!(size("a", false), vec![Some(2), None, Some(0)]);
        assert_eq!(size("a", true), vec![Some(2), Some(-1), Some(0)]);
        assert_eq!(size("m", false), vec![Some(1), Some(2), None]);
        assert_eq!(size("m", true), vec![Some(1), Some(2), Some(-1)]);
        let legacy = build(Name::Size, vec![col("a", &input), lit(true)], &input.schema()).unwrap();
        assert!(!legacy.nullable(&input.schema()).unwrap());
    }

    #[test]
    fn array_contains_is_null_when_unmatched_beside_a_null() {
        let arrays = int_lists(vec![
            Some(vec![Some(7)]),
            Some(vec![Some(1), None, Some(3)]),
            Some(vec![Some(1), None, Some(3)]),
            Some(vec![Some(1), Some(2)]),
            Some(vec![Some(1), Some(2)]),
            None,
            Some(vec![]),
            Some(vec![Some(1)]),
        ])
        .slice(1, 7);
        let value: ArrayRef = Arc::new(Int32Array::from(vec![Some(3), Some(2), Some(2), Some(7), Some(1), Some(1), None]));
        let input = batch(vec![("a", arrays), ("v", value)]);
        let contains = run(Name::ArrayContains, vec![col("a", &input), col("v", &input)], &input);
        let expected = vec![Some(true), None, Some(true), Some(false), None, Some(false), None];
        assert_eq!(contains.as_boolean().iter().collect::<Vec<_>>(), expected);
    }

    #[test]
    fn array_contains_compares_string_bytes() {
        let element = Arc::new(Field::new("element", DataType::Utf8, true));
        let strings: ArrayRef = Arc::new(spark_utf8::to_strings(BinaryArray::from(vec![&b"a"[..], b"\xff", b"b"])));
        let arrays: ArrayRef = Arc::new(ListArray::new(element, OffsetBuffer::from_lengths([2, 1]), strings, None));
        // Invalid UTF-8 cannot be a literal (a Rust `String`): the value is a column.
        let probe: ArrayRef = Arc::new(spark_utf8::to_strings(BinaryArray::from(vec![&b"\xff"[..], b"\xff"])));
        let input = batch(vec![("a", arrays), ("v", probe)]);
        let contains = run(Name::ArrayContains, vec![col("a", &input), col("v", &input)], &input);
        assert_eq!(contains.as_boolean().iter().collect::<Vec<_>>(), vec![Some(true), Some(false)]);
    }

    #[test]
    fn create_array_takes_one_element_per_argument() {
        let x: ArrayRef = Arc::new(Int32Array::from(vec![Some(0), Some(1), None, Some(3)]));
        let y: ArrayRef = Arc::new(Int32Array::from(vec![Some(9), Some(5), Some(6), None]));
        let input = batch(vec![("x", x.slice(1, 3)), ("y", y.slice(1, 3))]);
        let expr = build(Name::CreateArray, vec![col("x", &input), lit(8), col("y", &input)], &input.schema()).unwrap();
        assert!(!expr.nullable(&input.schema()).unwrap());
        let arrays = eval(&expr, &input);
        let expected = int_lists(vec![
            Some(vec![Some(1), Some(8), Some(5)]),
            Some(vec![None, Some(8), Some(6)]),
            Some(vec![Some(3), Some(8), None]),
        ]);
        assert_eq!(arrays.to_data(), expected.to_data());
        assert!(build(Name::CreateArray, vec![col("x", &input), lit("a")], &input.schema()).is_err());
    }

    #[test]
    fn named_struct_names_its_values() {
        let x: ArrayRef = Arc::new(Int32Array::from(vec![Some(0), None, Some(2)]));
        let input = batch(vec![("x", x.slice(1, 2))]);
        let expr = build(Name::NamedStruct, vec![lit("a"), col("x", &input), lit("b"), lit("s")], &input.schema()).unwrap();
        let expected_type =
            struct_of(vec![Field::new("a", DataType::Int32, false), Field::new("b", DataType::Utf8, false)]);
        assert_eq!(expr.data_type(&input.schema()).unwrap(), expected_type);
        assert!(!expr.nullable(&input.schema()).unwrap());
        let structs = eval(&expr, &input);
        let structs = structs.as_struct();
        assert_eq!(structs.null_count(), 0);
        assert_eq!(ints(structs.column(0)), vec![None, Some(2)]);
        assert_eq!(structs.column(1).as_string::<i32>().iter().collect::<Vec<_>>(), vec![Some("s"), Some("s")]);
        assert!(build(Name::NamedStruct, vec![col("x", &input), lit(1)], &input.schema()).is_err());
    }
}
