//! Native shuffle: the map side partitions batches as Spark would and emits compressed Arrow IPC
//! blocks, which the JVM writes through Spark's own shuffle (index and data files, block manager,
//! external shuffle service, retries); the reduce side decodes the blocks Spark fetched.

pub mod block;
pub mod partitioner;
pub mod read;
pub mod round_robin;
pub mod write;

pub use partitioner::Partitioner;
pub use read::ShuffleReadExec;
pub use write::ShuffleWriteExec;
