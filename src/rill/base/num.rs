//! Numbers as JavaScript prints them (shared by the lexers, values and builtins).

/// JavaScript `String(n)` formatting.
pub fn fmt_num(n: f64) -> String {
    if n == 0.0 {
        return "0".into();
    }
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        return (n as i64).to_string();
    }
    let mut b = ryu_js::Buffer::new();
    b.format(n).to_string()
}
