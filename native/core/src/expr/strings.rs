//! String functions with Spark's `UTF8String` semantics, over bytes that need not be valid UTF-8
//! (see [`crate::spark_utf8`]): positions and lengths count Spark's characters, searches and
//! comparisons are byte-wise, functions Spark computes on the decoded `String` (case changes,
//! LIKE, translate) decode as Java does; every function is NULL on a NULL argument unless noted.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BinaryArray, BooleanArray, Int32Array};
use arrow::datatypes::{DataType, Schema};
use datafusion::common::{exec_err, Result as DfResult, ScalarValue};
use datafusion::physical_expr::expressions::Literal;
use datafusion::physical_expr::PhysicalExpr;

use super::kernel::{Kernel, KernelExpr};
use super::type_of;
use crate::proto::scalar_function::Name;
use crate::error::{Result, ThermiteError};
use crate::spark_utf8::{self, char_len, char_offset, chars, java_string, num_chars};

pub(super) fn handles(name: Name) -> bool {
    matches!(
        name,
        Name::Upper | Name::Lower | Name::Length | Name::StartsWith | Name::EndsWith | Name::Contains | Name::Substring | Name::Concat
            | Name::Like | Name::ConcatWs | Name::Trim | Name::Ltrim | Name::Rtrim | Name::Replace | Name::Lpad | Name::Rpad | Name::Instr | Name::Locate | Name::Reverse
            | Name::Translate
    )
}

pub(super) fn build(name: Name, args: Vec<Arc<dyn PhysicalExpr>>, input: &Schema) -> Result<Arc<dyn PhysicalExpr>> {
    let arity = |n: usize| super::functions::expect_args(name, &args, n);
    let kind = match name {
        Name::Like => {
            arity(3)?;
            let escape = match string_literal(&args[2], name)? {
                Some(e) if e.chars().count() == 1 => e.chars().next().unwrap_or_default(),
                _ => return Err(ThermiteError::plan("like needs a one-character escape")),
            };
            let pattern = string_literal(&args[1], name)?.map(|p| parse_like(&p, escape)).transpose()?;
            return finish(Kind::Like(pattern), vec![Arc::clone(&args[0])], input);
        }
        Name::Upper => arity(1).map(|_| Kind::Upper)?,
        Name::Lower => arity(1).map(|_| Kind::Lower)?,
        Name::Length => arity(1).map(|_| Kind::Length)?,
        Name::StartsWith => arity(2).map(|_| Kind::StartsWith)?,
        Name::EndsWith => arity(2).map(|_| Kind::EndsWith)?,
        Name::Contains => arity(2).map(|_| Kind::Contains)?,
        Name::Substring => arity(3).map(|_| Kind::Substring)?,
        Name::Concat => Kind::Concat,
        Name::ConcatWs if !args.is_empty() => Kind::ConcatWs,
        Name::Trim | Name::Ltrim | Name::Rtrim if args.len() == 1 || args.len() == 2 => {
            let side = match name {
                Name::Trim => Side::Both,
                Name::Ltrim => Side::Left,
                _ => Side::Right,
            };
            Kind::Trim(side)
        }
        Name::Replace => arity(3).map(|_| Kind::Replace)?,
        Name::Lpad => arity(3).map(|_| Kind::Pad { left: true })?,
        Name::Rpad => arity(3).map(|_| Kind::Pad { left: false })?,
        Name::Instr => arity(2).map(|_| Kind::Instr)?,
        Name::Locate => arity(3).map(|_| Kind::Locate)?,
        Name::Reverse => arity(1).map(|_| Kind::Reverse)?,
        Name::Translate => arity(3).map(|_| Kind::Translate)?,
        other => return Err(ThermiteError::plan(format!("{other:?} with {} arguments", args.len()))),
    };
    finish(kind, args, input)
}

/// Checks the argument types: strings, and int lengths and positions.
fn finish(kind: Kind, args: Vec<Arc<dyn PhysicalExpr>>, input: &Schema) -> Result<Arc<dyn PhysicalExpr>> {
    for (i, arg) in args.iter().enumerate() {
        let int_arg = matches!((&kind, i), (Kind::Pad { .. }, 1) | (Kind::Locate, 2) | (Kind::Substring, 1 | 2));
        let expected = if int_arg { DataType::Int32 } else { DataType::Utf8 };
        let actual = type_of(arg, input)?;
        if actual != expected {
            return Err(ThermiteError::plan(format!("{kind:?}: argument {i} is {actual}, not {expected}")));
        }
    }
    Ok(KernelExpr::new(kind, args))
}

