//! rill v0.20's `datetime` and `duration` values: civil-date arithmetic on UTC milliseconds,
//! ISO 8601 parsing and formatting as the reference (JavaScript `Date`) does them.

use crate::store::js_date::civil_from_days;

pub const DAY_MS: f64 = 86_400_000.0;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The days in month `m` of year `y`.
pub fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The parts of a UTC instant: year, month, day, hour, minute, second, millisecond.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Parts {
    pub y: i64,
    pub mo: i64,
    pub d: i64,
    pub h: i64,
    pub mi: i64,
    pub s: i64,
    pub ms: i64,
}

pub fn parts(unix: f64) -> Parts {
    let t = unix as i64;
    let days = t.div_euclid(DAY_MS as i64);
    let rem = t.rem_euclid(DAY_MS as i64);
    let (y, mo, d) = civil_from_days(days);
    Parts {
        y,
        mo: i64::from(mo),
        d: i64::from(d),
        h: rem / 3_600_000,
        mi: rem % 3_600_000 / 60_000,
        s: rem % 60_000 / 1000,
        ms: rem % 1000,
    }
}

/// The instant of UTC parts.
pub fn from_parts(p: Parts) -> f64 {
    (days_from_civil(p.y, p.mo, p.d) as f64) * DAY_MS
        + (p.h * 3_600_000 + p.mi * 60_000 + p.s * 1000 + p.ms) as f64
}

/// ISO 1..=7, Monday first.
pub fn weekday(unix: f64) -> i64 {
    let days = (unix as i64).div_euclid(DAY_MS as i64);
    (days + 3).rem_euclid(7) + 1
}

/// `Date.prototype.toISOString`: `2026-03-13T08:00:00.000Z` (display, interpolation, JSON).
pub fn iso_millis(unix: f64) -> String {
    let p = parts(unix);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        p.y, p.mo, p.d, p.h, p.mi, p.s, p.ms
    )
}

/// The `iso(offset)` method: milliseconds only when present, `Z` or `+05:30`.
pub fn iso_at(unix: f64, offset_hours: f64) -> String {
    let p = parts(unix + offset_hours * 3_600_000.0);
    let ms = if p.ms > 0 {
        format!(".{:03}", p.ms)
    } else {
        String::new()
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{ms}{}",
        p.y,
        p.mo,
        p.d,
        p.h,
        p.mi,
        p.s,
        offset_suffix(offset_hours)
    )
}

fn offset_suffix(h: f64) -> String {
    if h == 0.0 {
        return "Z".into();
    }
    let total = (h.abs() * 60.0).round() as i64;
    let sign = if h >= 0.0 { '+' } else { '-' };
    format!("{sign}{:02}:{:02}", total / 60, total % 60)
}

/// Parse an ISO 8601 date or date-time (`2026-03-13`, `2026-03-13T08:00`, `…:00.5Z`,
/// `…+02:00`; no zone means UTC, as rill's constructor treats it).
pub fn parse_iso(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return None;
    }
    let mut p = Parts {
        y,
        mo,
        d,
        h: 0,
        mi: 0,
        s: 0,
        ms: 0,
    };
    let mut i = 10;
    let mut offset_min = 0i64;
    if i < b.len() {
        if b[i] != b'T' && b[i] != b' ' {
            return None;
        }
        p.h = num(i + 1..i + 3)?;
        if b.get(i + 3) != Some(&b':') {
            return None;
        }
        p.mi = num(i + 4..i + 6)?;
        i += 6;
        if b.get(i) == Some(&b':') {
            p.s = num(i + 1..i + 3)?;
            i += 3;
            if b.get(i) == Some(&b'.') {
                let start = i + 1;
                let mut end = start;
                while end < b.len() && b[end].is_ascii_digit() {
                    end += 1;
                }
                let frac = s.get(start..end)?;
                if frac.is_empty() {
                    return None;
                }
                let padded = format!("{:0<3}", &frac[..frac.len().min(3)]);
                p.ms = padded.parse().ok()?;
                i = end;
            }
        }
        match b.get(i) {
            None => {}
            Some(b'Z') if i + 1 == b.len() => {}
            Some(&c @ (b'+' | b'-')) if b.len() == i + 6 && b[i + 3] == b':' => {
                let m = num(i + 1..i + 3)? * 60 + num(i + 4..i + 6)?;
                offset_min = if c == b'+' { m } else { -m };
            }
            _ => return None,
        }
        if p.h > 23 || p.mi > 59 || p.s > 59 {
            return None;
        }
    }
    Some(from_parts(p) - (offset_min * 60_000) as f64)
}

/// `unix` plus `months` calendar months (the day clamped to the target month's last day),
/// plus `ms`.
pub fn add(unix: f64, months: f64, ms: f64) -> f64 {
    let mut p = parts(unix);
    if months != 0.0 {
        let total = p.y * 12 + (p.mo - 1) + months as i64;
        p.y = total.div_euclid(12);
        p.mo = total.rem_euclid(12) + 1;
        p.d = p.d.min(days_in_month(p.y, p.mo));
    }
    from_parts(p) + ms
}

/// `1y3mo2h`, `0ms` for an empty duration.
pub fn duration_display(months: f64, ms: f64) -> String {
    let mut out = String::new();
    let (years, months) = ((months / 12.0).floor(), months % 12.0);
    let mut push = |n: f64, unit: &str| {
        if n > 0.0 {
            out.push_str(&format!("{}{unit}", crate::rill::base::num::fmt_num(n)));
        }
    };
    push(years, "y");
    push(months, "mo");
    let mut rest = ms;
    for (size, unit) in [
        (DAY_MS, "d"),
        (3_600_000.0, "h"),
        (60_000.0, "m"),
        (1000.0, "s"),
    ] {
        push((rest / size).floor(), unit);
        rest %= size;
    }
    push(rest, "ms");
    if out.is_empty() {
        out.push_str("0ms");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trips_and_clamps_months() {
        let t = parse_iso("2026-03-13T08:00:00Z").unwrap();
        assert_eq!(t, 1_773_388_800_000.0);
        assert_eq!(iso_millis(t), "2026-03-13T08:00:00.000Z");
        assert_eq!(iso_at(t, 5.5), "2026-03-13T13:30:00+05:30");
        assert_eq!(weekday(t), 5);
        assert_eq!(parse_iso("2026-03-13T10:00:00+02:00"), Some(t));
        assert_eq!(parse_iso("now"), None);
        assert_eq!(parse_iso("2026-02-30"), None);
        let jan31 = parse_iso("2026-01-31").unwrap();
        assert_eq!(iso_at(add(jan31, 1.0, 0.0), 0.0), "2026-02-28T00:00:00Z");
        assert_eq!(duration_display(15.0, 7_200_000.0), "1y3mo2h");
        assert_eq!(duration_display(0.0, 0.0), "0ms");
    }
}
