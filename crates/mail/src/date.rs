//! A tolerant date parser for the time stamps written in `Received` headers.
//!
//! Mail servers write dates in many shapes: RFC 5322 (`Sat, 21 Apr 2018
//! 03:01:01 +0000`), with fractional seconds (`02:54:16.987`), in US order
//! (`4/20/2018 11:01:16 PM -0400`), ISO-like (`2018-04-22 02:54:17.028704749
//! +0000 UTC`) and with or without a weekday. A date without any zone is read
//! as UTC, as Microsoft's Message Header Analyzer does.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::Offset;
use jiff::Timestamp;

/// A parsed date: the instant and the zone as written (`+07:00`, or the
/// abbreviation when only one was given).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParsedDate {
    pub(crate) time: Timestamp,
    pub(crate) zone: Option<String>,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month_of(word: &str) -> Option<i8> {
    let w = word.get(..3)?.to_ascii_lowercase();
    // Only whole month names or their three-letter forms ("Sept" too).
    MONTHS
        .iter()
        .position(|m| *m == w)
        .filter(|_| word.len() == 3 || word.chars().all(|c| c.is_ascii_alphabetic()))
        .map(|i| i as i8 + 1)
}

fn zone_abbreviation(word: &str) -> Option<i32> {
    let hours = match word.to_ascii_uppercase().as_str() {
        "UT" | "UTC" | "GMT" | "Z" => 0,
        "EST" => -5,
        "EDT" => -4,
        "CST" => -6,
        "CDT" => -5,
        "MST" => -7,
        "MDT" => -6,
        "PST" => -8,
        "PDT" => -7,
        _ => return None,
    };
    Some(hours * 3600)
}

/// `+0700`, `-04:00`, `+07` → seconds east of UTC.
fn numeric_zone(word: &str) -> Option<i32> {
    let (sign, rest) = match word.as_bytes().first()? {
        b'+' => (1, &word[1..]),
        b'-' => (-1, &word[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i32>().ok()?, 0),
        4 => (
            digits.get(..2)?.parse::<i32>().ok()?,
            digits.get(2..)?.parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

fn format_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    format!("{sign}{:02}:{:02}", s / 3600, (s % 3600) / 60)
}

/// `h:mm[:ss[.fraction]]` → (hour, minute, second, nanoseconds).
fn parse_time(word: &str) -> Option<(i8, i8, i8, i32)> {
    let mut parts = word.split(':');
    let h: i8 = parts.next()?.parse().ok()?;
    let m: i8 = parts.next()?.parse().ok()?;
    let (s, nanos) = match parts.next() {
        None => (0, 0),
        Some(sec) => {
            let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
            let s: i8 = whole.parse().ok()?;
            let mut nanos = 0i32;
            let mut scale = 100_000_000i32;
            for c in frac.chars() {
                let d = c.to_digit(10)? as i32;
                nanos += d * scale;
                scale /= 10;
                if scale == 0 {
                    break;
                }
            }
            (s, nanos)
        }
    };
    if parts.next().is_some() || h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some((h, m, s.min(59), nanos))
}

fn year_of(n: i32, digits: usize) -> i16 {
    if digits <= 2 {
        (if n < 50 { 2000 + n } else { 1900 + n }) as i16
    } else {
        n as i16
    }
}

/// `4/20/2018`, `4-20-2018`, `2018-4-20`, `2018/04/20` → (year, month, day).
fn parse_numeric_date(word: &str) -> Option<(i16, i8, i8)> {
    let sep = if word.contains('/') { '/' } else { '-' };
    let parts: Vec<&str> = word.split(sep).collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || p.len() > 4) {
        return None;
    }
    let nums: Vec<i32> = parts
        .iter()
        .map(|p| p.parse::<i32>().ok())
        .collect::<Option<_>>()?;
    if parts[0].len() == 4 {
        return Some((nums[0] as i16, nums[1] as i8, nums[2] as i8));
    }
    if parts[2].len() != 4 && parts[2].len() != 2 {
        return None;
    }
    let year = year_of(nums[2], parts[2].len());
    // US order (month first) unless the first number cannot be a month.
    if nums[0] > 12 {
        Some((year, nums[1] as i8, nums[0] as i8))
    } else {
        Some((year, nums[0] as i8, nums[1] as i8))
    }
}

/// Parses a date as found after the `;` of a `Received` header (or a `Date`
/// header). Returns `None` when no complete date and time is present.
pub(crate) fn parse_date(text: &str) -> Option<ParsedDate> {
    // Drop comments: "(PDT)", "(UTC)", "(envelope-from …)".
    let mut clean = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => clean.push(c),
            _ => {}
        }
    }
    let mut year: Option<i16> = None;
    let mut month: Option<i8> = None;
    let mut day: Option<i8> = None;
    let mut time: Option<(i8, i8, i8, i32)> = None;
    let mut pm: Option<bool> = None;
    let mut offset: Option<i32> = None;
    let mut zone: Option<String> = None;
    let words = clean
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty());
    for raw in words {
        // ISO "2018-04-22T02:54:17Z".
        let (word, rest) = match raw.split_once('T') {
            Some((d, t)) if d.len() >= 8 && d.contains('-') && t.contains(':') => (d, Some(t)),
            _ => (raw, None),
        };
        for w in std::iter::once(word).chain(rest) {
            classify(
                w,
                &mut year,
                &mut month,
                &mut day,
                &mut time,
                &mut pm,
                &mut offset,
                &mut zone,
            );
        }
    }
    let (mut h, m, s, nanos) = time?;
    match pm {
        Some(true) if h < 12 => h += 12,
        Some(false) if h == 12 => h = 0,
        _ => {}
    }
    let date = Date::new(year?, month?, day?).ok()?;
    let t = Time::new(h, m, s, nanos).ok()?;
    let off = Offset::from_seconds(offset.unwrap_or(0)).ok()?;
    let ts = DateTime::from_parts(date, t)
        .to_zoned(off.to_time_zone())
        .ok()?;
    Some(ParsedDate {
        time: ts.timestamp(),
        zone,
    })
}