fn string_literal(arg: &Arc<dyn PhysicalExpr>, name: Name) -> Result<Option<String>> {
    match arg.as_any().downcast_ref::<Literal>().map(|l| l.value()) {
        Some(ScalarValue::Utf8(v)) => Ok(v.clone()),
        _ => Err(ThermiteError::plan(format!("{name:?} needs a string literal, not {arg}"))),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Side {
    Both,
    Left,
    Right,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Kind {
    /// `str LIKE pattern`; no pattern means a NULL pattern.
    Like(Option<Vec<LikeToken>>),
    Upper,
    Lower,
    Length,
    StartsWith,
    EndsWith,
    Contains,
    /// `substring(str, pos, len)`.
    Substring,
    /// NULL if any argument is NULL.
    Concat,
    /// NULL separator gives NULL; NULL strings are skipped.
    ConcatWs,
    /// Without a second argument, spaces (0x20) only; with one, any of its characters.
    Trim(Side),
    /// An empty search string leaves the string as it is.
    Replace,
    Pad { left: bool },
    Instr,
    /// `locate(substr, str, start)`: a NULL start gives 0, not NULL.
    Locate,
    Reverse,
    Translate,
}

/// One element of a LIKE pattern, escapes resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum LikeToken {
    Char(char),
    /// `_`: one character.
    One,
    /// `%`: any characters.
    Any,
}

/// Spark's `StringUtils.escapeLikeRegex`: the escape character may precede only `_`, `%` or
/// itself, and may not end the pattern (the JVM side checks this before it plans).
fn parse_like(pattern: &str, escape: char) -> Result<Vec<LikeToken>> {
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        tokens.push(if c == escape {
            match chars.next() {
                Some(n) if n == '_' || n == '%' || n == escape => LikeToken::Char(n),
                _ => return Err(ThermiteError::plan(format!("invalid LIKE pattern {pattern:?}"))),
            }
        } else if c == '_' {
            LikeToken::One
        } else if c == '%' {
            LikeToken::Any
        } else {
            LikeToken::Char(c)
        });
    }
    Ok(tokens)
}

/// Wildcard matching with backtracking to the last `%` only, which suffices: what follows a `%`
/// matches at the leftmost place it can.
fn like_matches(pattern: &[LikeToken], s: &str) -> bool {
    let next_len = |at: usize| s[at..].chars().next().map_or(1, char::len_utf8);
    let (mut pi, mut si) = (0, 0);
    let mut retry: Option<(usize, usize)> = None;
    loop {
        if pi < pattern.len() {
            if pattern[pi] == LikeToken::Any {
                pi += 1;
                retry = Some((pi, si));
                continue;
            }
            if let Some(c) = s[si..].chars().next() {
                let matched = match pattern[pi] {
                    LikeToken::Char(p) => p == c,
                    _ => true,
                };
                if matched {
                    pi += 1;
                    si += c.len_utf8();
                    continue;
                }
            }
        } else if si == s.len() {
            return true;
        }
        match retry {
            Some((rp, rs)) if rs < s.len() => {
                let rs = rs + next_len(rs);
                retry = Some((rp, rs));
                pi = rp;
                si = rs;
            }
            _ => return false,
        }
    }
}

impl Kernel for Kind {
    fn data_type(&self, _args: &[DataType]) -> DfResult<DataType> {
        Ok(match self {
            Kind::Like(_) | Kind::StartsWith | Kind::EndsWith | Kind::Contains => DataType::Boolean,
            Kind::Instr | Kind::Locate | Kind::Length => DataType::Int32,
            _ => DataType::Utf8,
        })
    }

    fn evaluate(&self, args: &[ArrayRef], rows: usize, _result_type: &DataType) -> DfResult<ArrayRef> {
        evaluate(self, args, rows)
    }
}

fn evaluate(kind: &Kind, args: &[ArrayRef], rows: usize) -> DfResult<ArrayRef> {
    // String arguments as their bytes (they may not be valid UTF-8), ints as they are.
    let owned: Vec<Option<BinaryArray>> = args.iter().map(|a| a.as_string_opt::<i32>().map(spark_utf8::bytes)).collect();
    let strings: Vec<Option<&BinaryArray>> = owned.iter().map(Option::as_ref).collect();
    // Argument `k` of row `i` as bytes (NULL as None).
    let s = |k: usize, i: usize| -> Option<&[u8]> {
        let a = strings[k].expect("a string argument");
        if a.is_null(i) {
            None
        } else {
            Some(a.value(i))
        }
    };
    let int = |k: usize, i: usize| -> Option<i32> {
        let a = args[k].as_primitive::<arrow::datatypes::Int32Type>();
        if a.is_null(i) {
            None
        } else {
            Some(a.value(i))
        }
    };
    let bools = |f: &dyn Fn(usize) -> Option<bool>| -> ArrayRef { Arc::new((0..rows).map(f).collect::<BooleanArray>()) };
    let ints = |f: &dyn Fn(usize) -> Option<i32>| -> ArrayRef { Arc::new((0..rows).map(f).collect::<Int32Array>()) };
    Ok(match kind {
        // Spark matches a Java regex against the decoded string.
        Kind::Like(pattern) => bools(&|i| Some(like_matches(pattern.as_deref()?, &java_string(s(0, i)?)))),
        Kind::StartsWith => bools(&|i| Some(s(0, i)?.starts_with(s(1, i)?))),
        Kind::EndsWith => bools(&|i| Some(s(0, i)?.ends_with(s(1, i)?))),
        Kind::Contains => bools(&|i| Some(find(s(0, i)?, s(1, i)?, 0).is_some())),
        Kind::Length => ints(&|i| Some(num_chars(s(0, i)?) as i32)),
        Kind::Upper => strings_of(rows, |i| Some(change_case(s(0, i)?, true))),
        Kind::Lower => strings_of(rows, |i| Some(change_case(s(0, i)?, false))),
        Kind::Substring => strings_of(rows, |i| Some(substring(s(0, i)?, int(1, i)?, int(2, i)?).to_vec())),
        Kind::Concat => strings_of(rows, |i| {
            let mut out = Vec::new();
            for k in 0..args.len() {
                out.extend_from_slice(s(k, i)?);
            }
            Some(out)
        }),
        Kind::ConcatWs => strings_of(rows, |i| {
            let sep = s(0, i)?;
            let parts: Vec<&[u8]> = (1..args.len()).filter_map(|k| s(k, i)).collect();
            Some(parts.join(sep))
        }),
        Kind::Trim(side) => strings_of(rows, |i| {
            let v = s(0, i)?;
            let trimmed = if args.len() == 1 { trim_spaces(v, *side) } else { trim(v, *side, s(1, i)?) };
            Some(trimmed.to_vec())
        }),
        Kind::Replace => strings_of(rows, |i| Some(replace(s(0, i)?, s(1, i)?, s(2, i)?))),
        Kind::Pad { left } => {
            let padded = (0..rows)
                .map(|i| match (s(0, i), int(1, i), s(2, i)) {
                    (Some(v), Some(len), Some(p)) => pad(v, len, p, *left).map(Some),
                    _ => Ok(None),
                })
                .collect::<DfResult<BinaryArray>>()?;
            Arc::new(spark_utf8::to_strings(padded))
        }
        Kind::Instr => ints(&|i| Some(index_of(s(0, i)?, s(1, i)?, 0) + 1)),
        Kind::Locate => ints(&|i| {
            let Some(start) = int(2, i) else { return Some(0) };
            let (sub, v) = (s(0, i)?, s(1, i)?);
            Some(if start < 1 { 0 } else { index_of(v, sub, start as usize - 1) + 1 })
        }),
        Kind::Reverse => strings_of(rows, |i| Some(chars(s(0, i)?).rev().flatten().copied().collect())),
        Kind::Translate => strings_of(rows, |i| {
            let (v, from, to) = (s(0, i)?, s(1, i)?, s(2, i)?);
            Some(translate(&java_string(v), &java_string(from), &java_string(to)).into_bytes())
        }),
    })
}

/// A string result made as bytes per row.
fn strings_of(rows: usize, f: impl Fn(usize) -> Option<Vec<u8>>) -> ArrayRef {
    Arc::new(spark_utf8::to_strings((0..rows).map(f).collect::<BinaryArray>()))
}

/// `UTF8String.find`: the byte position of `sub` in `s` at or after byte `from`.
fn find(s: &[u8], sub: &[u8], from: usize) -> Option<usize> {
    if sub.is_empty() {
        return Some(from.min(s.len()));
    }
    s.get(from..)?.windows(sub.len()).position(|w| w == sub).map(|p| p + from)
}

/// `UTF8String.toUpperCase/toLowerCase`: byte by byte when every character is one byte long
/// (ASCII letters change, the bytes that start no multi-byte character stay), else through the
/// decoded string.
fn change_case(s: &[u8], upper: bool) -> Vec<u8> {
    if s.iter().all(|&b| char_len(b) == 1) {
        return if upper { s.to_ascii_uppercase() } else { s.to_ascii_lowercase() };
    }
    let decoded = java_string(s);
    (if upper { decoded.to_uppercase() } else { decoded.to_lowercase() }).into_bytes()
}

/// Spark's `UTF8String.substringSQL`: 1-based, 0 counts as 1, negative from the end.
fn substring(s: &[u8], pos: i32, len: i32) -> &[u8] {
    let (pos, len) = (pos as i64, len as i64);
    let chars = num_chars(s) as i64;
    let start = if pos > 0 { pos - 1 } else if pos < 0 { chars + pos } else { 0 };
    let end = (start + len).clamp(i32::MIN as i64, i32::MAX as i64).min(chars);
    let start = start.max(0);
    if start >= end {
        return &[];
    }
    let from = char_offset(s, start as usize);
    &s[from..from + char_offset(&s[from..], (end - start) as usize)]
}

/// `UTF8String.trim()` and friends without a trim string: spaces (0x20) only.
fn trim_spaces(s: &[u8], side: Side) -> &[u8] {
    let start = if side == Side::Right { 0 } else { s.iter().position(|&b| b != b' ').unwrap_or(s.len()) };
    let end = if side == Side::Left { s.len() } else { s.iter().rposition(|&b| b != b' ').map_or(start, |e| e + 1) };
    &s[start..end.max(start)]
}

/// `UTF8String.trimLeft/trimRight(trimString)`: whole characters go while their bytes occur
/// anywhere in `set` (a byte search, as Spark's).
fn trim<'a>(s: &'a [u8], side: Side, set: &[u8]) -> &'a [u8] {
    let strip = |c: &[u8]| find(set, c, 0).is_some();
    let mut start = 0;
    if side != Side::Right {
        for c in chars(s) {
            if !strip(c) {
                break;
            }
            start += c.len();
        }
    }
    let rest = &s[start..];
    let mut end = rest.len();
    if side != Side::Left {
        for c in chars(rest).rev() {
            if !strip(c) {
                break;
            }
            end -= c.len();
        }
    }
    &rest[..end]
}

