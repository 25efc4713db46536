//! EVTX event logs (Vista and later), read with the `evtx` crate.

use std::collections::BTreeMap;

use crate::json::Json;
use jiff::Timestamp;

use crate::{Event, WindowsError};

/// The plain-words name of an event id from a given provider, for the
/// events investigators look for first; `None` for the rest.
pub fn curated_name(event_id: u64, provider: &str) -> Option<&'static str> {
    let p = provider.to_ascii_lowercase();
    let name = match event_id {
        4624 => "logon",
        4625 => "failed logon",
        4634 => "logoff",
        4647 => "user-initiated logoff",
        4648 => "logon with explicit credentials",
        4672 => "special privileges assigned to new logon",
        4720 => "account created",
        4722 => "account enabled",
        4724 => "password reset attempt",
        4726 => "account deleted",
        4732 => "member added to security-enabled local group",
        1102 if p.contains("eventlog") || p.contains("security") => "security log cleared",
        104 if p.contains("eventlog") => "event log cleared",
        7045 => "service installed",
        7034 => "service crashed",
        7036 => "service state changed",
        7040 => "service start type changed",
        4697 => "service installed (security log)",
        1149 if p.contains("remoteconnectionmanager") || p.contains("terminalservices") => {
            "RDP user authenticated"
        }
        21 if p.contains("localsessionmanager") => "RDP session logon",
        22 if p.contains("localsessionmanager") => "RDP shell start",
        23 if p.contains("localsessionmanager") => "RDP session logoff",
        24 if p.contains("localsessionmanager") => "RDP session disconnected",
        25 if p.contains("localsessionmanager") => "RDP session reconnected",
        6416 => "external device recognised (PnP)",
        20001 if p.contains("userpnp") || p.contains("user pnp") => "device driver installed (PnP)",
        20003 if p.contains("userpnp") => "device service added (PnP)",
        1116 if p.contains("defender") => "Defender detected malware",
        1117 if p.contains("defender") => "Defender acted on malware",
        6005 if p.contains("eventlog") => "event log service started (boot)",
        6006 if p.contains("eventlog") => "event log service stopped (shutdown)",
        6008 if p.contains("eventlog") => "unexpected shutdown",
        4608 => "Windows starting up",
        // Legacy (NT to XP/2003) security and system ids, as found in .evt logs.
        528 if p.contains("security") => "logon",
        540 if p.contains("security") => "network logon",
        529..=537 if p.contains("security") => "failed logon",
        538 if p.contains("security") => "logoff",
        551 if p.contains("security") => "user-initiated logoff",
        552 if p.contains("security") => "logon with explicit credentials",
        517 if p.contains("security") => "security log cleared",
        624 if p.contains("security") => "account created",
        626 if p.contains("security") => "account enabled",
        628 if p.contains("security") => "password set",
        630 if p.contains("security") => "account deleted",
        636 if p.contains("security") => "member added to local group",
        601 if p.contains("security") => "service installed (security log)",
        7035 => "service control request sent",
        4616 => "system time changed",
        _ => return None,
    };
    Some(name)
}

fn logon_type(t: &str) -> &'static str {
    match t {
        "2" => "interactive",
        "3" => "network",
        "4" => "batch",
        "5" => "service",
        "7" => "unlock",
        "8" => "network cleartext",
        "9" => "new credentials",
        "10" => "remote interactive (RDP)",
        "11" => "cached interactive",
        _ => "other",
    }
}

pub(crate) fn parse(name: &str, data: &[u8]) -> Result<Vec<Event>, WindowsError> {
    parse_owned(name, data.to_vec())
}

/// [`parse`] of a buffer the caller gives away.
pub(crate) fn parse_owned(name: &str, data: Vec<u8>) -> Result<Vec<Event>, WindowsError> {
    let settings = evtx::ParserSettings::new()
        .num_threads(1)
        .recover_records(true)
        .separate_json_attributes(false);
    let mut parser = evtx::EvtxParser::from_buffer(data)
        .map_err(|e| WindowsError::corrupt(name, format!("EVTX: {e}")))?
        .with_configuration(settings);
    let mut out = Vec::new();
    let mut numbers = BTreeMap::new();
    for rec in parser.records_json() {
        let Ok(rec) = rec else { continue };
        let (number, written, recovered) = (rec.event_record_id, rec.timestamp, rec.recovered);
        // Only the parts used are built; the rest of the record is skipped
        // unparsed. A record this shape does not fit (a repeated key, an
        // odd type) is read whole instead, as before.
        let events = if let Ok(doc) = serde_json::from_str::<RecordDoc>(&rec.data) {
            let ev = doc.event.as_ref();
            let sys = ev.and_then(|e| e.system.as_ref());
            let get = |k: &str| sys.and_then(|s| s.get(k));
            let sections = [
                ev.and_then(|e| e.event_data.as_ref()),
                ev.and_then(|e| e.user_data.as_ref()),
            ];
            record(name, number, written, &get, sections, recovered)
        } else if let Ok(data) = serde_json::from_str::<Json>(&rec.data) {
            // As `records_json_value` would, minus its error on bad JSON.
            let ev = data.get("Event");
            let sys = ev.and_then(|e| e.get("System"));
            let get = |k: &str| sys.and_then(|s| s.get(k));
            let sections = [
                ev.and_then(|e| e.get("EventData")),
                ev.and_then(|e| e.get("UserData")),
            ];
            record(name, number, written, &get, sections, recovered)
        } else {
            continue;
        };
        if !rec.recovered {
            numbers.insert(rec.event_record_id, Some(rec.timestamp));
        }
        out.extend(events);
    }
    flag_gaps(name, &numbers, &mut out);
    Ok(out)
}

