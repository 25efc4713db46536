//! The one model every parser fills: conversations, messages, calls,
//! contacts, each with the place in the extraction it was read from.

use std::cmp::Ordering;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The app (or system service) a record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum App {
    /// WhatsApp (Android and iOS).
    WhatsApp,
    /// SMS and MMS (Android telephony provider, iOS `sms.db` with an SMS
    /// service).
    Sms,
    /// Apple iMessage (iOS `sms.db` with the iMessage service).
    IMessage,
    /// The phone's own call log and address book (Android
    /// `calllog.db`/`contacts2.db`, iOS `CallHistory.storedata` and
    /// `AddressBook.sqlitedb`).
    Phone,
    /// Facebook Messenger.
    Messenger,
    /// LINE.
    Line,
}

impl App {
    /// Every app, in output order.
    pub const ALL: [App; 6] = [
        App::WhatsApp,
        App::Sms,
        App::IMessage,
        App::Phone,
        App::Messenger,
        App::Line,
    ];

    /// The lower-case name used in JSON and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            App::WhatsApp => "whatsapp",
            App::Sms => "sms",
            App::IMessage => "imessage",
            App::Phone => "phone",
            App::Messenger => "messenger",
            App::Line => "line",
        }
    }

    /// The app named `name` (as returned by [`App::name`]).
    pub fn from_name(name: &str) -> Option<App> {
        let n = name.to_ascii_lowercase();
        App::ALL.into_iter().find(|a| a.name() == n)
    }
}

impl std::fmt::Display for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a record was read: the database's path inside the extraction, the
/// table and the row id, so an examiner can find the row again with any
/// SQLite tool.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Provenance {
    /// Path of the database inside the extraction (`/`-separated; for an iOS
    /// backup `domain/relativePath`).
    pub file: String,
    /// Table the row came from.
    pub table: String,
    /// The row's id (`rowid`, `_id`, `Z_PK` …).
    pub row: i64,
}

/// A person or account taking part in a conversation or call.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Participant {
    /// The app's account id (WhatsApp JID, phone number or e-mail for
    /// SMS/iMessage).
    pub id: String,
    /// Phone number when the id carries one: E.164 (`+…`) for WhatsApp
    /// JIDs and international numbers, digits as written otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Display name as the app or the address book recorded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Participant {
    /// A participant with only an id; the phone number is derived from it
    /// when the id is a phone number or a WhatsApp user JID.
    pub fn new(id: impl Into<String>) -> Self {
        let id = id.into();
        let phone = phone_of(&id);
        Participant {
            id,
            phone,
            name: None,
        }
    }

    /// The same participant with a display name (empty names are dropped).
    pub fn named(mut self, name: Option<String>) -> Self {
        self.name = name.filter(|n| !n.trim().is_empty());
        self
    }

    /// True when `needle` (a number in any format, an id or a name) denotes
    /// this participant: digits are compared on their last 9 digits so that
    /// `+66 81 234 5678` matches `0812345678`.
    pub fn matches(&self, needle: &str) -> bool {
        let d: String = needle.chars().filter(char::is_ascii_digit).collect();
        if d.len() >= 6 {
            let tail = &d[d.len().saturating_sub(9)..];
            let mine: String = self
                .phone
                .as_deref()
                .unwrap_or(&self.id)
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            if mine.ends_with(tail) {
                return true;
            }
        }
        let n = needle.to_lowercase();
        self.id.to_lowercase() == n || self.name.as_deref().is_some_and(|x| x.to_lowercase() == n)
    }
}

/// Phone number from a phone-number id (digits; `+` kept when written) or a
/// WhatsApp user JID (`66812345678@s.whatsapp.net` → `+66812345678`); group
/// and other JIDs have none.
pub(crate) fn phone_of(id: &str) -> Option<String> {
    let user = match id.split_once('@') {
        Some((u, "s.whatsapp.net")) | Some((u, "c.us")) => u,
        Some(_) => return None,
        None => id,
    };
    let plus = user.trim_start().starts_with('+');
    let digits: String = user.chars().filter(char::is_ascii_digit).collect();
    let only_phone_chars = user
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if !only_phone_chars || digits.len() < 5 || digits.len() > 15 {
        return None;
    }
    if plus || id.contains('@') {
        Some(format!("+{digits}"))
    } else {
        Some(digits)
    }
}

/// A chat: one-to-one or group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// App.
    pub app: App,
    /// The app's id of the chat (WhatsApp JID, SMS thread id, iMessage chat
    /// identifier); messages refer to it.
    pub id: String,
    /// Group subject or the partner's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// True for group chats.
    pub group: bool,
    /// Other participants (the device owner is not listed).
    pub participants: Vec<Participant>,
    /// Where it was read.
    pub provenance: Provenance,
}

/// Who sent a message or placed a call, seen from the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Received by the device owner.
    Incoming,
    /// Sent (or placed) by the device owner.
    Outgoing,
    /// The database does not say (drafts, system rows).
    Unknown,
}

