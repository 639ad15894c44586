//! String methods (spec §14): non-string receivers use their display form. Lengths and
//! positions count UTF-16 code units, as JavaScript does. Regex methods use [`JsRegex`]
//! (ECMAScript regex syntax, guarded against catastrophic backtracking, and JS replacement
//! patterns); an invalid pattern yields the input / `[:]` / false, as the reference does.

use super::r001;
use crate::rill::base::error::RillError;
use crate::rill::base::regex::{Found, JsRegex};
use crate::rill::eval::Interp;
use crate::rill::value::*;

type Res = Result<Value, RillError>;

fn s_of(v: &Value) -> String {
    v.display()
}

fn arg_s(args: &[Value], i: usize) -> Option<String> {
    args.get(i).map(|v| v.display())
}

fn utf16(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

/// The `.str` method.
pub fn str_(_: &mut Interp, v: &Value, _: &[Value]) -> Res {
    Ok(Value::string(s_of(v)))
}

/// JavaScript `parseFloat`-like leading-number parse.
pub fn parse_leading(s: &str) -> f64 {
    let t = s.trim_start();
    let b = t.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    if t[i..].starts_with("Infinity") {
        return if t.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let ds = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if i == ds || (i == ds + 1 && b[ds] == b'.') {
        return f64::NAN;
    }
    let mut end = i;
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        let es = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j > es {
            end = j;
        }
    }
    t[..end].parse::<f64>().unwrap_or(f64::NAN)
}

/// The `.num` method.
pub fn num(_: &mut Interp, v: &Value, _: &[Value]) -> Res {
    Ok(Value::Num(match v {
        Value::Num(n) => *n,
        Value::Str(s) => {
            let n = parse_leading(s);
            if n.is_nan() { 0.0 } else { n }
        }
        Value::Bool(b) => f64::from(u8::from(*b)),
        _ => 0.0,
    }))
}

fn js_ws(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// The `.trim` method.
pub fn trim(_: &mut Interp, v: &Value, _: &[Value]) -> Res {
    Ok(Value::str(s_of(v).trim_matches(js_ws)))
}

/// The `.lower` method.
pub fn lower(_: &mut Interp, v: &Value, _: &[Value]) -> Res {
    Ok(Value::string(s_of(v).to_lowercase()))
}

/// The `.upper` method.
pub fn upper(_: &mut Interp, v: &Value, _: &[Value]) -> Res {
    Ok(Value::string(s_of(v).to_uppercase()))
}

/// JS `String.prototype.split` with a string separator.
pub fn js_split(s: &str, sep: &str) -> Vec<Value> {
    if sep.is_empty() {
        return utf16(s)
            .chunks(1)
            .map(|c| Value::string(String::from_utf16_lossy(c)))
            .collect();
    }
    s.split(sep).map(Value::str).collect()
}

/// The `.split` method.
pub fn split(_: &mut Interp, v: &Value, args: &[Value]) -> Res {
    let sep = arg_s(args, 0).unwrap_or_else(|| "\n".into());
    Ok(Value::list(js_split(&s_of(v), &sep)))
}

/// The `.lines` method.
pub fn lines(_: &mut Interp, v: &Value, _: &[Value]) -> Res {
    Ok(Value::list(js_split(&s_of(v), "\n")))
}

/// The `.contains` method.
pub fn contains(_: &mut Interp, v: &Value, args: &[Value]) -> Res {
    Ok(Value::Bool(
        s_of(v).contains(&arg_s(args, 0).unwrap_or_default()),
    ))
}

/// The `.starts_with` method.
pub fn starts_with(_: &mut Interp, v: &Value, args: &[Value]) -> Res {
    Ok(Value::Bool(
        s_of(v).starts_with(&arg_s(args, 0).unwrap_or_default()),
    ))
}

/// The `.ends_with` method.
pub fn ends_with(_: &mut Interp, v: &Value, args: &[Value]) -> Res {
    Ok(Value::Bool(
        s_of(v).ends_with(&arg_s(args, 0).unwrap_or_default()),
    ))
}

/// The `.index_of` method.
pub fn index_of(_: &mut Interp, v: &Value, args: &[Value]) -> Res {
    let s = s_of(v);
    let needle = arg_s(args, 0).unwrap_or_default();
    Ok(Value::Num(match s.find(&needle) {
        Some(b) => s[..b].encode_utf16().count() as f64,
        None => -1.0,
    }))
}

/// Expand a JS replacement string (`$$`, `$&`, `` $` ``, `$'`, `$1`…`$99`, `$<name>`) for match `m`.
fn js_expand(rep: &str, m: &Found, text: &str) -> String {
    let c: Vec<char> = rep.chars().collect();
    let ngroups = m.groups.len();
    let group = |i: usize| m.group(i).map(|r| &text[r]).unwrap_or("");
    let mut out = String::new();
    let mut i = 0;
    while i < c.len() {
        if c[i] != '$' || i + 1 >= c.len() {
            out.push(c[i]);
            i += 1;
            continue;
        }
        match c[i + 1] {
            '$' => {
                out.push('$');
                i += 2;
            }
            '&' => {
                out.push_str(&text[m.range.clone()]);
                i += 2;
            }
            '`' => {
                out.push_str(&text[..m.start()]);
                i += 2;
            }
            '\'' => {
                out.push_str(&text[m.end()..]);
                i += 2;
            }
            d if d.is_ascii_digit() => {
                let one = d as usize - '0' as usize;
                let two = c
                    .get(i + 2)
                    .filter(|x| x.is_ascii_digit())
                    .map(|x| one * 10 + (*x as usize - '0' as usize));
                match two {
                    Some(n) if n >= 1 && n <= ngroups => {
                        out.push_str(group(n));
                        i += 3;
                    }
                    _ if one >= 1 && one <= ngroups => {
                        out.push_str(group(one));
                        i += 2;
                    }
                    _ => {
                        out.push('$');
                        i += 1;
                    }
                }
            }
            '<' => {
                let close = c[i + 2..].iter().position(|x| *x == '>');
                let has_names = !m.names.is_empty();
                match close {
                    Some(k) if has_names => {
                        let name: String = c[i + 2..i + 2 + k].iter().collect();
                        if let Some(r) = m.named_group(&name) {
                            out.push_str(&text[r]);
                        }
                        i += 3 + k;
                    }
                    _ => {
                        out.push('$');
                        i += 1;
                    }
                }
            }
            _ => {
                out.push('$');
                i += 1;
            }
        }
    }
    out
}

/// The pattern argument and its compiled regex (`None` when the pattern is invalid).
fn regex_of(it: &mut Interp, args: &[Value]) -> (String, Option<std::rc::Rc<JsRegex>>) {
    let p = arg_s(args, 0).unwrap_or_default();
    let re = if args.is_empty() { None } else { it.regex(&p) };
    (p, re)
}

/// The `.replace` method: first match of an ECMAScript regex, JS replacement syntax.
pub fn replace(it: &mut Interp, v: &Value, args: &[Value]) -> Res {
    let s = s_of(v);
    let (p, Some(re)) = regex_of(it, args) else {
        return Ok(Value::string(s));
    };
    let rep = arg_s(args, 1).unwrap_or_default();
    Ok(Value::string(match re.find(&p, &s)? {
        Some(m) => format!(
            "{}{}{}",
            &s[..m.start()],
            js_expand(&rep, &m, &s),
            &s[m.end()..]
        ),
        None => s,
    }))
}

/// The `.replace_all` method: every match of an ECMAScript regex.
pub fn replace_all(it: &mut Interp, v: &Value, args: &[Value]) -> Res {
    let s = s_of(v);
    let (p, Some(re)) = regex_of(it, args) else {
        return Ok(Value::string(s));
    };
    let rep = arg_s(args, 1).unwrap_or_default();
    let mut out = String::new();
    let mut last = 0;
    for m in re.find_all(&p, &s)? {
        out.push_str(&s[last..m.start()]);
        out.push_str(&js_expand(&rep, &m, &s));
        last = m.end();
    }
    out.push_str(&s[last..]);
    Ok(Value::string(out))
}

/// The `.match` method: `[matched, index, groups]` of the first match, or `[:]`.
pub fn match_(it: &mut Interp, v: &Value, args: &[Value]) -> Res {
    let s = s_of(v);
    let (p, re) = regex_of(it, args);
    let m = match re {
        Some(re) => re.find(&p, &s)?,
        None => None,
    };
    let Some(m) = m else {
        return Ok(Value::dict(Dict::default()));
    };
    let mut d = Dict::default();
    d.insert("matched".into(), Value::str(&s[m.range.clone()]));
    d.insert(
        "index".into(),
        Value::Num(s[..m.start()].encode_utf16().count() as f64),
    );
    let groups: Vec<Value> = m
        .groups
        .iter()
        .map(|g| Value::str(g.clone().map(|r| &s[r]).unwrap_or("")))
        .collect();
    d.insert("groups".into(), Value::list(groups));
    Ok(Value::dict(d))
}

/// The `.is_match` method.
pub fn is_match(it: &mut Interp, v: &Value, args: &[Value]) -> Res {
    let s = s_of(v);
    let (p, re) = regex_of(it, args);
    Ok(Value::Bool(match re {
        Some(re) => re.find(&p, &s)?.is_some(),
        None => false,
    }))
}

/// The `.repeat` method.
pub fn repeat(_: &mut Interp, v: &Value, args: &[Value]) -> Res {
    let n = match args.first() {
        Some(Value::Num(n)) => n.floor().max(0.0),
        _ => 0.0,
    };
    let s = s_of(v);
    if (s.len() as f64) * n > 100_000_000.0 {
        return Err(r001("repeat count too large"));
    }
    Ok(Value::string(s.repeat(n as usize)))
}

fn pad(v: &Value, args: &[Value], start: bool) -> Res {
    let s = s_of(v);
    let target = match args.first() {
        Some(Value::Num(n)) => n.clamp(0.0, 100_000_000.0) as usize,
        _ => 0,
    };
    let fill = arg_s(args, 1).unwrap_or_else(|| " ".into());
    let su = utf16(&s);
    if target <= su.len() || fill.is_empty() {
        return Ok(Value::string(s));
    }
    let fu = utf16(&fill);
    let need = target - su.len();
    let padding: Vec<u16> = fu.iter().cycle().take(need).copied().collect();
    let p = String::from_utf16_lossy(&padding);
    Ok(Value::string(if start { p + &s } else { s + &p }))
}

/// The `.pad_start` method.
pub fn pad_start(_: &mut Interp, v: &Value, args: &[Value]) -> Res {
    pad(v, args, true)
}

/// The `.pad_end` method.
pub fn pad_end(_: &mut Interp, v: &Value, args: &[Value]) -> Res {
    pad(v, args, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_number_parse() {
        assert_eq!(parse_leading("3.7abc"), 3.7);
        assert!(parse_leading("abc").is_nan());
        assert_eq!(parse_leading(" -2"), -2.0);
    }

    #[test]
    fn replacement_syntax() {
        let p = "(\\d)(?<x>\\d)";
        let re = JsRegex::new(p).unwrap_or_else(|| panic!("invalid"));
        let s = "a12b";
        let m = re
            .find(p, s)
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("no match"));
        assert_eq!(
            js_expand("[$1|$2|$&|$<x>|$$|$9|$`|$']", &m, s),
            "[1|2|12|2|$|$9|a|b]"
        );
    }
}