fn text(v: Option<&Json>) -> String {
    match v {
        None | Some(Json::Null) => String::new(),
        Some(o @ Json::Obj(_)) => o.get("#text").map(|t| text(Some(t))).unwrap_or_default(),
        Some(Json::Arr(a)) => a
            .iter()
            .map(|x| text(Some(x)))
            .collect::<Vec<_>>()
            .join(" "),
        Some(other) => other.scalar().unwrap_or_default(),
    }
}

fn attr<'a, 'b>(v: Option<&'b Json<'a>>, a: &str) -> Option<&'b Json<'a>> {
    v?.get("#attributes")?.get(a)
}

/// The parts of a rendered record that [`record`] reads.
#[derive(serde::Deserialize)]
struct RecordDoc<'a> {
    #[serde(rename = "Event", borrow)]
    event: Option<EventDoc<'a>>,
}

#[derive(serde::Deserialize)]
struct EventDoc<'a> {
    #[serde(rename = "System", borrow)]
    system: Option<SystemDoc<'a>>,
    #[serde(rename = "EventData", borrow)]
    event_data: Option<Json<'a>>,
    #[serde(rename = "UserData", borrow)]
    user_data: Option<Json<'a>>,
}

#[derive(serde::Deserialize)]
#[allow(non_snake_case)]
struct SystemDoc<'a> {
    #[serde(borrow)]
    Provider: Option<Json<'a>>,
    #[serde(borrow)]
    EventID: Option<Json<'a>>,
    #[serde(borrow)]
    Level: Option<Json<'a>>,
    #[serde(borrow)]
    TimeCreated: Option<Json<'a>>,
    #[serde(borrow)]
    Channel: Option<Json<'a>>,
    #[serde(borrow)]
    Computer: Option<Json<'a>>,
    #[serde(borrow)]
    Security: Option<Json<'a>>,
}

impl<'a> SystemDoc<'a> {
    fn get(&self, k: &str) -> Option<&Json<'a>> {
        match k {
            "Provider" => self.Provider.as_ref(),
            "EventID" => self.EventID.as_ref(),
            "Level" => self.Level.as_ref(),
            "TimeCreated" => self.TimeCreated.as_ref(),
            "Channel" => self.Channel.as_ref(),
            "Computer" => self.Computer.as_ref(),
            "Security" => self.Security.as_ref(),
            _ => None,
        }
    }
}

