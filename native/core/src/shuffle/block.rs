//! A shuffle block: one Arrow IPC stream (schema, batches, end), its buffers compressed by the
//! IPC writer, so a block is readable by any Arrow implementation.

use std::io::Cursor;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use arrow::ipc::reader::StreamReader;
use arrow::ipc::writer::{IpcWriteOptions, StreamWriter};
use arrow::ipc::CompressionType;
use datafusion::common::Result;

use crate::proto::shuffle_write::Codec;

pub fn encode(schema: &SchemaRef, batches: &[RecordBatch], codec: Codec) -> Result<Vec<u8>> {
    let compression = match codec {
        Codec::Lz4 => Some(CompressionType::LZ4_FRAME),
        Codec::Zstd => Some(CompressionType::ZSTD),
        Codec::None => None,
    };
    let options = IpcWriteOptions::default().try_with_compression(compression)?;
    let mut writer = StreamWriter::try_new_with_options(Vec::new(), schema, options)?;
    for batch in batches {
        writer.write(batch)?;
    }
    writer.finish()?;
    Ok(writer.into_inner()?)
}

pub fn decode(block: &[u8]) -> Result<Vec<RecordBatch>> {
    let reader = StreamReader::try_new(Cursor::new(block), None)?;
    Ok(reader.collect::<std::result::Result<Vec<_>, _>>()?)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Int64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};

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
            let decoded = decode(&block).unwrap();
            assert_eq!(decoded, vec![batch.clone(), batch.slice(10, 5)], "{codec:?}");
        }
    }
}
