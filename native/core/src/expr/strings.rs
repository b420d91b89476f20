//! String functions with Spark's `UTF8String` semantics: positions and lengths count characters
//! (code points), comparisons are byte-wise, and every function is NULL on a NULL argument
//! unless noted.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int32Array, StringArray};
use arrow::datatypes::{DataType, Schema};
use datafusion::common::{exec_err, Result as DfResult, ScalarValue};
use datafusion::physical_expr::expressions::Literal;
use datafusion::physical_expr::PhysicalExpr;

use super::kernel::{Kernel, KernelExpr};
use super::type_of;
use crate::error::{Result, ThermiteError};

pub(super) fn handles(name: &str) -> bool {
    matches!(
        name,
        "like" | "concat_ws" | "trim" | "ltrim" | "rtrim" | "replace" | "lpad" | "rpad" | "instr" | "locate" | "reverse"
            | "translate"
    )
}

pub(super) fn build(name: &str, args: Vec<Arc<dyn PhysicalExpr>>, input: &Schema) -> Result<Arc<dyn PhysicalExpr>> {
    let arity = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(ThermiteError::plan(format!("{name} takes {n} arguments, not {}", args.len())))
        }
    };
    let kind = match name {
        "like" => {
            arity(3)?;
            let escape = match string_literal(&args[2], name)? {
                Some(e) if e.chars().count() == 1 => e.chars().next().unwrap_or_default(),
                _ => return Err(ThermiteError::plan("like needs a one-character escape")),
            };
            let pattern = string_literal(&args[1], name)?.map(|p| parse_like(&p, escape)).transpose()?;
            return finish(Kind::Like(pattern), vec![Arc::clone(&args[0])], input);
        }
        "concat_ws" if !args.is_empty() => Kind::ConcatWs,
        "trim" | "ltrim" | "rtrim" if args.len() == 1 || args.len() == 2 => {
            let side = match name {
                "trim" => Side::Both,
                "ltrim" => Side::Left,
                _ => Side::Right,
            };
            Kind::Trim(side)
        }
        "replace" => arity(3).map(|_| Kind::Replace)?,
        "lpad" => arity(3).map(|_| Kind::Pad { left: true })?,
        "rpad" => arity(3).map(|_| Kind::Pad { left: false })?,
        "instr" => arity(2).map(|_| Kind::Instr)?,
        "locate" => arity(3).map(|_| Kind::Locate)?,
        "reverse" => arity(1).map(|_| Kind::Reverse)?,
        "translate" => arity(3).map(|_| Kind::Translate)?,
        other => return Err(ThermiteError::plan(format!("{other} with {} arguments", args.len()))),
    };
    finish(kind, args, input)
}

/// Checks the argument types: strings, and int lengths and positions.
fn finish(kind: Kind, args: Vec<Arc<dyn PhysicalExpr>>, input: &Schema) -> Result<Arc<dyn PhysicalExpr>> {
    for (i, arg) in args.iter().enumerate() {
        let int_arg = matches!((&kind, i), (Kind::Pad { .. }, 1) | (Kind::Locate, 2));
        let expected = if int_arg { DataType::Int32 } else { DataType::Utf8 };
        let actual = type_of(arg, input)?;
        if actual != expected {
            return Err(ThermiteError::plan(format!("{kind:?}: argument {i} is {actual}, not {expected}")));
        }
    }
    Ok(KernelExpr::new(kind, args))
}

fn string_literal(arg: &Arc<dyn PhysicalExpr>, name: &str) -> Result<Option<String>> {
    match arg.as_any().downcast_ref::<Literal>().map(|l| l.value()) {
        Some(ScalarValue::Utf8(v)) => Ok(v.clone()),
        _ => Err(ThermiteError::plan(format!("{name} needs a string literal, not {arg}"))),
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
            Kind::Like(_) => DataType::Boolean,
            Kind::Instr | Kind::Locate => DataType::Int32,
            _ => DataType::Utf8,
        })
    }

    fn evaluate(&self, args: &[ArrayRef], rows: usize, _result_type: &DataType) -> DfResult<ArrayRef> {
        evaluate(self, args, rows)
    }
}

