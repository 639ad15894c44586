//! Dates as JavaScript prints them: `Date.prototype.toISOString()` (`YYYY-MM-DDTHH:mm:ss.sssZ`,
//! UTC), which rill's fs `stat` returns for local files and S3 objects alike, and the civil
//! calendar arithmetic behind it (also used for the CLI's own timestamps).

use std::time::SystemTime;

/// `t` as JavaScript's `Date.toISOString()` prints it: `YYYY-MM-DDTHH:mm:ss.sssZ`, UTC,
/// milliseconds truncated; years outside 0–9999 as `±YYYYYY`.
pub fn iso8601(t: SystemTime) -> String {
    let ms: i64 = match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        // Before 1970: floor to whole milliseconds, as Date does.
        Err(e) => {
            let d = e.duration();
            let whole = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
            let frac = d.as_nanos() % 1_000_000 != 0;
            -(whole + i64::from(frac))
        }
    };
    iso8601_ms(ms)
}

/// `new Date(ms).toISOString()`.
pub fn iso8601_ms(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss, mss) = (
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000,
    );
    let year = if (0..=9999).contains(&y) {
        format!("{y:04}")
    } else if y < 0 {
        format!("-{:06}", -y)
    } else {
        format!("+{y:06}")
    };
    format!("{year}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{mss:03}Z")
}

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `Date.toISOString()` of `secs` seconds and `millis` milliseconds after the epoch.
pub fn iso_string(secs: i64, millis: u32) -> String {
    let ms = secs.saturating_mul(1000).saturating_add(i64::from(millis));
    iso8601_ms(ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn iso8601_matches_date_to_iso_string() {
        let at = |ms: u64| iso8601(SystemTime::UNIX_EPOCH + Duration::from_millis(ms));
        assert_eq!(at(0), "1970-01-01T00:00:00.000Z");
        // new Date(1700000000123).toISOString()
        assert_eq!(at(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        // 2024-02-29T23:59:59.999Z (leap day)
        assert_eq!(at(1_709_251_199_999), "2024-02-29T23:59:59.999Z");
        let sub_ms = SystemTime::UNIX_EPOCH + Duration::from_micros(1_500);
        assert_eq!(iso8601(sub_ms), "1970-01-01T00:00:00.001Z");
        let before = SystemTime::UNIX_EPOCH - Duration::from_millis(1);
        assert_eq!(iso8601(before), "1969-12-31T23:59:59.999Z");
        let far = SystemTime::UNIX_EPOCH + Duration::from_secs(253_402_300_800);
        assert_eq!(iso8601(far), "+010000-01-01T00:00:00.000Z");
    }

    #[test]
    fn seconds_and_millis() {
        assert_eq!(iso_string(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_string(1_764_108_000, 7), "2025-11-25T22:00:00.007Z");
        assert_eq!(iso_string(951_782_400, 0), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso_string(-1, 999), "1969-12-31T23:59:59.999Z");
    }
}
