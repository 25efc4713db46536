//! `setupapi.dev.log`: device and driver installs, which is where USB
//! storage first plugged in shows up. Section times are the machine's local
//! time; they are reported as if UTC (as other tools do) and each event
//! says so in its fields.

use jiff::civil::DateTime;
use jiff::Timestamp;

use crate::{Event, WindowsError};

fn parse_time(s: &str) -> Option<Timestamp> {
    // "2015/11/22 17:59:28.110"
    let s = s.trim();
    let dt: DateTime = jiff::fmt::strtime::parse("%Y/%m/%d %H:%M:%S%.f", s)
        .ok()?
        .to_datetime()
        .ok()?;
    dt.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

pub(crate) fn parse(name: &str, data: &[u8]) -> Result<Vec<Event>, WindowsError> {
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    let mut header: Option<(String, usize)> = None;
    let mut start: Option<Timestamp> = None;
    for (i, line) in text.lines().enumerate() {
        let l = line.trim_start();
        if let Some(rest) = l.strip_prefix(">>>  [") {
            header = Some((rest.trim_end_matches(']').to_string(), i + 1));
            start = None;
        } else if let Some(rest) = l.strip_prefix(">>>  Section start ") {
            start = parse_time(rest);
        } else if let Some(rest) = l.strip_prefix("<<<  Section end ") {
            let end = parse_time(rest);
            let (title, line_no) = header.clone().unwrap_or_default();
            let status = text
                .lines()
                .skip(i + 1)
                .take(2)
                .find_map(|s| s.trim_start().strip_prefix("<<<  [Exit status: "))
                .map(|s| s.trim_end_matches(']').to_string())
                .unwrap_or_default();
            let device = title.rsplit(" - ").next().unwrap_or("").to_string();
            let what = title.split(" - ").next().unwrap_or("").to_string();
            let usb = device.to_ascii_uppercase().contains("USBSTOR");
            let kind = if usb {
                "setupapi:usb-storage-install"
            } else {
                "setupapi:device-install"
            };
            for (t, desc) in [(start, "started"), (end, "ended")] {
                if t.is_none() {
                    continue;
                }
                out.push(
                    Event::new(
                        t,
                        desc,
                        kind,
                        format!("{title} {desc} ({status})"),
                        name,
                        format!("line {line_no}"),
                    )
                    .field("section", &title)
                    .field("action", &what)
                    .field("device", &device)
                    .field("status", &status)
                    .field("time_zone", "local time of the machine, shown as UTC"),
                );
            }
            header = None;
            start = None;
        }
    }
    Ok(out)
}
