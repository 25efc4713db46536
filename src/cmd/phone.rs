//! `exhibit phone read`: conversations, calls and contacts from a phone
//! extraction (folder, zip, tar or iOS backup), grouped by conversation, or
//! as JSON Lines.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use exhibit_phone::{
    read_extraction, App, Call, Contact, Conversation, Direction, Extraction, Message, Participant,
};
use serde::Serialize;

/// Subcommands of `exhibit phone`.
#[derive(clap::Subcommand, Debug)]
pub enum PhoneCommand {
    /// Read messages, calls and contacts from an Android or iOS extraction
    /// (folder, zip, tar or unencrypted iOS backup folder).
    Read(ReadArgs),
    /// Chat messages of a triaged case (every extraction in it), by
    /// evidence, conversation and time, each with its location.
    Chats(ChatsArgs),
}

/// Flags of `exhibit phone chats`.
#[derive(clap::Args, Debug)]
pub struct ChatsArgs {
    /// Case folder.
    pub case: PathBuf,
    /// Only this app (whatsapp, sms, imessage, phone, messenger, line).
    #[arg(long, value_name = "APP")]
    pub app: Option<String>,
    /// Only messages from or to this number, account id or name (numbers
    /// match on their last 9 digits).
    #[arg(long = "with", value_name = "NUMBER")]
    pub with: Option<String>,
    /// One JSON object per message (JSON Lines).
    #[arg(long)]
    pub json: bool,
}

/// Flags of `exhibit phone read`.
#[derive(clap::Args, Debug)]
pub struct ReadArgs {
    /// The extraction: a folder, a .zip, a .tar/.tar.gz, or an iOS backup
    /// folder (holding Manifest.db).
    #[arg(value_name = "EXTRACTION")]
    pub extraction: PathBuf,
    /// Only this app (whatsapp, sms, imessage, phone, messenger, line).
    #[arg(long, value_name = "APP")]
    pub app: Option<String>,
    /// Only conversations, calls and contacts involving this number, account
    /// id or name (numbers match on their last 9 digits).
    #[arg(long = "with", value_name = "NUMBER")]
    pub with: Option<String>,
    /// One JSON object per record (JSON Lines), each with a "type" field.
    #[arg(long)]
    pub json: bool,
}

/// Runs `exhibit phone`.
pub fn run(c: PhoneCommand) -> anyhow::Result<()> {
    match c {
        PhoneCommand::Read(a) => read(a),
        PhoneCommand::Chats(a) => chats(&a),
    }
}

/// A chat message stored by triage, with where it is.
#[derive(Serialize)]
struct Stored {
    evidence: String,
    location: String,
    #[serde(flatten)]
    message: Message,
}

fn chats(a: &ChatsArgs) -> anyhow::Result<()> {
    let app = app_named(a.app.as_deref())?;
    let store = crate::store::open(&a.case)
        .with_context(|| format!("{}: not a triaged case", a.case.display()))?;
    let mut found: Vec<Stored> = store
        .messages(None)?
        .into_iter()
        // E-mail rows have a different analysis; only chat records parse.
        .filter_map(|r| {
            let message: Message = serde_json::from_str(r.analysis.as_deref()?).ok()?;
            Some(Stored {
                evidence: r.evidence,
                location: r.location,
                message,
            })
        })
        .filter(|s| app.is_none_or(|a| s.message.app == a))
        .filter(|s| {
            a.with
                .as_deref()
                .is_none_or(|w| involves(&s.message.sender, w) || involves(&s.message.recipient, w))
        })
        .collect();
    found.sort_by(|x, y| {
        (
            &x.evidence,
            x.message.app,
            &x.message.conversation,
            x.message.time,
            &x.location,
        )
            .cmp(&(
                &y.evidence,
                y.message.app,
                &y.message.conversation,
                y.message.time,
                &y.location,
            ))
    });
    let mut w = BufWriter::new(io::stdout().lock());
    let mut head = None;
    for s in &found {
        if a.json {
            serde_json::to_writer(&mut w, s)?;
            writeln!(w)?;
            continue;
        }
        let this = (&s.evidence, s.message.app, &s.message.conversation);
        if head != Some(this) {
            writeln!(
                w,
                "{} {} {}",
                s.evidence, s.message.app, s.message.conversation
            )?;
            head = Some(this);
        }
        writeln!(w, "{}  ({})", message_line(&s.message), s.location)?;
    }
    if !a.json && found.is_empty() {
        writeln!(w, "no chat messages in {}", a.case.display())?;
    }
    w.flush()?;
    Ok(())
}

