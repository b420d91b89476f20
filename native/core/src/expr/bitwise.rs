//! Spark's bitwise functions on integral types, as the JVM computes them: `&`, `|`, `^`, `~`,
//! the shifts (the distance taken modulo the width, as Java's `<<`, `>>` and `>>>`) and
//! `bit_count` (of the value widened to a long). Spark's `grouping()` and `grouping_id()` are
//! built from these.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int32Array, PrimitiveArray};
use arrow::compute::kernels::arity::binary;
use arrow::datatypes::{ArrowPrimitiveType, DataType, Int16Type, Int32Type, Int64Type, Int8Type, Schema};
use datafusion::common::{internal_err, Result as DfResult};
use datafusion::physical_expr::PhysicalExpr;

use super::kernel::{Kernel, KernelExpr};
use super::type_of;
use crate::error::{Result, ThermiteError};
use crate::proto::scalar_function::Name;

pub(super) fn handles(name: Name) -> bool {
    matches!(
        name,
        Name::BitwiseAnd
            | Name::BitwiseOr
            | Name::BitwiseXor
            | Name::BitwiseNot
            | Name::BitCount
            | Name::ShiftLeft
            | Name::ShiftRight
            | Name::ShiftRightUnsigned
    )
}

pub(super) fn build(name: Name, args: Vec<Arc<dyn PhysicalExpr>>, input: &Schema) -> Result<Arc<dyn PhysicalExpr>> {
    let types = args.iter().map(|a| type_of(a, input)).collect::<Result<Vec<DataType>>>()?;
    let unsupported = || ThermiteError::plan(format!("{name:?} of {types:?}"));
    let integral = |t: &DataType| matches!(t, DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64);
    let kind = match (name, types.as_slice()) {
        (Name::BitwiseAnd, [l, r]) if l == r && integral(l) => Kind::And,
        (Name::BitwiseOr, [l, r]) if l == r && integral(l) => Kind::Or,
        (Name::BitwiseXor, [l, r]) if l == r && integral(l) => Kind::Xor,
        (Name::BitwiseNot, [t]) if integral(t) => Kind::Not,
        (Name::BitCount, [t]) if integral(t) || *t == DataType::Boolean => Kind::BitCount,
        (Name::ShiftLeft | Name::ShiftRight | Name::ShiftRightUnsigned, [DataType::Int32 | DataType::Int64, DataType::Int32]) => {
            match name {
                Name::ShiftLeft => Kind::ShiftLeft,
                Name::ShiftRight => Kind::ShiftRight,
                _ => Kind::ShiftRightUnsigned,
            }
        }
        _ => return Err(unsupported()),
    };
    Ok(KernelExpr::new(kind, args))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    And,
    Or,
    Xor,
    Not,
    BitCount,
    ShiftLeft,
    ShiftRight,
    ShiftRightUnsigned,
}

impl Kernel for Kind {
    fn data_type(&self, args: &[DataType]) -> DfResult<DataType> {
        Ok(match self {
            Kind::BitCount => DataType::Int32,
            _ => args[0].clone(),
        })
    }

    fn evaluate(&self, args: &[ArrayRef], _rows: usize, _result_type: &DataType) -> DfResult<ArrayRef> {
        macro_rules! integral {
            ($f:ident) => {
                match args[0].data_type() {
                    DataType::Int8 => $f::<Int8Type>(*self, args),
                    DataType::Int16 => $f::<Int16Type>(*self, args),
                    DataType::Int32 => $f::<Int32Type>(*self, args),
                    DataType::Int64 => $f::<Int64Type>(*self, args),
                    other => internal_err!("{self:?} of {other}"),
                }
            };
        }
        match self {
            Kind::And | Kind::Or | Kind::Xor => integral!(logical),
            Kind::Not => integral!(not),
            Kind::BitCount if args[0].data_type() == &DataType::Boolean => {
                let values: &BooleanArray = args[0].as_boolean();
                Ok(Arc::new(values.iter().map(|v| v.map(i32::from)).collect::<Int32Array>()))
            }
            Kind::BitCount => integral!(bit_count),
            Kind::ShiftLeft | Kind::ShiftRight | Kind::ShiftRightUnsigned => match args[0].data_type() {
                DataType::Int32 => shift::<Int32Type>(*self, args, |v, n| ((v as u32) >> n) as i64),
                DataType::Int64 => shift::<Int64Type>(*self, args, |v, n| ((v as u64) >> n) as i64),
                other => internal_err!("{self:?} of {other}"),
            },
        }
    }
}

/// The integral types' values widened to a long and narrowed back, as the JVM's `(byte) (a & b)`.
trait Integral: ArrowPrimitiveType {
    fn widen(v: Self::Native) -> i64;
    fn narrow(v: i64) -> Self::Native;
}

macro_rules! integral {
    ($t:ty, $native:ty) => {
        impl Integral for $t {
            fn widen(v: $native) -> i64 {
                v as i64
            }
            fn narrow(v: i64) -> $native {
                v as $native
            }
        }
    };
}
integral!(Int8Type, i8);
integral!(Int16Type, i16);
integral!(Int32Type, i32);
integral!(Int64Type, i64);