fn evaluate(kind: &Kind, args: &[ArrayRef], rows: usize) -> DfResult<ArrayRef> {
    let strings: Vec<Option<&StringArray>> = args.iter().map(|a| a.as_string_opt::<i32>()).collect();
    // Argument `k` of row `i` as a string (NULL as None).
    let s = |k: usize, i: usize| -> Option<&str> {
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
    Ok(match kind {
        Kind::Like(pattern) => Arc::new(
            (0..rows)
                .map(|i| Some(like_matches(pattern.as_deref()?, s(0, i)?)))
                .collect::<BooleanArray>(),
        ),
        Kind::ConcatWs => strings_of(rows, |i| {
            let sep = s(0, i)?;
            let parts: Vec<&str> = (1..args.len()).filter_map(|k| s(k, i)).collect();
            Some(parts.join(sep))
        }),
        Kind::Trim(side) => strings_of(rows, |i| {
            let v = s(0, i)?;
            let trimmed = if args.len() == 1 {
                trim(v, *side, |c| c == ' ')
            } else {
                let set = s(1, i)?;
                trim(v, *side, |c| set.contains(c))
            };
            Some(trimmed.to_string())
        }),
        Kind::Replace => strings_of(rows, |i| {
            let (v, search, replacement) = (s(0, i)?, s(1, i)?, s(2, i)?);
            Some(if search.is_empty() { v.to_string() } else { v.replace(search, replacement) })
        }),
        Kind::Pad { left } => {
            let padded = (0..rows)
                .map(|i| match (s(0, i), int(1, i), s(2, i)) {
                    (Some(v), Some(len), Some(p)) => pad(v, len, p, *left).map(Some),
                    _ => Ok(None),
                })
                .collect::<DfResult<StringArray>>()?;
            Arc::new(padded)
        }
        Kind::Instr => Arc::new((0..rows).map(|i| Some(index_of(s(0, i)?, s(1, i)?, 0) + 1)).collect::<Int32Array>()),
        Kind::Locate => Arc::new(
            (0..rows)
                .map(|i| {
                    let Some(start) = int(2, i) else { return Some(0) };
                    let (sub, v) = (s(0, i)?, s(1, i)?);
                    Some(if start < 1 { 0 } else { index_of(v, sub, start as usize - 1) + 1 })
                })
                .collect::<Int32Array>(),
        ),
        Kind::Reverse => strings_of(rows, |i| Some(s(0, i)?.chars().rev().collect())),
        Kind::Translate => strings_of(rows, |i| Some(translate(s(0, i)?, s(1, i)?, s(2, i)?))),
    })
}

fn strings_of(rows: usize, f: impl Fn(usize) -> Option<String>) -> ArrayRef {
    Arc::new((0..rows).map(f).collect::<StringArray>())
}

fn trim(s: &str, side: Side, strip: impl Fn(char) -> bool) -> &str {
    match side {
        Side::Both => s.trim_matches(strip),
        Side::Left => s.trim_start_matches(strip),
        Side::Right => s.trim_end_matches(strip),
    }
}

/// `UTF8String.indexOf`: the character position of `sub` in `s` at or after character `start`,
/// -1 if absent; an empty `sub` is at 0 whatever `start` is.
fn index_of(s: &str, sub: &str, start: usize) -> i32 {
    if sub.is_empty() {
        return 0;
    }
    let from = s.char_indices().nth(start).map_or(s.len(), |(b, _)| b);
    match s[from..].find(sub) {
        Some(offset) => (start.min(s.chars().count()) + s[from..from + offset].chars().count()) as i32,
        None => -1,
    }
}

/// `UTF8String.lpad/rpad`: nothing to add (or an empty pad) keeps the first `len` characters.
/// The missing count is an int difference, wrapping as the JVM's; a result beyond 2 GiB fails,
/// as Spark's does.
fn pad(s: &str, len: i32, pad: &str, left: bool) -> DfResult<String> {
    let missing = len.wrapping_sub(s.chars().count() as i32);
    if missing <= 0 || pad.is_empty() {
        return Ok(s.chars().take(len.max(0) as usize).collect());
    }
    let pad_chars = pad.chars().count();
    let (count, rest) = (missing as usize / pad_chars, missing as usize % pad_chars);
    let rest_bytes = pad.chars().take(rest).map(char::len_utf8).sum::<usize>();
    if s.len() + pad.len() * count + rest_bytes > i32::MAX as usize {
        return exec_err!("integer overflow: padding to {len} characters");
    }
    let filler: String = pad.chars().cycle().take(missing as usize).collect();
    Ok(if left { filler + s } else { s.to_string() + &filler })
}

/// `StringTranslate`: the first occurrence of a character in `from` decides; characters of `from`
/// beyond `to`'s length, or mapped to U+0000, are deleted.
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
        assert_eq!(index_of("héllo", "l", 0), 2);
        assert_eq!(index_of("héllo", "l", 3), 3);
        assert_eq!(index_of("abc", "", 5), 0);
        assert_eq!(index_of("abc", "c", 5), -1);
        assert_eq!(pad("abc", 7, "xy", true).unwrap(), "xyxyabc");
        assert_eq!(pad("abc", 6, "xy", false).unwrap(), "abcxyx");
        assert_eq!(pad("abc", 2, "xy", true).unwrap(), "ab");
        assert_eq!(pad("abc", -1, "xy", true).unwrap(), "");
        assert_eq!(pad("abc", 5, "", true).unwrap(), "abc");
        // Spark's int difference wraps: MIN - 3 asks for ~2^31 characters and fails.
        assert!(pad("abc", i32::MIN, "x", true).is_err());
        assert!(pad("", i32::MIN, "x", true).unwrap().is_empty());
        assert!(pad("", i32::MAX, "é", true).is_err());
        assert_eq!(translate("abcabc", "aba", "x"), "xcxc");
    }
}
