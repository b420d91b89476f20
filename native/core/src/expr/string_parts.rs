//! Spark's small functions of a string's characters and bytes, as `UTF8String` computes them:
//! `ascii` (the first character's code point as Java decodes it; 0 for ""), `chr` (the character
//! of the low byte, "" for a negative code), `substring_index` (the part before the count-th
//! delimiter from the left, or after it from the right, occurrences found byte by byte and
//! overlapping), `levenshtein` (edits of Spark's characters, compared as bytes) and `soundex`
//! (American Soundex of ASCII letters; a string not starting with one is returned as it is).

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BinaryArray, Int32Array, StringArray};
use arrow::datatypes::{DataType, Int32Type, Int64Type, Schema};
use datafusion::common::Result as DfResult;
use datafusion::physical_expr::PhysicalExpr;

use super::kernel::{Kernel, KernelExpr};
use super::type_of;
use crate::error::{Result, ThermiteError};
use crate::proto::scalar_function::Name;
use crate::spark_utf8;

pub(super) fn handles(name: Name) -> bool {
    matches!(name, Name::Ascii | Name::Chr | Name::SubstringIndex | Name::Levenshtein | Name::Soundex)
}

pub(super) fn build(name: Name, args: Vec<Arc<dyn PhysicalExpr>>, input: &Schema) -> Result<Arc<dyn PhysicalExpr>> {
    let types = args.iter().map(|a| type_of(a, input)).collect::<Result<Vec<DataType>>>()?;
    let kind = match (name, types.as_slice()) {
        (Name::Ascii, [DataType::Utf8]) => Kind::Ascii,
        (Name::Chr, [DataType::Int64]) => Kind::Chr,
        (Name::SubstringIndex, [DataType::Utf8, DataType::Utf8, DataType::Int32]) => Kind::SubstringIndex,
        (Name::Levenshtein, [DataType::Utf8, DataType::Utf8]) => Kind::Levenshtein,
        (Name::Soundex, [DataType::Utf8]) => Kind::Soundex,
        _ => return Err(ThermiteError::plan(format!("{name:?} of {types:?}"))),
    };
    Ok(KernelExpr::new(kind, args))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Ascii,
    Chr,
    SubstringIndex,
    Levenshtein,
    Soundex,
}

impl Kernel for Kind {
    fn data_type(&self, _args: &[DataType]) -> DfResult<DataType> {
        Ok(if matches!(self, Kind::Ascii | Kind::Levenshtein) { DataType::Int32 } else { DataType::Utf8 })
    }

    fn evaluate(&self, args: &[ArrayRef], _rows: usize, _result_type: &DataType) -> DfResult<ArrayRef> {
        Ok(match self {
            Kind::Ascii => {
                let strings = spark_utf8::bytes(args[0].as_string::<i32>());
                Arc::new(strings.iter().map(|s| s.map(first_code_point)).collect::<Int32Array>())
            }
            Kind::Chr => {
                let codes = args[0].as_primitive::<Int64Type>();
                let chars: StringArray = codes
                    .iter()
                    .map(|c| c.map(|c| if c < 0 { String::new() } else { char::from((c & 0xFF) as u8).to_string() }))
                    .collect();
                Arc::new(chars)
            }
            Kind::SubstringIndex => {
                let strings = spark_utf8::bytes(args[0].as_string::<i32>());
                let delims = spark_utf8::bytes(args[1].as_string::<i32>());
                let counts = args[2].as_primitive::<Int32Type>();
                let parts: BinaryArray = (0..strings.len())
                    .map(|i| {
                        (strings.is_valid(i) && delims.is_valid(i) && counts.is_valid(i))
                            .then(|| substring_index(strings.value(i), delims.value(i), counts.value(i)))
                    })
                    .collect();
                Arc::new(spark_utf8::to_strings(parts))
            }
            Kind::Levenshtein => {
                let (left, right) = (spark_utf8::bytes(args[0].as_string::<i32>()), spark_utf8::bytes(args[1].as_string::<i32>()));
                let distances: Int32Array = left.iter().zip(right.iter()).map(|(l, r)| Some(levenshtein(l?, r?))).collect();
                Arc::new(distances)
            }
            Kind::Soundex => {
                let strings = spark_utf8::bytes(args[0].as_string::<i32>());
                let codes: BinaryArray = strings.iter().map(|s| s.map(soundex)).collect();
                Arc::new(spark_utf8::to_strings(codes))
            }
        })
    }
}

