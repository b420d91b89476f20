//! A Parquet reader factory that hands DataFusion a footer the scan has already read (to learn
//! the file's calendar before choosing how to read it), so no file's footer is read twice.

use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use datafusion::common::Result;
use datafusion::datasource::physical_plan::parquet::DefaultParquetFileReaderFactory;
use datafusion::datasource::physical_plan::{FileMeta, ParquetFileReaderFactory};
use datafusion::physical_plan::metrics::ExecutionPlanMetricsSet;
use futures::future::BoxFuture;
use futures::FutureExt;
use object_store::ObjectStore;
use parquet::arrow::arrow_reader::ArrowReaderOptions;
use parquet::arrow::async_reader::AsyncFileReader;
use parquet::file::metadata::ParquetMetaData;

#[derive(Debug)]
pub struct PreloadedFooter {
    inner: DefaultParquetFileReaderFactory,
    metadata: Arc<ParquetMetaData>,
}

impl PreloadedFooter {
    pub fn new(store: Arc<dyn ObjectStore>, metadata: Arc<ParquetMetaData>) -> Self {
        Self { inner: DefaultParquetFileReaderFactory::new(store), metadata }
    }
}

impl ParquetFileReaderFactory for PreloadedFooter {
    fn create_reader(
        &self,
        partition_index: usize,
        file_meta: FileMeta,
        metadata_size_hint: Option<usize>,
        metrics: &ExecutionPlanMetricsSet,
    ) -> Result<Box<dyn AsyncFileReader + Send>> {
        let inner = self.inner.create_reader(partition_index, file_meta, metadata_size_hint, metrics)?;
        Ok(Box::new(Reader { inner, metadata: Arc::clone(&self.metadata) }))
    }
}

/// The default reader (it counts the bytes scanned), with the footer already known.
struct Reader {
    inner: Box<dyn AsyncFileReader + Send>,
    metadata: Arc<ParquetMetaData>,
}

impl AsyncFileReader for Reader {
    fn get_bytes(&mut self, range: Range<u64>) -> BoxFuture<'_, parquet::errors::Result<Bytes>> {
        self.inner.get_bytes(range)
    }

    fn get_byte_ranges(&mut self, ranges: Vec<Range<u64>>) -> BoxFuture<'_, parquet::errors::Result<Vec<Bytes>>> {
        self.inner.get_byte_ranges(ranges)
    }

    fn get_metadata<'a>(
        &'a mut self,
        _options: Option<&'a ArrowReaderOptions>,
    ) -> BoxFuture<'a, parquet::errors::Result<Arc<ParquetMetaData>>> {
        let metadata = Arc::clone(&self.metadata);
        async move { Ok(metadata) }.boxed()
    }
}
