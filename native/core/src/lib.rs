//! Thermite's engine: decodes a protobuf plan from the JVM and runs it as DataFusion operators
//! with Spark's semantics.

pub mod aggregate;
pub mod error;
pub mod execution;
pub mod export;
pub mod expr;
pub mod java_double;
pub mod metrics;
pub mod operators;
pub mod planner;
pub mod shuffle;
pub mod spark_utf8;
pub mod types;

/// Code generated from `proto/thermite.proto`.
pub mod proto {
    include!(concat!(env!("OUT_DIR"), "/thermite.rs"));
}