/// `UTF8String.levenshteinDistance`: insertions, deletions and substitutions of characters (by
/// their first byte's length), equal when their bytes are.
fn levenshtein(a: &[u8], b: &[u8]) -> i32 {
    let (a, b): (Vec<&[u8]>, Vec<&[u8]>) = (spark_utf8::chars(a).collect(), spark_utf8::chars(b).collect());
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let mut previous: Vec<i32> = (0..=short.len() as i32).collect();
    let mut current = vec![0; short.len() + 1];
    for (j, c) in long.iter().enumerate() {
        current[0] = j as i32 + 1;
        for (i, s) in short.iter().enumerate() {
            let cost = i32::from(s != c);
            current[i + 1] = (current[i] + 1).min(previous[i + 1] + 1).min(previous[i] + cost);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[short.len()]
}

/// `UTF8String.soundex`.
fn soundex(s: &[u8]) -> Vec<u8> {
    // A to Z; 7 (H and W) is skipped without separating equal codes, 0 (vowels) separates them.
    const CODES: &[u8; 26] = b"01230127022455012623017202";
    let letter = |b: u8| b.is_ascii_alphabetic().then(|| b.to_ascii_uppercase());
    let Some(first) = s.first().copied().and_then(letter) else { return s.to_vec() };
    let mut out = vec![first, b'0', b'0', b'0'];
    let mut filled = 1;
    let mut last = CODES[(first - b'A') as usize];
    for &b in &s[1..] {
        let Some(upper) = letter(b) else {
            last = b'0';
            continue;
        };
        let code = CODES[(upper - b'A') as usize];
        if code == b'7' {
            continue;
        }
        if code != b'0' && code != last {
            out[filled] = code;
            filled += 1;
            if filled > 3 {
                break;
            }
        }
        last = code;
    }
    out
}

/// `UTF8String.substring(0, 1).toString.codePointAt(0)`: Spark's first character (by its first
/// byte) decoded as Java decodes it.
fn first_code_point(s: &[u8]) -> i32 {
    match spark_utf8::chars(s).next() {
        Some(first) => spark_utf8::java_string(first).chars().next().map_or(0, |c| c as i32),
        None => 0,
    }
}

/// `UTF8String.subStringIndex(delim, count)`.
fn substring_index<'a>(s: &'a [u8], delim: &[u8], count: i32) -> &'a [u8] {
    if delim.is_empty() || count == 0 {
        return &[];
    }
    let at = |i: usize| s.len() >= i + delim.len() && &s[i..i + delim.len()] == delim;
    if count > 0 {
        let mut found = None;
        let mut from = 0;
        for _ in 0..count {
            match (from..s.len()).find(|&i| at(i)) {
                Some(i) => {
                    found = Some(i);
                    from = i + 1;
                }
                None => return s,
            }
        }
        &s[..found.unwrap_or(0)]
    } else {
        if s.len() < delim.len() {
            return s;
        }
        let mut found = s.len() - delim.len() + 1;
        for _ in 0..count.unsigned_abs() {
            match (0..found).rev().find(|&i| at(i)) {
                Some(i) => found = i,
                None => return s,
            }
        }
        &s[found + delim.len()..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substring_index_counts_overlapping_delimiters_from_either_end() {
        assert_eq!(substring_index(b"www.apache.org", b".", 2), b"www.apache");
        assert_eq!(substring_index(b"www.apache.org", b".", -2), b"apache.org");
        assert_eq!(substring_index(b"www.apache.org", b".", 5), b"www.apache.org");
        assert_eq!(substring_index(b"www.apache.org", b".", -5), b"www.apache.org");
        assert_eq!(substring_index(b"aaaa", b"aa", 2), b"a");
        assert_eq!(substring_index(b"aaaa", b"aa", -2), b"a");
        assert_eq!(substring_index(b".x", b".", 1), b"");
        assert_eq!(substring_index(b"x.", b".", -1), b"");
        assert_eq!(substring_index(b"a", b"", 1), b"");
        assert_eq!(substring_index(b"a", b"abc", -1), b"a");
    }

    #[test]
    fn levenshtein_and_soundex_as_spark() {
        assert_eq!(levenshtein(b"kitten", b"sitting"), 3);
        assert_eq!(levenshtein(b"", b"abc"), 3);
        assert_eq!(levenshtein("é".as_bytes(), b"e"), 1);
        assert_eq!(soundex(b"Miller"), b"M460");
        assert_eq!(soundex(b"Ashcraft"), b"A261");
        assert_eq!(soundex(b"Tymczak"), b"T522");
        assert_eq!(soundex(b"1abc"), b"1abc");
        assert_eq!(soundex(b""), b"");
    }

    #[test]
    fn ascii_decodes_the_first_character_as_java() {
        assert_eq!(first_code_point(b""), 0);
        assert_eq!(first_code_point("é!".as_bytes()), 0xE9);
        assert_eq!(first_code_point("😀".as_bytes()), 0x1F600);
        assert_eq!(first_code_point(b"\xC3a"), 0xFFFD);
    }
}
