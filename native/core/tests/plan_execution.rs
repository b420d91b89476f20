//! The planner end to end: proto plans over real Parquet files, executed as a task would be.

use std::fs::File;
use std::sync::Arc;

use arrow::array::{Array, AsArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType as ArrowType, Field, Int64Type, Schema};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use prost::Message;
use thermite_core::error::ErrorKind;
use thermite_core::execution::{SparkServices, TaskExecution};
use thermite_core::proto::{self, data_type::Kind, expr, literal, operator};

fn temp_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("thermite-core-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64
}

/// Writes ids 0..rows with `Value` = id * 1.5 and `name` = "n{id}", in row groups of 1000.
fn write_file(path: &std::path::Path, rows: i64) -> u64 {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", ArrowType::Int64, false),
        Field::new("Value", ArrowType::Float64, true),
        Field::new("name", ArrowType::Utf8, true),
    ]));
    let batch = RecordBatch::try_new(
        Arc::clone(&schema),
        vec![
            Arc::new(Int64Array::from_iter_values(0..rows)),
            Arc::new(Float64Array::from_iter_values((0..rows).map(|i| i as f64 * 1.5))),
            Arc::new(StringArray::from_iter_values((0..rows).map(|i| format!("n{i}")))),
        ],
    )
    .unwrap();
    let props = WriterProperties::builder().set_max_row_group_size(1000).build();
    let mut writer = ArrowWriter::try_new(File::create(path).unwrap(), schema, Some(props)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    std::fs::metadata(path).unwrap().len()
}

fn ty(kind: Kind) -> proto::DataType {
    proto::DataType { kind: kind as i32, ..Default::default() }
}