fn app_named(name: Option<&str>) -> anyhow::Result<Option<App>> {
    name.map(|n| {
        App::from_name(n).with_context(|| {
            let known: Vec<&str> = App::ALL.iter().map(|a| a.name()).collect();
            format!("unknown app {n:?} (known: {})", known.join(", "))
        })
    })
    .transpose()
}

fn read(a: ReadArgs) -> anyhow::Result<()> {
    let app = app_named(a.app.as_deref())?;
    let mut x = read_extraction(&a.extraction)
        .with_context(|| format!("reading {}", a.extraction.display()))?;
    filter(&mut x, app, a.with.as_deref());
    let out = io::stdout();
    let mut w = BufWriter::new(out.lock());
    if a.json {
        json_lines(&mut w, &x)?;
    } else {
        text(&mut w, &x)?;
    }
    w.flush()?;
    Ok(())
}

fn involves(p: &Option<Participant>, needle: &str) -> bool {
    p.as_ref().is_some_and(|p| p.matches(needle))
}

/// Keeps the records of `app` involving `with`; findings keep pointing at
/// their (re-numbered) messages.
fn filter(x: &mut Extraction, app: Option<App>, with: Option<&str>) {
    if app.is_none() && with.is_none() {
        return;
    }
    let app_ok = |a: App| app.is_none_or(|x| x == a);
    let conv_ok: BTreeMap<(App, String), bool> = x
        .conversations
        .iter()
        .map(|c| {
            let ok = with.is_none_or(|n| {
                c.participants.iter().any(|p| p.matches(n))
                    || Participant::new(c.id.clone()).matches(n)
                    || c.name.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(n))
            });
            ((c.app, c.id.clone()), ok)
        })
        .collect();
    x.conversations
        .retain(|c| app_ok(c.app) && conv_ok.get(&(c.app, c.id.clone())) == Some(&true));
    let mut renumber = BTreeMap::new();
    let mut kept = Vec::new();
    for (i, m) in std::mem::take(&mut x.messages).into_iter().enumerate() {
        let ok = app_ok(m.app)
            && with.is_none_or(|n| {
                conv_ok.get(&(m.app, m.conversation.clone())) == Some(&true)
                    || involves(&m.sender, n)
                    || involves(&m.recipient, n)
            });
        if ok {
            renumber.insert(i, kept.len());
            kept.push(m);
        }
    }
    x.messages = kept;
    x.findings.retain_mut(|f| match renumber.get(&f.message) {
        Some(&j) => {
            f.message = j;
            true
        }
        None => false,
    });
    x.calls
        .retain(|c| app_ok(c.app) && with.is_none_or(|n| c.peers.iter().any(|p| p.matches(n))));
    // Browser visits belong to no app or person.
    x.visits.clear();
    x.contacts.retain(|c| {
        app_ok(c.app)
            && with.is_none_or(|n| {
                [&c.id, &c.phone]
                    .into_iter()
                    .flatten()
                    .any(|v| Participant::new(v.clone()).matches(n))
                    || c.name.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(n))
            })
    });
}

#[derive(Serialize)]
struct Tagged<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    record: &'a T,
}

fn line<T: Serialize>(w: &mut dyn Write, kind: &'static str, record: &T) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *w, &Tagged { kind, record })?;
    w.write_all(b"\n")?;
    Ok(())
}

fn json_lines(w: &mut dyn Write, x: &Extraction) -> anyhow::Result<()> {
    #[derive(Serialize)]
    struct Head<'a> {
        kind: exhibit_phone::ExtractionKind,
        sources: &'a [exhibit_phone::SourceFile],
    }
    line(
        w,
        "extraction",
        &Head {
            kind: x.kind,
            sources: &x.sources,
        },
    )?;
    for c in &x.conversations {
        line(w, "conversation", c)?;
    }
    for m in &x.messages {
        line(w, "message", m)?;
    }
    for c in &x.calls {
        line(w, "call", c)?;
    }
    for c in &x.contacts {
        line(w, "contact", c)?;
    }
    for v in &x.visits {
        line(w, "visit", v)?;
    }
    for f in &x.findings {
        line(w, "finding", f)?;
    }
    for v in &x.warnings {
        line(w, "warning", v)?;
    }
    Ok(())
}

fn who(p: &Participant) -> String {
    match (&p.name, &p.phone) {
        (Some(n), Some(ph)) => format!("{n} ({ph})"),
        (Some(n), None) => format!("{n} <{}>", p.id),
        (None, Some(ph)) => ph.clone(),
        (None, None) => p.id.clone(),
    }
}

fn time(t: Option<jiff::Timestamp>) -> String {
    t.map_or_else(
        || "(no time)".into(),
        |t| t.round(jiff::Unit::Second).map_or(t, |r| r).to_string(),
    )
}

