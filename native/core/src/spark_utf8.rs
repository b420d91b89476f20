//! Spark's strings are bytes: `UTF8String` stores, compares and returns whatever bytes it was
//! given, valid UTF-8 or not. Thermite keeps them in Arrow `Utf8` arrays unvalidated (no copy
//! where the data is valid, which is nearly always), so such an array may hold invalid bytes.
//! Thermite's kernels therefore read string arrays as bytes only ([`bytes`]), never as `&str`;
//! the DataFusion operators that carry strings (hash joins, grouping, sorting, min/max, IPC,
//! the C Data Interface) only copy, hash and compare their bytes.
//!
//! Characters are Spark's: each starts at a byte whose value says how many bytes it takes
//! ([`char_len`]), whatever follows it, so every byte sequence splits into characters.

use std::borrow::Cow;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BinaryArray, StringArray};
use arrow::datatypes::DataType;

/// `UTF8String.numBytesForFirstByte`: 2 for 0xC2..=0xDF, 3 for 0xE0..=0xEF, 4 for 0xF0..=0xF4,
/// 1 for every other byte (ASCII, continuation bytes and bytes UTF-8 never uses).
pub fn char_len(first: u8) -> usize {
    match first {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 1,
    }
}

/// Spark's characters of `s`, each as its bytes. A character that its first byte says runs past
/// the end is cut at the end (Spark reads beyond the string's bytes there).
pub fn chars(s: &[u8]) -> impl DoubleEndedIterator<Item = &[u8]> + '_ {
    let mut starts = Vec::new();
    let mut i = 0;
    while i < s.len() {
        starts.push(i);
        i += char_len(s[i]);
    }
    let ends: Vec<usize> = starts.iter().skip(1).copied().chain(std::iter::once(s.len())).collect();
    starts.into_iter().zip(ends).map(move |(a, b)| &s[a..b])
}

/// `UTF8String.numChars`.
pub fn num_chars(s: &[u8]) -> usize {
    let mut count = 0;
    let mut i = 0;
    while i < s.len() {
        i += char_len(s[i]);
        count += 1;
    }
    count
}

/// The byte offset of Spark's character `n` of `s` (`s.len()` past the end).
pub fn char_offset(s: &[u8], n: usize) -> usize {
    let mut i = 0;
    for _ in 0..n {
        if i >= s.len() {
            break;
        }
        i += char_len(s[i]);
    }
    i.min(s.len())
}

/// `UTF8String.toString`: `new String(bytes, UTF_8)` of Java 17, borrowed when `s` is valid.
/// Java replaces malformed input by U+FFFD as Rust's lossy decoding does, except that an encoded
/// surrogate (0xED 0xA0..0xBF x) is one replacement, and an incomplete sequence at the end drops
/// whatever follows its first replacement.
pub fn java_string(s: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(s) {
        Ok(valid) => Cow::Borrowed(valid),
        Err(_) => Cow::Owned(java_decode(s)),
    }
}

const REPLACEMENT: char = '\u{FFFD}';

fn continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

/// Java 17's `String.decodeUTF8_UTF16` with replacement, case by case (checked against the JVM
/// on random byte strings).
fn java_decode(s: &[u8]) -> String {
    let n = s.len();
    let mut out = String::with_capacity(n + 8);
    let mut i = 0;
    while i < n {
        let b1 = s[i];
        i += 1;
        match b1 {
            0x00..=0x7F => out.push(b1 as char),
            0xC2..=0xDF => {
                if i == n {
                    out.push(REPLACEMENT);
                    break;
                }
                if continuation(s[i]) {
                    out.push(char::from_u32(((b1 as u32 & 0x1F) << 6) | (s[i] as u32 & 0x3F)).unwrap_or(REPLACEMENT));
                    i += 1;
                } else {
                    out.push(REPLACEMENT);
                }
            }
            0xE0..=0xEF => {
                let bad_second = |b2: u8| (b1 == 0xE0 && b2 & 0xE0 == 0x80) || !continuation(b2);
                if i + 1 < n {
                    let (b2, b3) = (s[i], s[i + 1]);
                    if bad_second(b2) {
                        out.push(REPLACEMENT);
                    } else if !continuation(b3) {
                        out.push(REPLACEMENT);
                        i += 1;
                    } else {
                        // An encoded surrogate decodes to no char: one replacement for all three.
                        let c = ((b1 as u32 & 0x0F) << 12) | ((b2 as u32 & 0x3F) << 6) | (b3 as u32 & 0x3F);
                        out.push(char::from_u32(c).unwrap_or(REPLACEMENT));
                        i += 2;
                    }
                    continue;
                }
                out.push(REPLACEMENT);
                if !(i < n && bad_second(s[i])) {
                    break;
                }
            }
            0xF0..=0xF7 => {
                let bad_second = |b2: u8| {
                    b1 > 0xF4
                        || (b1 == 0xF0 && !(0x90..=0xBF).contains(&b2))
                        || (b1 == 0xF4 && b2 & 0xF0 != 0x80)
                        || !continuation(b2)
                };
                if i + 2 < n {
                    let (b2, b3, b4) = (s[i], s[i + 1], s[i + 2]);
                    let c = ((b1 as u32 & 0x07) << 18) | ((b2 as u32 & 0x3F) << 12) | ((b3 as u32 & 0x3F) << 6) | (b4 as u32 & 0x3F);
                    if continuation(b2) && continuation(b3) && continuation(b4) && (0x10000..=0x10FFFF).contains(&c) {
                        out.push(char::from_u32(c).unwrap_or(REPLACEMENT));
                        i += 3;
                    } else {
                        out.push(REPLACEMENT);
                        i += if bad_second(b2) { 0 } else if !continuation(b3) { 1 } else { 2 };
                    }
                    continue;
                }
                out.push(REPLACEMENT);
                if i < n && bad_second(s[i]) {
                    continue;
                }
                i += 1;
                if !(i < n && !continuation(s[i])) {
                    break;
                }
            }
            _ => out.push(REPLACEMENT),
        }
    }
    out
}

