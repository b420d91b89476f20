//! Parquet string columns read as Spark reads them: their bytes as they are. The Parquet reader
//! rejects a UTF8-annotated column holding bytes that are not valid UTF-8 (`encountered non UTF-8
//! data`), where Spark returns them; it decides by the column's annotation, whatever the Arrow
//! type asked for. So each file's footer is handed to the reader without that annotation: the
//! column reads as binary, which the schema adapter turns back into `Utf8` for Spark's string
//! columns without copying and without validating (see [`crate::spark_utf8`]).

use std::sync::Arc;

use parquet::basic::{ConvertedType, LogicalType, Type as PhysicalType};
use parquet::errors::Result as ParquetResult;
use parquet::file::metadata::{FileMetaData, ParquetMetaData, ParquetMetaDataBuilder};
use parquet::schema::types::{SchemaDescriptor, Type, TypePtr};

/// The metadata with every string column's annotation removed (unchanged if it has none).
pub fn strings_as_bytes(metadata: Arc<ParquetMetaData>) -> ParquetResult<Arc<ParquetMetaData>> {
    let file = metadata.file_metadata();
    let Some(root) = without_string_annotations(file.schema_descr().root_schema_ptr())? else {
        return Ok(metadata);
    };
    let file = FileMetaData::new(
        file.version(),
        file.num_rows(),
        file.created_by().map(str::to_string),
        file.key_value_metadata().cloned(),
        Arc::new(SchemaDescriptor::new(root)),
        file.column_orders().cloned(),
    );
    let mut rest = Arc::unwrap_or_clone(metadata).into_builder();
    let built = ParquetMetaDataBuilder::new(file)
        .set_row_groups(rest.take_row_groups())
        .set_column_index(rest.take_column_index())
        .set_offset_index(rest.take_offset_index())
        .build();
    Ok(Arc::new(built))
}

fn is_string(t: &Type) -> bool {
    t.is_primitive()
        && t.get_physical_type() == PhysicalType::BYTE_ARRAY
        && (t.get_basic_info().converted_type() == ConvertedType::UTF8
            || matches!(t.get_basic_info().logical_type(), Some(LogicalType::String)))
}

/// `t` with its string leaves as plain byte arrays; None when it has none.
fn without_string_annotations(t: TypePtr) -> ParquetResult<Option<TypePtr>> {
    let info = t.get_basic_info();
    if is_string(&t) {
        let mut b = Type::primitive_type_builder(info.name(), PhysicalType::BYTE_ARRAY);
        if info.has_repetition() {
            b = b.with_repetition(info.repetition());
        }
        if info.has_id() {
            b = b.with_id(Some(info.id()));
        }
        return Ok(Some(Arc::new(b.build()?)));
    }
    if t.is_primitive() {
        return Ok(None);
    }
    let children = t.get_fields().iter().map(|c| without_string_annotations(Arc::clone(c))).collect::<ParquetResult<Vec<_>>>()?;
    if children.iter().all(Option::is_none) {
        return Ok(None);
    }
    let fields = children.into_iter().zip(t.get_fields()).map(|(new, old)| new.unwrap_or_else(|| Arc::clone(old))).collect();
    let mut b = Type::group_type_builder(info.name())
        .with_fields(fields)
        .with_converted_type(info.converted_type())
        .with_logical_type(info.logical_type());
    if info.has_repetition() {
        b = b.with_repetition(info.repetition());
    }
    if info.has_id() {
        b = b.with_id(Some(info.id()));
    }
    Ok(Some(Arc::new(b.build()?)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::schema::parser::parse_message_type;

    #[test]
    fn string_annotations_go_and_the_rest_stays() {
        let schema = parse_message_type(
            "message spark_schema { optional binary s (UTF8); required int32 i; optional binary b; \
             optional group g { optional binary t (STRING); } }",
        )
        .unwrap();
        let stripped = without_string_annotations(Arc::new(schema)).unwrap().unwrap();
        let descr = SchemaDescriptor::new(stripped);
        let types: Vec<ConvertedType> = (0..descr.num_columns()).map(|i| descr.column(i).converted_type()).collect();
        assert_eq!(types, vec![ConvertedType::NONE; 4]);
        assert!(descr.columns().iter().all(|c| c.logical_type().is_none()));
        assert_eq!(descr.column(1).physical_type(), PhysicalType::INT32);
        assert_eq!(descr.column(0).self_type().get_basic_info().repetition(), parquet::basic::Repetition::OPTIONAL);
        let plain = parse_message_type("message m { required int32 i; optional binary b; }").unwrap();
        assert!(without_string_annotations(Arc::new(plain)).unwrap().is_none());
    }
}