fn message_line(m: &Message) -> String {
    let arrow = match m.direction {
        Direction::Incoming => "<-",
        Direction::Outgoing => "->",
        Direction::Unknown => "--",
    };
    let party = match m.direction {
        Direction::Outgoing => m.recipient.as_ref().map(who).unwrap_or_default(),
        _ => m.sender.as_ref().map(who).unwrap_or_default(),
    };
    let mut s = format!("  {}  {arrow} {party}: ", time(m.time));
    if let Some(t) = &m.text {
        s.push_str(&t.replace('\n', "\n      "));
    }
    if m.kind != "text" && m.kind != "sms" {
        s.push_str(&format!(" [{}]", m.kind));
    }
    for a in &m.attachments {
        s.push_str(&format!(
            " [file: {}]",
            a.path.as_deref().or(a.name.as_deref()).unwrap_or("?")
        ));
    }
    if let Some((la, lo)) = m.location {
        s.push_str(&format!(" [location: {la},{lo}]"));
    }
    if m.deleted == Some(true) {
        s.push_str(" [deleted]");
    }
    if m.edited == Some(true) {
        s.push_str(" [edited]");
    }
    s
}

fn conversation_head(c: Option<&Conversation>, app: App, id: &str, n: usize) -> String {
    let name = c.and_then(|c| c.name.clone()).unwrap_or_default();
    let kind = if c.is_some_and(|c| c.group) {
        "group"
    } else {
        "chat"
    };
    format!("== {app} {kind} {id} {name:?}: {n} message(s)")
}

fn call_line(c: &Call) -> String {
    let peers: Vec<String> = c.peers.iter().map(who).collect();
    format!(
        "  {}  {} {:?} {}{}{}",
        time(c.time),
        c.app,
        c.direction,
        peers.join(", "),
        c.duration
            .map(|d| format!("  {d:.0} s"))
            .unwrap_or_default(),
        if c.missed { "  missed" } else { "" }
    )
}

fn contact_line(c: &Contact) -> String {
    format!(
        "  {} {}  {}  {}",
        c.app,
        c.name.as_deref().unwrap_or("(no name)"),
        c.phone.as_deref().unwrap_or(""),
        c.id.as_deref().unwrap_or("")
    )
}

fn text(w: &mut dyn Write, x: &Extraction) -> anyhow::Result<()> {
    writeln!(
        w,
        "Extraction ({:?}): {} database file(s) read",
        x.kind,
        x.sources.len()
    )?;
    for s in &x.sources {
        writeln!(w, "  sha256 {}  {}", s.sha256, s.path)?;
    }
    let convs: BTreeMap<(App, &str), &Conversation> = x
        .conversations
        .iter()
        .map(|c| ((c.app, c.id.as_str()), c))
        .collect();
    let mut groups: BTreeMap<(App, &str), Vec<&Message>> = BTreeMap::new();
    for m in &x.messages {
        groups.entry((m.app, &m.conversation)).or_default().push(m);
    }
    writeln!(
        w,
        "\nMessages: {} in {} conversation(s)",
        x.messages.len(),
        groups.len()
    )?;
    for ((app, id), ms) in &groups {
        writeln!(
            w,
            "{}",
            conversation_head(convs.get(&(*app, *id)).copied(), *app, id, ms.len())
        )?;
        for m in ms {
            writeln!(w, "{}", message_line(m))?;
        }
    }
    writeln!(w, "\nCalls: {}", x.calls.len())?;
    for c in &x.calls {
        writeln!(w, "{}", call_line(c))?;
    }
    writeln!(w, "\nContacts: {}", x.contacts.len())?;
    for c in &x.contacts {
        writeln!(w, "{}", contact_line(c))?;
    }
    if !x.visits.is_empty() {
        writeln!(w, "\nBrowser history: {}", x.visits.len())?;
        for v in &x.visits {
            writeln!(
                w,
                "  {}  {} {}  {}",
                time(v.time),
                v.browser,
                v.url,
                v.title.as_deref().unwrap_or("")
            )?;
        }
    }
    if !x.findings.is_empty() {
        writeln!(w, "\nLeads in messages: {}", x.findings.len())?;
        for f in &x.findings {
            writeln!(
                w,
                "  {} {}  (message {} {}#{})",
                f.kind, f.normalized, f.provenance.file, f.provenance.table, f.provenance.row
            )?;
        }
    }
    if !x.warnings.is_empty() {
        writeln!(w, "\nWarnings: {}", x.warnings.len())?;
        for v in &x.warnings {
            match &v.table {
                Some(t) => writeln!(w, "  {} [{t}]: {}", v.file, v.message)?,
                None => writeln!(w, "  {}: {}", v.file, v.message)?,
            }
        }
    }
    Ok(())
}