/// A file attached to a message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    /// Path of the file inside the extraction, as the app recorded it and
    /// resolved against the database's folder; the file may be missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// File name (last component of the path, or the name the sender gave).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// MIME type when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime: Option<String>,
    /// Size in bytes when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// One message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// App.
    pub app: App,
    /// Id of the [`Conversation`] it belongs to.
    pub conversation: String,
    /// Incoming or outgoing.
    pub direction: Direction,
    /// Sender; `None` when the device owner sent it (see `direction`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender: Option<Participant>,
    /// Recipient as recorded (one-to-one chats); `None` for the device owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<Participant>,
    /// When it was sent or received, UTC (RFC 3339 in JSON).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<Timestamp>,
    /// Text (or caption).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// What kind of message the app says it is (`text`, `image`, `system` …).
    pub kind: String,
    /// Attached files.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub attachments: Vec<Attachment>,
    /// Shared location (latitude, longitude) for location messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<(f64, f64)>,
    /// `Some(true)` when the app marks it deleted/revoked; `None` when the
    /// schema does not record it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    /// `Some(true)` when the app marks it edited; `None` when not recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edited: Option<bool>,
    /// Where it was read.
    pub provenance: Provenance,
}

/// One call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// App.
    pub app: App,
    /// Incoming or outgoing.
    pub direction: Direction,
    /// The other side(s) of the call.
    pub peers: Vec<Participant>,
    /// Start, UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<Timestamp>,
    /// Duration in seconds as recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    /// True when the call was missed (not answered), as the app records or
    /// as stated in the parser's documentation.
    pub missed: bool,
    /// `Some(true)` for video calls when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video: Option<bool>,
    /// Where it was read.
    pub provenance: Provenance,
}

/// One address-book or app contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// App.
    pub app: App,
    /// Account id in the app (WhatsApp JID) when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Phone number as written in the address book.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Label of the number (`Mobile`, `Work` …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Status/about text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
    /// When the about text was set, UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub about_time: Option<Timestamp>,
    /// The address book's own id of the person (several numbers share it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub book_id: Option<String>,
    /// `Some(true)` when the address book marks the entry deleted (Android
    /// keeps deleted raw contacts until the next sync); `None` when not
    /// recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    /// Where it was read.
    pub provenance: Provenance,
}

/// One visit to a web page recorded by a browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    /// `chrome` or `safari`.
    pub browser: String,
    /// The address visited.
    pub url: String,
    /// Page title when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// When, UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<Timestamp>,
    /// Where it was read.
    pub provenance: Provenance,
}

/// Something the examiner must know: an unreadable file, an unknown layout,
/// a damaged WAL. The rest of the extraction is still read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Warning {
    /// Path inside the extraction.
    pub file: String,
    /// Table concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// What happened.
    pub message: String,
}

/// A lead (wallet, phone number, URL, onion …) found in a message's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Index of the message in [`crate::Extraction::messages`].
    pub message: usize,
    /// The message's provenance (stable across runs and versions).
    pub provenance: Provenance,
    /// Lead kind (`wallet`, `url`, `phone`, `onion` …).
    pub kind: String,
    /// The text as written in the message.
    pub value: String,
    /// Canonical form (E.164, refanged URL …).
    pub normalized: String,
    /// Byte offset of the lead in the message text.
    pub offset: u64,
    /// True when a checksum proved the value.
    pub validated: bool,
}

fn cmp_time(a: &Option<Timestamp>, b: &Option<Timestamp>) -> Ordering {
    a.cmp(b)
}

/// Output order of messages: conversation, time, provenance.
pub(crate) fn message_order(a: &Message, b: &Message) -> Ordering {
    (a.app, &a.conversation)
        .cmp(&(b.app, &b.conversation))
        .then_with(|| cmp_time(&a.time, &b.time))
        .then_with(|| a.provenance.cmp(&b.provenance))
}

/// Output order of calls: time, provenance.
pub(crate) fn call_order(a: &Call, b: &Call) -> Ordering {
    cmp_time(&a.time, &b.time).then_with(|| a.provenance.cmp(&b.provenance))
}

#[cfg(test)]
mod tests {
    use super::{phone_of, Participant};

    #[test]
    fn phone_numbers_from_ids() {
        assert_eq!(
            phone_of("66812345678@s.whatsapp.net").as_deref(),
            Some("+66812345678")
        );
        assert_eq!(phone_of("120363000000000001@g.us"), None);
        assert_eq!(phone_of("+66 81 234 5678").as_deref(), Some("+66812345678"));
        assert_eq!(phone_of("0812345678").as_deref(), Some("0812345678"));
        assert_eq!(phone_of("someone@icloud.com"), None);
        assert_eq!(phone_of("u1234567890abcdef"), None);
        let p = Participant::new("66812345678@s.whatsapp.net");
        assert!(p.matches("081-234-5678"));
        assert!(p.matches("+66812345678"));
        assert!(!p.matches("0899999999"));
    }
}