#[allow(clippy::too_many_arguments)]
fn classify(
    w: &str,
    year: &mut Option<i16>,
    month: &mut Option<i8>,
    day: &mut Option<i8>,
    time: &mut Option<(i8, i8, i8, i32)>,
    pm: &mut Option<bool>,
    offset: &mut Option<i32>,
    zone: &mut Option<String>,
) {
    if w.contains(':') && w.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        // "13:35:10.102" or "17:59:05Z" or "10:00:00+07:00"
        let (t, z) = match w.find(['+', '-', 'Z']) {
            Some(i) => (&w[..i], Some(&w[i..])),
            None => (w, None),
        };
        if time.is_none() {
            *time = parse_time(t);
        }
        if let Some(z) = z {
            if offset.is_none() {
                if let Some(o) = numeric_zone(z).or_else(|| zone_abbreviation(z)) {
                    *offset = Some(o);
                    *zone = Some(format_offset(o));
                }
            }
        }
        return;
    }
    if (w.starts_with('+') || w.starts_with('-')) && w.len() > 1 {
        if offset.is_none() {
            if let Some(o) = numeric_zone(w) {
                *offset = Some(o);
                *zone = Some(format_offset(o));
            }
        }
        return;
    }
    if w.eq_ignore_ascii_case("am") || w.eq_ignore_ascii_case("pm") {
        *pm = Some(w.eq_ignore_ascii_case("pm"));
        return;
    }
    if (w.contains('/') || w.contains('-')) && w.chars().next().is_some_and(|c| c.is_ascii_digit())
    {
        if year.is_none() {
            if let Some((y, m, d)) = parse_numeric_date(w) {
                *year = Some(y);
                *month = Some(m);
                *day = Some(d);
            }
        }
        return;
    }
    if w.chars().all(|c| c.is_ascii_digit()) {
        let Ok(n) = w.parse::<i32>() else { return };
        if w.len() == 4 {
            if year.is_none() {
                *year = Some(n as i16);
            }
        } else if w.len() > 2 {
            // Not part of a date (a port, a count…).
        } else if day.is_none() && (1..=31).contains(&n) {
            *day = Some(n as i8);
        } else if year.is_none() {
            *year = Some(year_of(n, w.len()));
        }
        return;
    }
    if let Some(m) = month_of(w) {
        if month.is_none() {
            *month = Some(m);
        }
        return;
    }
    if offset.is_none() {
        if let Some(o) = zone_abbreviation(w) {
            *offset = Some(o);
            *zone = Some(w.to_ascii_uppercase());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        parse_date(s).map(|d| d.time.as_millisecond()).unwrap_or(-1)
    }

    #[test]
    fn common_forms() {
        assert_eq!(ms("Sat, 21 Apr 2018 03:01:01 +0000"), 1524279661000);
        assert_eq!(ms("Fri, 20 Apr 2018 17:51:19 -0400 (EDT)"), 1524261079000);
        assert_eq!(ms("2018-04-22 02:54:17.028704749 +0000 UTC"), 1524365657028);
        assert_eq!(ms("2023-07-26T17:59:05Z"), 1690394345000);
        assert_eq!(ms("garbage"), -1);
        assert_eq!(ms(""), -1);
        assert_eq!(ms("99:99:99 1 Foo 2020"), -1);
    }

    #[test]
    fn zone_as_written() {
        let d = parse_date("Mon, 3 Jun 2024 10:00:00 +0700").unwrap();
        assert_eq!(d.zone.as_deref(), Some("+07:00"));
    }
}