/// `UTF8String.replace`: non-overlapping occurrences, left to right; an empty search string
/// leaves the string as it is.
fn replace(s: &[u8], search: &[u8], replacement: &[u8]) -> Vec<u8> {
    if search.is_empty() {
        return s.to_vec();
    }
    let mut out = Vec::with_capacity(s.len());
    let mut at = 0;
    while let Some(found) = find(s, search, at) {
        out.extend_from_slice(&s[at..found]);
        out.extend_from_slice(replacement);
        at = found + search.len();
    }
    out.extend_from_slice(&s[at..]);
    out
}

/// `UTF8String.indexOf`: the character position of `sub` in `s` at or after character `start`,
/// tried at each character's first byte; -1 if absent; an empty `sub` is at 0.
fn index_of(s: &[u8], sub: &[u8], start: usize) -> i32 {
    if sub.is_empty() {
        return 0;
    }
    let mut i = char_offset(s, start);
    let mut c = start;
    while i < s.len() {
        if s[i..].starts_with(sub) {
            return c as i32;
        }
        i += char_len(s[i]);
        c += 1;
    }
    -1
}

/// `UTF8String.lpad/rpad`: nothing to add (or an empty pad) keeps the first `len` characters;
/// else the pad's bytes as often as they fit, then its first characters. The missing count is an
/// int difference, wrapping as the JVM's; a result beyond 2 GiB fails, as Spark's does.
fn pad(s: &[u8], len: i32, pad: &[u8], left: bool) -> DfResult<Vec<u8>> {
    let missing = len.wrapping_sub(num_chars(s) as i32);
    if missing <= 0 || pad.is_empty() {
        return Ok(s[..char_offset(s, len.max(0) as usize)].to_vec());
    }
    let pad_chars = num_chars(pad);
    let (count, rest) = (missing as usize / pad_chars, missing as usize % pad_chars);
    let rest = &pad[..char_offset(pad, rest)];
    if s.len() + pad.len() * count + rest.len() > i32::MAX as usize {
        return exec_err!("integer overflow: padding to {len} characters");
    }
    let mut filler = pad.repeat(count);
    filler.extend_from_slice(rest);
    Ok(if left { [filler.as_slice(), s].concat() } else { [s, filler.as_slice()].concat() })
}