fn logical<T: Integral>(kind: Kind, args: &[ArrayRef]) -> DfResult<ArrayRef> {
    let (l, r) = (args[0].as_primitive::<T>(), args[1].as_primitive::<T>());
    let f = match kind {
        Kind::And => |a: i64, b: i64| a & b,
        Kind::Or => |a: i64, b: i64| a | b,
        _ => |a: i64, b: i64| a ^ b,
    };
    let result: PrimitiveArray<T> = binary(l, r, |a, b| T::narrow(f(T::widen(a), T::widen(b))))?;
    Ok(Arc::new(result))
}

fn not<T: Integral>(_kind: Kind, args: &[ArrayRef]) -> DfResult<ArrayRef> {
    Ok(Arc::new(args[0].as_primitive::<T>().unary::<_, T>(|v| T::narrow(!T::widen(v)))))
}

fn bit_count<T: Integral>(_kind: Kind, args: &[ArrayRef]) -> DfResult<ArrayRef> {
    Ok(Arc::new(args[0].as_primitive::<T>().unary::<_, Int32Type>(|v| T::widen(v).count_ones() as i32)))
}

/// Shifts an int or a long by an int; the distance modulo the width, as Java's shift operators.
/// `unsigned` is `>>>` on the value's own width, given the distance already reduced.
fn shift<T: Integral>(kind: Kind, args: &[ArrayRef], unsigned: fn(i64, u32) -> i64) -> DfResult<ArrayRef> {
    let (values, distances) = (args[0].as_primitive::<T>(), args[1].as_primitive::<Int32Type>());
    let bits = (std::mem::size_of::<T::Native>() * 8) as u32;
    let result: PrimitiveArray<T> = binary(values, distances, |v, n| {
        let (v, n) = (T::widen(v), (n as u32) & (bits - 1));
        T::narrow(match kind {
            // Shifting the widened value left then narrowing keeps the low bits, as the JVM's.
            Kind::ShiftLeft => v << n,
            Kind::ShiftRight => v >> n,
            _ => unsigned(v, n),
        })
    })?;
    Ok(Arc::new(result))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, Int8Array};

    fn run(kind: Kind, args: Vec<ArrayRef>) -> ArrayRef {
        let types: Vec<DataType> = args.iter().map(|a| a.data_type().clone()).collect();
        kind.evaluate(&args, args[0].len(), &kind.data_type(&types).unwrap()).unwrap()
    }

    #[test]
    fn shifts_are_javas() {
        let ints: ArrayRef = Arc::new(Int32Array::from(vec![Some(-8), Some(1), Some(i32::MIN), None, Some(5)]));
        let by: ArrayRef = Arc::new(Int32Array::from(vec![Some(1), Some(33), Some(31), Some(1), None]));
        let left = run(Kind::ShiftLeft, vec![Arc::clone(&ints), Arc::clone(&by)]);
        assert_eq!(left.as_primitive::<Int32Type>(), &Int32Array::from(vec![Some(-16), Some(2), Some(0), None, None]));
        let right = run(Kind::ShiftRight, vec![Arc::clone(&ints), Arc::clone(&by)]);
        assert_eq!(right.as_primitive::<Int32Type>(), &Int32Array::from(vec![Some(-4), Some(0), Some(-1), None, None]));
        let unsigned = run(Kind::ShiftRightUnsigned, vec![ints, by]);
        // -8 >>> 1 == 2147483644 and Integer.MIN_VALUE >>> 31 == 1 in Java.
        assert_eq!(unsigned.as_primitive::<Int32Type>(), &Int32Array::from(vec![Some(2147483644), Some(0), Some(1), None, None]));
        let longs: ArrayRef = Arc::new(Int64Array::from(vec![-1i64, 1]));
        let by: ArrayRef = Arc::new(Int32Array::from(vec![-1, 64]));
        // -1L >>> -1 is -1L >>> 63 == 1; 1L << 64 is 1L << 0.
        let unsigned = run(Kind::ShiftRightUnsigned, vec![Arc::clone(&longs), Arc::clone(&by)]);
        assert_eq!(unsigned.as_primitive::<Int64Type>(), &Int64Array::from(vec![1, 1]));
        let left = run(Kind::ShiftLeft, vec![longs, by]);
        assert_eq!(left.as_primitive::<Int64Type>(), &Int64Array::from(vec![i64::MIN, 1]));
    }

    #[test]
    fn narrow_types_keep_their_bits() {
        let bytes: ArrayRef = Arc::new(Int8Array::from(vec![-1i8, 0x55, i8::MIN]));
        let mask: ArrayRef = Arc::new(Int8Array::from(vec![0x0f_i8, -1, 1]));
        let and = run(Kind::And, vec![Arc::clone(&bytes), Arc::clone(&mask)]);
        assert_eq!(and.as_primitive::<Int8Type>(), &Int8Array::from(vec![0x0f, 0x55, 0]));
        let xor = run(Kind::Xor, vec![Arc::clone(&bytes), mask]);
        assert_eq!(xor.as_primitive::<Int8Type>(), &Int8Array::from(vec![-16, -86, -127]));
        let not = run(Kind::Not, vec![Arc::clone(&bytes)]);
        assert_eq!(not.as_primitive::<Int8Type>(), &Int8Array::from(vec![0, -86, 127]));
        // Long.bitCount of the widened value: a negative byte counts its sign extension.
        let count = run(Kind::BitCount, vec![bytes]);
        assert_eq!(count.as_primitive::<Int32Type>(), &Int32Array::from(vec![64, 4, 57]));
    }
}
