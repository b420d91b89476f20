//! A shuffle block: one Arrow IPC stream (schema, batches, end), its buffers compressed by the
//! IPC writer, so a block is readable by any Arrow implementation. Strings travel as binary
//! columns: Spark's strings need not be valid UTF-8, and the reader validates only offsets then.

use std::io::Cursor;

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::{Field, Schema, SchemaRef};
use arrow::ipc::reader::StreamReader;
use arrow::ipc::writer::{IpcWriteOptions, StreamWriter};
use arrow::ipc::CompressionType;
use datafusion::common::{internal_err, Result};

use crate::operators::batch_of;
use crate::proto::shuffle_write::Codec;
use crate::spark_utf8;

/// `schema` with its string columns as binary ones.
fn as_written(schema: &SchemaRef) -> SchemaRef {
    let fields = schema.fields().iter().map(|f| f.as_ref().clone().with_data_type(spark_utf8::as_binary_type(f.data_type())));
    Arc::new(Schema::new(fields.collect::<Vec<Field>>()))
}

pub fn encode(schema: &SchemaRef, batches: &[RecordBatch], codec: Codec) -> Result<Vec<u8>> {
    let compression = match codec {
        Codec::Lz4 => Some(CompressionType::LZ4_FRAME),
        Codec::Zstd => Some(CompressionType::ZSTD),
        Codec::None => None,
    };
    let options = IpcWriteOptions::default().try_with_compression(compression)?;
    let written = as_written(schema);
    let mut writer = StreamWriter::try_new_with_options(Vec::new(), &written, options)?;
    for batch in batches {
        let columns: Vec<ArrayRef> = batch.columns().iter().map(spark_utf8::as_binary).collect();
        writer.write(&batch_of(&written, columns, batch.num_rows())?)?;
    }
    writer.finish()?;
    Ok(writer.into_inner()?)
}

/// The block's batches with `schema` (the exchange's names, types and nullability).
pub fn decode(block: &[u8], schema: &SchemaRef) -> Result<Vec<RecordBatch>> {
    let reader = StreamReader::try_new(Cursor::new(block), None)?;
    reader
        .map(|batch| {
            let batch = batch?;
            if batch.num_columns() != schema.fields().len() {
                return internal_err!("a shuffle block has {} columns, the exchange {}", batch.num_columns(), schema.fields().len());
            }
            let columns = batch.columns().iter().zip(schema.fields()).map(|(c, f)| spark_utf8::binary_as_strings(c, f.data_type()));
            Ok(batch_of(schema, columns.collect(), batch.num_rows())?)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use arrow::array::{BinaryArray, Int64Array, StringArray};
    use arrow::datatypes::DataType;

    use super::*;

    #[test]
    fn every_codec_round_trips() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("name", DataType::Utf8, true),
        ]));
        let batch = RecordBatch::try_new(
            Arc::clone(&schema),
            vec![
                Arc::new(Int64Array::from_iter_values(0..1000)),
                Arc::new(StringArray::from_iter((0..1000).map(|i| (i % 7 != 0).then(|| format!("name-{}", i % 13))))),
            ],
        )
        .unwrap();
        for codec in [Codec::Lz4, Codec::Zstd, Codec::None] {
            let block = encode(&schema, &[batch.clone(), batch.slice(10, 5)], codec).unwrap();
            let decoded = decode(&block, &schema).unwrap();
            assert_eq!(decoded, vec![batch.clone(), batch.slice(10, 5)], "{codec:?}");
        }
    }

    #[test]
    fn batches_without_columns_keep_their_rows() {
        let schema = Arc::new(Schema::empty());
        let batch = batch_of(&schema, vec![], 3).unwrap();
        let decoded = decode(&encode(&schema, &[batch], Codec::Lz4).unwrap(), &schema).unwrap();
        assert_eq!(decoded.iter().map(RecordBatch::num_rows).collect::<Vec<_>>(), vec![3]);
    }

    #[test]
    fn strings_that_are_not_utf8_round_trip() {
        let schema = Arc::new(Schema::new(vec![Field::new("s", DataType::Utf8, true)]));
        let bytes = BinaryArray::from(vec![Some(&b"\xFFa"[..]), None, Some(b"\xC3"), Some("é".as_bytes())]);
        let batch = RecordBatch::try_new(Arc::clone(&schema), vec![Arc::new(spark_utf8::to_strings(bytes.clone()))]).unwrap();
        let decoded = decode(&encode(&schema, &[batch], Codec::Lz4).unwrap(), &schema).unwrap();
        assert_eq!(decoded[0].schema(), schema);
        assert_eq!(spark_utf8::as_binary(decoded[0].column(0)).as_ref(), &bytes as &dyn arrow::array::Array);
    }
}