/// `StringTranslate` (over the decoded strings, as Spark's): the first occurrence of a character
/// in `from` decides; characters of `from` beyond `to`'s length, or mapped to U+0000, are deleted.
fn translate(s: &str, from: &str, to: &str) -> String {
    let mut dict: HashMap<char, char> = HashMap::new();
    let mut replacements = to.chars();
    for c in from.chars() {
        let r = replacements.next().unwrap_or('\0');
        dict.entry(c).or_insert(r);
    }
    s.chars()
        .filter_map(|c| match dict.get(&c) {
            None => Some(c),
            Some('\0') => None,
            Some(&r) => Some(r),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn like(p: &str, s: &str) -> bool {
        like_matches(&parse_like(p, '\\').unwrap(), s)
    }

    #[test]
    fn like_follows_spark() {
        assert!(like("%a_b%", "xxa😀byy"));
        assert!(!like("%a_b%", "ab"));
        assert!(like("_", "😀"));
        assert!(!like("_", ""));
        assert!(like("%", ""));
        assert!(like("a%b", "ab"));
        assert!(like("a%b", "a\nxb"));
        assert!(!like("a%b", "abc"));
        assert!(like("%\\%%", "50%"));
        assert!(!like("%\\%%", "50"));
        assert!(like("%%a%%b", "xaab"));
        assert!(like_matches(&parse_like("%a!%b", '!').unwrap(), "xa%b"));
        assert!(parse_like("a\\", '\\').is_err());
        assert!(parse_like("\\a", '\\').is_err());
    }

    #[test]
    fn positions_pads_and_translate_follow_spark() {
        assert_eq!(index_of("héllo".as_bytes(), b"l", 0), 2);
        assert_eq!(index_of("héllo".as_bytes(), b"l", 3), 3);
        assert_eq!(index_of(b"abc", b"", 5), 0);
        assert_eq!(index_of(b"abc", b"c", 5), -1);
        assert_eq!(pad(b"abc", 7, b"xy", true).unwrap(), b"xyxyabc");
        assert_eq!(pad(b"abc", 6, b"xy", false).unwrap(), b"abcxyx");
        assert_eq!(pad(b"abc", 2, b"xy", true).unwrap(), b"ab");
        assert_eq!(pad(b"abc", -1, b"xy", true).unwrap(), b"");
        assert_eq!(pad(b"abc", 5, b"", true).unwrap(), b"abc");
        // Spark's int difference wraps: MIN - 3 asks for ~2^31 characters and fails.
        assert!(pad(b"abc", i32::MIN, b"x", true).is_err());
        assert!(pad(b"", i32::MIN, b"x", true).unwrap().is_empty());
        assert!(pad(b"", i32::MAX, "é".as_bytes(), true).is_err());
        assert_eq!(translate("abcabc", "aba", "x"), "xcxc");
    }

    #[test]
    fn substring_follows_spark() {
        let cases = [(1, 2, "hé"), (0, 2, "hé"), (2, 100, "éllo"), (-3, 2, "ll"), (-10, 8, "hél"), (6, 1, ""), (2, -1, "")];
        for (pos, len, want) in cases {
            assert_eq!(substring("héllo".as_bytes(), pos, len), want.as_bytes(), "{pos} {len}");
        }
    }

    #[test]
    fn invalid_utf8_is_split_by_first_bytes() {
        // 0xFF and a lone continuation byte are one character each; 0xE2 0x82 is one (truncated).
        let s = b"a\xFF\x80b\xE2\x82";
        assert_eq!(substring(s, 2, 2), b"\xFF\x80");
        assert_eq!(substring(s, -1, 1), b"\xE2\x82");
        assert_eq!(index_of(s, b"b", 0), 3);
        // A search happens at characters' first bytes only: 0x82 inside 0xE2 0x82 is not found.
        assert_eq!(index_of(s, b"\x82", 0), -1);
        assert_eq!(trim(b"\x80a\x80", Side::Both, "é".as_bytes()), b"\x80a\x80");
        assert_eq!(trim(b"\xA9a\xA9", Side::Left, "é".as_bytes()), b"a\xA9");
        assert_eq!(replace(b"\xFFa\xFF", b"\xFF", b"-"), b"-a-");
        assert_eq!(change_case(b"a\xFF\x80b", true), b"A\xFF\x80B");
        assert_eq!(change_case(b"a\xC3", true), "A\u{FFFD}".as_bytes());
        assert_eq!(change_case(b"ab", true), b"AB");
        assert_eq!(pad(b"\xFF", 3, b"\xC3", true).unwrap(), b"\xC3\xC3\xFF");
    }
}
