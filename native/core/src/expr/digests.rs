//! Spark's digests and hex encodings: `md5`, `sha1`, `sha2` (224, 256, 384 and 512 bits; 0 means
//! 256; any other length NULL) as lowercase hex of the input's bytes, `crc32` as a long, `hex` of
//! a long (its two's complement, no leading zeros) or of bytes (two uppercase digits each), and
//! `unhex` (an odd length read as if it had a leading 0; NULL on any other character).

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BinaryArray, Int64Array, StringArray};
use arrow::datatypes::{DataType, Int64Type, Schema};
use datafusion::common::{internal_err, Result as DfResult, ScalarValue};
use datafusion::physical_expr::expressions::Literal;
use datafusion::physical_expr::PhysicalExpr;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

use super::kernel::{Kernel, KernelExpr};
use super::type_of;
use crate::error::{Result, ThermiteError};
use crate::proto::scalar_function::Name;
use crate::spark_utf8;

pub(super) fn handles(name: Name) -> bool {
    matches!(name, Name::Md5 | Name::Sha1 | Name::Sha2 | Name::Crc32 | Name::Hex | Name::Unhex)
}

pub(super) fn build(name: Name, args: Vec<Arc<dyn PhysicalExpr>>, input: &Schema) -> Result<Arc<dyn PhysicalExpr>> {
    let types = args.iter().map(|a| type_of(a, input)).collect::<Result<Vec<DataType>>>()?;
    let unsupported = || ThermiteError::plan(format!("{name:?} of {types:?}"));
    let kind = match (name, types.as_slice()) {
        (Name::Md5, [DataType::Binary]) => Kind::Md5,
        (Name::Sha1, [DataType::Binary]) => Kind::Sha1,
        (Name::Sha2, [DataType::Binary, DataType::Int32]) => {
            match args[1].as_any().downcast_ref::<Literal>().map(Literal::value) {
                Some(ScalarValue::Int32(bits)) => Kind::Sha2(*bits),
                _ => return Err(ThermiteError::plan("sha2 takes a literal bit length")),
            }
        }
        (Name::Crc32, [DataType::Binary]) => Kind::Crc32,
        (Name::Hex, [DataType::Int64 | DataType::Binary | DataType::Utf8]) => Kind::Hex,
        (Name::Unhex, [DataType::Utf8]) => Kind::Unhex,
        _ => return Err(unsupported()),
    };
    Ok(KernelExpr::new(kind, vec![Arc::clone(&args[0])]))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Md5,
    Sha1,
    /// The bit length; NULL gives NULL.
    Sha2(Option<i32>),
    Crc32,
    Hex,
    Unhex,
}

impl Kernel for Kind {
    fn data_type(&self, _args: &[DataType]) -> DfResult<DataType> {
        Ok(match self {
            Kind::Crc32 => DataType::Int64,
            Kind::Unhex => DataType::Binary,
            _ => DataType::Utf8,
        })
    }

    fn evaluate(&self, args: &[ArrayRef], _rows: usize, _result_type: &DataType) -> DfResult<ArrayRef> {
        let input = &args[0];
        Ok(match self {
            Kind::Md5 => hex_digests(input, |b| Md5::digest(b).to_vec()),
            Kind::Sha1 => hex_digests(input, |b| Sha1::digest(b).to_vec()),
            Kind::Sha2(Some(224)) => hex_digests(input, |b| Sha224::digest(b).to_vec()),
            Kind::Sha2(Some(0 | 256)) => hex_digests(input, |b| Sha256::digest(b).to_vec()),
            Kind::Sha2(Some(384)) => hex_digests(input, |b| Sha384::digest(b).to_vec()),
            Kind::Sha2(Some(512)) => hex_digests(input, |b| Sha512::digest(b).to_vec()),
            Kind::Sha2(_) => Arc::new(StringArray::new_null(input.len())),
            Kind::Crc32 => {
                let crcs: Int64Array = input.as_binary::<i32>().iter().map(|b| b.map(|b| crc32fast::hash(b) as i64)).collect();
                Arc::new(crcs)
            }
            Kind::Hex => match input.data_type() {
                DataType::Int64 => {
                    let longs = input.as_primitive::<Int64Type>();
                    Arc::new(longs.iter().map(|v| v.map(|v| format!("{:X}", v as u64))).collect::<StringArray>())
                }
                DataType::Binary => Arc::new(input.as_binary::<i32>().iter().map(|b| b.map(upper_hex)).collect::<StringArray>()),
                DataType::Utf8 => {
                    let bytes = spark_utf8::bytes(input.as_string::<i32>());
                    Arc::new(bytes.iter().map(|b| b.map(upper_hex)).collect::<StringArray>())
                }
                other => return internal_err!("hex of {other}"),
            },
            Kind::Unhex => {
                let bytes = spark_utf8::bytes(input.as_string::<i32>());
                Arc::new(bytes.iter().map(|b| b.and_then(unhex)).collect::<BinaryArray>())
            }
        })
    }
}

fn hex_digests(input: &ArrayRef, digest: impl Fn(&[u8]) -> Vec<u8>) -> ArrayRef {
    let bytes = input.as_binary::<i32>();
    Arc::new(bytes.iter().map(|b| b.map(|b| lower_hex(&digest(b)))).collect::<StringArray>())
}

fn lower_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn upper_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Spark's `Hex.unhex`: pairs of hex digits to bytes, an odd first digit alone.
fn unhex(text: &[u8]) -> Option<Vec<u8>> {
    let digit = |c: u8| (c as char).to_digit(16).filter(|_| c.is_ascii()).map(|d| d as u8);
    let (first, rest) = text.split_at(text.len() % 2);
    let mut out = Vec::with_capacity(text.len().div_ceil(2));
    if let [c] = first {
        out.push(digit(*c)?);
    }
    for pair in rest.chunks_exact(2) {
        out.push(digit(pair[0])? << 4 | digit(pair[1])?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unhex_pads_odd_lengths_and_refuses_other_characters() {
        assert_eq!(unhex(b"1aF"), Some(vec![0x01, 0xaf]));
        assert_eq!(unhex(b""), Some(vec![]));
        assert_eq!(unhex(b"G1"), None);
        assert_eq!(unhex("é1".as_bytes()), None);
    }

    #[test]
    fn hex_of_a_long_is_its_twos_complement() {
        let longs: ArrayRef = Arc::new(Int64Array::from(vec![Some(0), Some(-1), Some(255), None]));
        let hex = Kind::Hex.evaluate(&[longs], 4, &DataType::Utf8).unwrap();
        let hex: Vec<Option<&str>> = hex.as_string::<i32>().iter().collect();
        assert_eq!(hex, vec![Some("0"), Some("FFFFFFFFFFFFFFFF"), Some("FF"), None]);
    }

    #[test]
    fn digests_are_lowercase_hex() {
        let bytes: ArrayRef = Arc::new(BinaryArray::from(vec![Some(&b"Spark"[..]), None]));
        let md5 = Kind::Md5.evaluate(&[Arc::clone(&bytes)], 2, &DataType::Utf8).unwrap();
        assert_eq!(md5.as_string::<i32>().value(0), "8cde774d6f7333752ed72cacddb05126");
        assert!(md5.is_null(1));
        let crc = Kind::Crc32.evaluate(&[bytes], 2, &DataType::Int64).unwrap();
        assert_eq!(crc.as_primitive::<Int64Type>().value(0), 1557323817);
    }
}