/// The events of one record: `sys` gives a member of its `System`
/// element, `sections` its `EventData` and `UserData`.
fn record<'b, 'a: 'b>(
    name: &str,
    number: u64,
    written: Timestamp,
    sys: &dyn Fn(&str) -> Option<&'b Json<'a>>,
    sections: [Option<&'b Json<'a>>; 2],
    recovered: bool,
) -> Vec<Event> {
    let event_id: u64 = text(sys("EventID")).trim().parse().unwrap_or(0);
    let provider = text(attr(sys("Provider"), "Name"));
    let computer = text(sys("Computer"));
    let channel = text(sys("Channel"));
    let user_sid = text(attr(sys("Security"), "UserID"));
    let level = text(sys("Level"));
    let created = text(attr(sys("TimeCreated"), "SystemTime"))
        .parse::<Timestamp>()
        .ok();
    let mut fields = BTreeMap::new();
    for d in sections.into_iter().flatten() {
        flatten("", d, &mut fields);
    }
    let curated = curated_name(event_id, &provider);
    let kind = match curated {
        Some(n) => format!("evtx:{event_id} {n}"),
        None => "evtx:record".to_string(),
    };
    let mut description = match curated {
        Some(n) => format!("{n} (event {event_id} from {provider} on {computer})"),
        None => format!("event {event_id} from {provider} on {computer}"),
    };
    if matches!(event_id, 4624 | 4625 | 4634) {
        if let Some(t) = fields.get("data.LogonType") {
            let user = fields
                .get("data.TargetUserName")
                .cloned()
                .unwrap_or_default();
            let domain = fields
                .get("data.TargetDomainName")
                .cloned()
                .unwrap_or_default();
            description.push_str(&format!(
                ": {domain}\\{user}, logon type {t} ({})",
                logon_type(t)
            ));
            let ip = fields.get("data.IpAddress").cloned().unwrap_or_default();
            if !ip.is_empty() && ip != "-" {
                description.push_str(&format!(" from {ip}"));
            }
        }
    }
    let get = |k: &str| {
        fields
            .get(&format!("data.{k}"))
            .filter(|v| !v.is_empty() && *v != "-")
            .cloned()
    };
    match event_id {
        4720 | 4722 | 4724 | 4726 | 4732 | 4648 | 4647 => {
            if let Some(u) = get("TargetUserName") {
                let d = get("TargetDomainName").unwrap_or_default();
                description.push_str(&format!(": account {d}\\{u}"));
            }
        }
        7045 | 4697 => {
            let n = get("ServiceName").unwrap_or_default();
            let img = get("ImagePath")
                .or_else(|| get("ServiceFileName"))
                .unwrap_or_default();
            description.push_str(&format!(": {n} ({img})"));
        }
        1116 | 1117 if curated.is_some() => {
            let n = get("Threat Name").unwrap_or_default();
            let path = get("Path").unwrap_or_default();
            description.push_str(&format!(": {n} in {path}"));
        }
        1149 if curated.is_some() => {
            let u = get("EventXML.Param1").unwrap_or_default();
            let ip = get("EventXML.Param3").unwrap_or_default();
            description.push_str(&format!(": user {u} from {ip}"));
        }
        21..=25 if curated.is_some() => {
            let u = get("EventXML.User").unwrap_or_default();
            let ip = get("EventXML.Address").unwrap_or_default();
            description.push_str(&format!(": user {u} from {ip}"));
        }
        _ => {}
    }
    let location = if recovered {
        format!("record {number} (recovered)")
    } else {
        format!("record {number}")
    };
    // The record's fields, built once and shared by its two events.
    let system = [
        ("event_id", event_id.to_string()),
        ("provider", provider),
        ("record_number", number.to_string()),
        ("computer", computer),
        ("channel", channel),
        ("level", level),
    ];
    fields.extend(system.map(|(k, v)| (k.to_string(), v)));
    if !user_sid.is_empty() {
        fields.insert("user_sid".to_string(), user_sid);
    }
    if recovered {
        fields.insert("recovered".to_string(), "true".to_string());
    }
    let fields = std::sync::Arc::new(fields);
    let b = Event {
        time: Some(written),
        time_desc: "written".into(),
        kind: "evtx:written".into(),
        description: format!("record written: {description}"),
        source: name.to_string(),
        location: location.clone(),
        fields: fields.clone(),
    };
    let mut a = Event::new(created, "created", &kind, description, name, location);
    a.fields = fields;
    vec![a, b]
}

/// Puts `v`'s leaves in `out` as `data.<path>`.
fn flatten(prefix: &str, v: &Json, out: &mut BTreeMap<String, String>) {
    match v {
        Json::Obj(m) => {
            // <Data Name="X">v</Data> comes through as X: v; unnamed data as
            // an array under "Data".
            for (k, x) in m {
                if k == "#attributes" {
                    continue;
                }
                let key = if prefix.is_empty() {
                    k.to_string()
                } else if k == "#text" {
                    prefix.to_string()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, x, out);
            }
        }
        Json::Arr(a) => {
            for (i, x) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), x, out);
            }
        }
        Json::Null => {}
        other => {
            out.insert(format!("data.{prefix}"), text(Some(other)));
        }
    }
}

/// Adds one `log:record-gap` event for each run of missing record numbers
/// between the first and last record: records are numbered consecutively,
/// so a gap can mean selective deletion (or a log that wrapped oddly).
pub(crate) fn flag_gaps(
    name: &str,
    numbers: &BTreeMap<u64, Option<Timestamp>>,
    out: &mut Vec<Event>,
) {
    let mut prev: Option<(u64, Option<Timestamp>)> = None;
    for (&n, &t) in numbers {
        if let Some((p, pt)) = prev {
            if n > p + 1 {
                let missing = n - p - 1;
                out.push(
                    Event::new(
                        pt,
                        "last record before gap",
                        "log:record-gap",
                        format!(
                            "{missing} record(s) missing between record {p} and {n}: possible deletion"
                        ),
                        name,
                        format!("records {}-{}", p + 1, n - 1),
                    )
                    .field("missing", missing)
                    .field("before", p)
                    .field("after", n)
                    .field("after_time", t.map(|t| t.to_string()).unwrap_or_default()),
                );
            }
        }
        prev = Some((n, t));
    }
}