/// The bytes of a string array, without copying: a `BinaryArray` over the same buffers.
pub fn bytes(strings: &StringArray) -> BinaryArray {
    BinaryArray::from(strings.clone())
}

/// A `Utf8` array as `Binary` over the same buffers (other types unchanged), for kernels that
/// compare or hash bytes.
pub fn as_binary(array: &ArrayRef) -> ArrayRef {
    match array.data_type() {
        DataType::Utf8 => Arc::new(bytes(array.as_string::<i32>())),
        _ => Arc::clone(array),
    }
}

/// The type [`as_binary`] gives an array of type `t`.
pub fn as_binary_type(t: &DataType) -> DataType {
    match t {
        DataType::Utf8 => DataType::Binary,
        other => other.clone(),
    }
}

/// Spark strings made as bytes, as a `Utf8` array over the same buffers, unvalidated (see the
/// module's comment).
pub fn to_strings(bytes: BinaryArray) -> StringArray {
    let (offsets, values, nulls) = bytes.into_parts();
    // SAFETY: offsets and nulls come from a valid BinaryArray. The values may be invalid UTF-8,
    // which Thermite's string arrays allow: nothing reads them as `&str` to decode them.
    unsafe { StringArray::new_unchecked(offsets, values, nulls) }
}

/// A `Binary` array holding Spark strings as `Utf8` (other types unchanged).
pub fn binary_as_strings(array: &ArrayRef, to: &DataType) -> ArrayRef {
    match (array.data_type(), to) {
        (DataType::Binary, DataType::Utf8) => Arc::new(to_strings(array.as_binary::<i32>().clone())),
        _ => Arc::clone(array),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_follow_the_first_byte() {
        // "é", a lone continuation byte, 0xFF, a truncated 3-byte sequence at the end.
        let s = b"\xC3\xA9\x80\xFFa\xE2\x82";
        let got: Vec<&[u8]> = chars(s).collect();
        assert_eq!(got, vec![&b"\xC3\xA9"[..], b"\x80", b"\xFF", b"a", b"\xE2\x82"]);
        assert_eq!(num_chars(s), 5);
        assert_eq!(char_offset(s, 2), 3);
        assert_eq!(char_offset(s, 9), s.len());
        // Overlong 0xC0 0x80 is two characters; an encoded surrogate is one.
        assert_eq!(num_chars(b"\xC0\x80"), 2);
        assert_eq!(num_chars(b"\xED\xA0\x80"), 1);
        assert_eq!(java_string(b"a\xFFb\xED\xA0\x80"), "a\u{FFFD}b\u{FFFD}");
    }

    #[test]
    fn decoding_is_javas() {
        // new String(bytes, UTF_8) on Java 17, as UTF-16 code units read back as text.
        let cases: [(&[u8], &str); 9] = [
            (b"\xE2\x82", "\u{FFFD}"),
            (b"\xE2\x82a", "\u{FFFD}a"),
            (b"\xF0\x9F\x98", "\u{FFFD}"),
            (b"a\xF0\x9F\x98\xE2\x82", "a\u{FFFD}\u{FFFD}"),
            (b"\xC0\x80", "\u{FFFD}\u{FFFD}"),
            (b"\xE0\x80\xAF", "\u{FFFD}\u{FFFD}\u{FFFD}"),
            (b"\xF4\x90\x80\x80", "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}"),
            (b"\xED\xB0\x80a", "\u{FFFD}a"),
            (b"\xC3\xA9\xFF\xF0\x9F\x98\x80", "é\u{FFFD}😀"),
        ];
        for (bytes, text) in cases {
            assert_eq!(java_string(bytes), text, "{bytes:x?}");
        }
    }

    #[test]
    fn invalid_bytes_round_trip_through_binary() {
        let b = BinaryArray::from(vec![Some(&b"\xFFa"[..]), None, Some(b"ok")]);
        let s: ArrayRef = Arc::new(to_strings(b.clone()));
        assert_eq!(s.data_type(), &DataType::Utf8);
        assert_eq!(as_binary(&s).as_binary::<i32>(), &b);
    }
}