fn field(name: &str, kind: Kind) -> proto::Field {
    proto::Field { name: name.into(), r#type: Some(ty(kind)), nullable: true }
}

fn column(index: u32) -> proto::Expr {
    proto::Expr { kind: Some(expr::Kind::Column(proto::ColumnRef { index, name: String::new() })) }
}

fn long(v: i64) -> proto::Expr {
    proto::Expr {
        kind: Some(expr::Kind::Literal(proto::Literal { r#type: Some(ty(Kind::Long)), value: Some(literal::Value::LongValue(v)) })),
    }
}

fn binary(op: proto::binary::Op, left: proto::Expr, right: proto::Expr, result: Option<Kind>) -> proto::Expr {
    proto::Expr {
        kind: Some(expr::Kind::Binary(Box::new(proto::Binary {
            op: op as i32,
            left: Some(Box::new(left)),
            right: Some(Box::new(right)),
            result_type: result.map(ty),
        }))),
    }
}

fn scan(case_sensitive: bool, partition: bool, pruning: Vec<proto::Expr>) -> proto::Operator {
    let partition_schema = proto::Schema { fields: if partition { vec![field("p", Kind::Int)] } else { vec![] } };
    proto::Operator {
        kind: Some(operator::Kind::ParquetScan(proto::ParquetScan {
            input_index: 0,
            data_schema: Some(proto::Schema {
                fields: vec![field("id", Kind::Long), field("value", Kind::Double), field("missing", Kind::String)],
            }),
            partition_schema: Some(partition_schema),
            pruning_filters: pruning,
            case_sensitive,
            datetime_rebase_mode: "EXCEPTION".into(),
            int96_rebase_mode: "EXCEPTION".into(),
            ..Default::default()
        })),
    }
}

fn task_input(files: &[(String, u64)], partition_value: Option<i32>) -> Vec<u8> {
    let files = files
        .iter()
        .map(|(path, size)| proto::FileSplit {
            path: path.clone(),
            start: 0,
            length: *size as i64,
            file_size: *size as i64,
            partition_values: partition_value
                .map(|v| vec![proto::Literal { r#type: Some(ty(Kind::Int)), value: Some(literal::Value::IntValue(v)) }])
                .unwrap_or_default(),
            uri: format!("file://{path}"),
            ..Default::default()
        })
        .collect();
    proto::TaskInput { scans: vec![proto::ScanInput { files, ..Default::default() }], ..Default::default() }.encode_to_vec()
}

fn run(root: proto::Operator, input: &[u8]) -> Result<Vec<RecordBatch>, thermite_core::error::ThermiteError> {
    let plan = proto::Plan { root: Some(root), session_time_zone: Some(utc()), batch_size: 512, ..Default::default() };
    let mut execution = TaskExecution::new(&plan.encode_to_vec(), input, vec![], SparkServices::default())?;
    let mut batches = vec![];
    while let Some(batch) = execution.next_batch()? {
        batches.push(batch);
    }
    Ok(batches)
}

#[test]
fn project_over_filter_over_scan() {
    let dir = temp_dir();
    let path = dir.join("a.parquet");
    let size = write_file(&path, 5000);
    use proto::binary::Op;
    let filter = proto::Operator {
        kind: Some(operator::Kind::Filter(Box::new(proto::Filter {
            input: Some(Box::new(scan(false, true, vec![]))),
            condition: Some(binary(Op::Lt, column(0), long(100), None)),
        }))),
    };
    let project = proto::Operator {
        kind: Some(operator::Kind::Project(Box::new(proto::Project {
            input: Some(Box::new(filter)),
            expressions: vec![binary(Op::Add, column(0), long(i64::MAX), Some(Kind::Long)), column(2), column(3)],
        }))),
    };
    let batches = run(project, &task_input(&[(path.display().to_string(), size)], Some(7))).unwrap();
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 100);
    let first = &batches[0];
    // id + Long.MaxValue wraps like the JVM's long arithmetic.
    assert_eq!(first.column(0).as_primitive::<Int64Type>().value(1), i64::MIN);
    // A column the file lacks reads as NULL; the partition value is constant.
    assert_eq!(first.column(1).null_count(), first.num_rows());
    let p = first.column(2).as_any().downcast_ref::<Int32Array>().unwrap();
    assert!(p.iter().all(|v| v == Some(7)));
}

#[test]
fn case_sensitivity_decides_column_matching() {
    let dir = temp_dir();
    let path = dir.join("b.parquet");
    let size = write_file(&path, 10);
    let input = task_input(&[(path.display().to_string(), size)], None);
    let insensitive = run(scan(false, false, vec![]), &input).unwrap();
    assert_eq!(insensitive[0].column(1).null_count(), 0, "`value` matches the file's `Value`");
    let sensitive = run(scan(true, false, vec![]), &input).unwrap();
    assert_eq!(sensitive[0].column(1).null_count(), 10, "`value` does not match `Value`");
}

#[test]
fn pruning_skips_row_groups_but_never_rows() {
    let dir = temp_dir();
    let path = dir.join("c.parquet");
    let size = write_file(&path, 5000);
    use proto::binary::Op;
    // id >= 4500 matches the last row group only; the scan may skip the others but must return
    // every row of the groups it reads (the Filter above, not the scan, drops rows).
    let pruned = run(
        scan(true, false, vec![binary(Op::GtEq, column(0), long(4500), None)]),
        &task_input(&[(path.display().to_string(), size)], None),
    )
    .unwrap();
    let rows: usize = pruned.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 1000);
}

#[test]
fn missing_file_is_a_file_not_found_error_naming_the_file() {
    let err = run(scan(false, false, vec![]), &task_input(&[("/nonexistent/x.parquet".into(), 100)], None)).unwrap_err();
    // Spark raises its own `SparkFileNotFoundException` for it.
    assert_eq!(err.kind, ErrorKind::FileNotFound);
    assert_eq!(err.operator.as_deref(), Some("ThermiteScanExec"));
    // Named as Spark names files in its errors: by their URI.
    assert_eq!(err.file.as_deref(), Some("file:///nonexistent/x.parquet"));
}

#[test]
fn corrupt_file_is_an_io_error() {
    let dir = temp_dir();
    let path = dir.join("bad.parquet");
    std::fs::write(&path, b"definitely not parquet").unwrap();
    let err = run(scan(false, false, vec![]), &task_input(&[(path.display().to_string(), 22)], None)).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Io);
    assert!(err.to_string().contains("bad.parquet"), "{err}");
}

#[test]
fn undecodable_plan_is_a_plan_error() {
    let err = TaskExecution::new(&[0xff, 0xff, 0xff], &[], vec![], SparkServices::default()).err().unwrap();
    assert_eq!(err.kind, ErrorKind::Plan);
}

#[test]
fn sort_spills_within_a_bounded_pool() {
    use datafusion::execution::memory_pool::{GreedyMemoryPool, MemoryPool};
    let dir = temp_dir();
    let path = dir.join("big.parquet");
    let size = write_file(&path, 2_000_000);
    let key = proto::SortKey { expr: Some(column(2)), ascending: false, nulls_first: false };
    let sort = proto::Operator {
        kind: Some(operator::Kind::Sort(Box::new(proto::Sort { input: Some(Box::new(scan(true, false, vec![]))), keys: vec![key] }))),
    };
    let plan = proto::Plan { root: Some(sort), session_time_zone: Some(utc()), batch_size: 8192, ..Default::default() };
    let pool: Arc<dyn MemoryPool> = Arc::new(GreedyMemoryPool::new(40 << 20));
    let mut execution =
        TaskExecution::new(&plan.encode_to_vec(), &task_input(&[(path.display().to_string(), size)], None), vec![], SparkServices { memory_pool: Some(pool), ..Default::default() })
            .unwrap();
    let mut rows = 0;
    let mut last: Option<String> = None;
    while let Some(batch) = execution.next_batch().unwrap() {
        let names = batch.column(2).as_any().downcast_ref::<StringArray>().unwrap();
        for i in 0..names.len() {
            let v = names.value(i).to_string();
            if let Some(prev) = &last {
                assert!(prev >= &v, "descending order broken: {prev} then {v}");
            }
            last = Some(v);
        }
        rows += batch.num_rows();
    }
    assert_eq!(rows, 2_000_000);
    let metrics = execution.metrics();
    let sort_metrics = &metrics.operators[0].values;
    assert!(sort_metrics["spilledBytes"] > 0, "{sort_metrics:?}");
}

#[test]
fn shuffle_write_sends_rows_to_their_range_in_readable_blocks() {
    use thermite_core::shuffle::block;
    let dir = temp_dir();
    let path = dir.join("shuffle.parquet");
    let size = write_file(&path, 5000);
    let key = proto::SortKey { expr: Some(column(0)), ascending: true, nulls_first: true };
    let bound = |v| proto::RangeBound { values: vec![long(v)] };
    let range = proto::RangePartitioning { keys: vec![key], bounds: vec![bound(99), bound(1999)] };
    let write = proto::Operator {
        kind: Some(operator::Kind::ShuffleWrite(Box::new(proto::ShuffleWrite {
            input: Some(Box::new(scan(false, false, vec![]))),
            num_partitions: 3,
            codec: proto::shuffle_write::Codec::Zstd as i32,
            partitioning: Some(proto::shuffle_write::Partitioning::Range(range)),
        }))),
    };
    let blocks = run(write, &task_input(&[(path.display().to_string(), size)], None)).unwrap();
    // Each partition's ids: 0..=99, 100..=1999, 2000..5000.
    let mut ids: Vec<Vec<i64>> = vec![vec![]; 3];
    let scan_schema = Arc::new(Schema::new(vec![
        Field::new("id", ArrowType::Int64, true),
        Field::new("value", ArrowType::Float64, true),
        Field::new("missing", ArrowType::Utf8, true),
    ]));
    for b in &blocks {
        let partitions = b.column(0).as_primitive::<arrow::datatypes::Int32Type>();
        let rows = b.column(1).as_primitive::<Int64Type>();
        let data = b.column(3).as_binary::<i32>();
        for i in 0..b.num_rows() {
            let decoded = block::decode(data.value(i), &scan_schema).unwrap();
            assert_eq!(decoded.iter().map(|d| d.num_rows() as i64).sum::<i64>(), rows.value(i));
            for d in decoded {
                ids[partitions.value(i) as usize].extend(d.column(0).as_primitive::<Int64Type>().values().iter());
            }
        }
    }
    for p in &mut ids {
        p.sort();
    }
    assert_eq!(ids[0], (0..=99).collect::<Vec<_>>());
    assert_eq!(ids[1], (100..=1999).collect::<Vec<_>>());
    assert_eq!(ids[2], (2000..5000).collect::<Vec<_>>());
}

/// A left outer join with a condition of two scans of one task (ids 0..100 and 0..50), by hash
/// and by sort-merge, the right side narrower: every left row once, 25 of them matched.
#[test]
fn outer_joins_of_two_scans_with_a_condition() {
    use proto::binary::Op;
    let dir = temp_dir();
    let (left_path, right_path) = (dir.join("left.parquet"), dir.join("right.parquet"));
    let (left_size, right_size) = (write_file(&left_path, 100), write_file(&right_path, 50));
    let split = |path: &std::path::Path, size: u64| proto::ScanInput {
        files: vec![proto::FileSplit {
            path: path.display().to_string(),
            start: 0,
            length: size as i64,
            file_size: size as i64,
            partition_values: vec![],
            uri: format!("file://{}", path.display()),
            ..Default::default()
        }],
        ..Default::default()
    };
    let input =
        proto::TaskInput { scans: vec![split(&left_path, left_size), split(&right_path, right_size)], ..Default::default() }.encode_to_vec();
    let scan_of = |index: u32| {
        let mut op = scan(false, false, vec![]);
        if let Some(operator::Kind::ParquetScan(s)) = &mut op.kind {
            s.input_index = index;
        }
        op
    };
    let right = proto::Operator {
        kind: Some(operator::Kind::Project(Box::new(proto::Project {
            input: Some(Box::new(scan_of(1))),
            expressions: vec![column(0)],
        }))),
    };
    for strategy in [proto::join::Strategy::Hash, proto::join::Strategy::SortMerge] {
        let join = proto::Operator {
            kind: Some(operator::Kind::Join(Box::new(proto::Join {
                left: Some(Box::new(scan_of(0))),
                right: Some(Box::new(right.clone())),
                r#type: proto::join::Type::LeftOuter as i32,
                strategy: strategy as i32,
                left_keys: vec![column(0)],
                right_keys: vec![column(0)],
                build_left: false,
                // left.id + right.id < 50: ids below 25 match.
                condition: Some(binary(Op::Lt, binary(Op::Add, column(0), column(3), Some(Kind::Long)), long(50), None)),
                null_aware: false,
                streamed_order: vec![],
            }))),
        };
        let batches = run(join, &input).unwrap();
        assert_eq!(batches[0].num_columns(), 4, "{strategy:?}");
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        let matched: usize = batches.iter().map(|b| b.num_rows() - b.column(3).null_count()).sum();
        assert_eq!((rows, matched), (100, 25), "{strategy:?}");
    }
}

#[test]
fn strings_that_are_not_utf8_are_read_as_their_bytes() {
    let dir = temp_dir();
    let path = dir.join("invalid.parquet");
    let values: Vec<Option<&[u8]>> = vec![Some(b"\xFFa"), None, Some(b"\xC3"), Some("é".as_bytes()), Some(b"\xED\xA0\x80")];
    let bytes = arrow::array::BinaryArray::from(values.clone());
    let schema = Arc::new(Schema::new(vec![Field::new("name", ArrowType::Utf8, true)]));
    let strings = thermite_core::spark_utf8::to_strings(bytes.clone());
    let batch = RecordBatch::try_new(Arc::clone(&schema), vec![Arc::new(strings)]).unwrap();
    // Dictionary-encoded and plain pages both.
    for dictionary in [true, false] {
        let props = WriterProperties::builder().set_dictionary_enabled(dictionary).build();
        let mut writer = ArrowWriter::try_new(File::create(&path).unwrap(), Arc::clone(&schema), Some(props)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        let size = std::fs::metadata(&path).unwrap().len();
        let scan = proto::Operator {
            kind: Some(operator::Kind::ParquetScan(proto::ParquetScan {
                input_index: 0,
                data_schema: Some(proto::Schema { fields: vec![field("name", Kind::String)] }),
                partition_schema: Some(proto::Schema { fields: vec![] }),
                pruning_filters: vec![],
                case_sensitive: false,
                datetime_rebase_mode: "EXCEPTION".into(),
                int96_rebase_mode: "EXCEPTION".into(),
                ..Default::default()
            })),
        };
        let batches = run(scan, &task_input(&[(path.display().to_string(), size)], None)).unwrap();
        assert_eq!(batches.len(), 1);
        assert_eq!(batches[0].column(0).data_type(), &ArrowType::Utf8);
        let read = thermite_core::spark_utf8::as_binary(batches[0].column(0));
        assert_eq!(read.as_binary::<i32>(), &bytes, "dictionary: {dictionary}");
    }
}

fn utc() -> proto::TimeZone {
    proto::TimeZone { kind: Some(proto::time_zone::Kind::OffsetSeconds(0)) }
}
