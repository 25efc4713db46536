//! `exhibit mail analyze`: where each message really came from, whether its
//! signatures hold (offline), and how it may lie — for `.eml`, mbox
//! (streamed), Outlook `.msg` files and folders of them (Maildir, `.eml`
//! exports).

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use anyhow::Context;
use exhibit_mail::{
    authentication, describe_delay, detect_mail_file, extract_attachments, extract_msg_attachments,
    indicators, leads, parse_message, parse_msg, read_head, read_mbox, route, verify_dkim, Address,
    Attachment, Authentication, DkimReport, DnsSnapshot, Indicator, Lead, MailFileKind, Message,
    Route,
};
use serde::Serialize;

/// Flags of `exhibit mail analyze`.
#[derive(clap::Args, Debug)]
pub struct MailAnalyzeArgs {
    /// `.eml`, mbox or Outlook `.msg` files, or folders holding them
    /// (Maildir, `.eml` exports).
    #[arg(required = true, value_name = "FILE|MBOX|DIR")]
    pub files: Vec<PathBuf>,
    /// One JSON object per message (JSON Lines) instead of the report.
    #[arg(long)]
    pub json: bool,
    /// TXT records for offline DKIM verification: lines
    /// `sel._domainkey.example.com TXT "v=DKIM1; k=rsa; p=…"`.
    #[arg(long, value_name = "FILE")]
    pub dns_snapshot: Option<PathBuf>,
    /// Write each message's attachments into this folder (one subfolder
    /// per message id; nothing is overwritten).
    #[arg(long, value_name = "DIR")]
    pub extract: Option<PathBuf>,
    /// The receiving server's authserv-id: only its Authentication-Results
    /// are trusted (default: the topmost header's).
    #[arg(long, value_name = "ID")]
    pub authserv_id: Option<String>,
}

/// Largest mbox message read whole; longer ones are analysed from their
/// beginning and flagged.
const MBOX_MAX_MESSAGE: usize = 256 * 1024 * 1024;

/// Where a message was found.
#[derive(Debug, Serialize)]
struct Source {
    file: String,
    format: &'static str,
    /// Byte offset within an mbox.
    offset: Option<u64>,
    truncated: bool,
}

/// The JSON record of one message (field order is the output order).
#[derive(Serialize)]
struct Report<'a> {
    source: &'a Source,
    id: &'a str,
    size: u64,
    message_id: Option<&'a str>,
    subject: Option<&'a str>,
    from: &'a [Address],
    sender: &'a [Address],
    reply_to: &'a [Address],
    to: &'a [Address],
    cc: &'a [Address],
    return_path: Option<&'a str>,
    date: Option<String>,
    date_zone: Option<&'a str>,
    date_raw: Option<&'a str>,
    route: &'a Route,
    authentication: &'a Authentication,
    dkim: &'a DkimReport,
    indicators: &'a [Indicator],
    attachments: &'a [Attachment],
    extracted: Vec<String>,
    leads: &'a [Lead],
    warnings: &'a [String],
}

#[derive(Serialize)]
struct Failure<'a> {
    source: &'a Source,
    error: String,
}

struct Ctx<'a> {
    args: &'a MailAnalyzeArgs,
    snapshot: Option<DnsSnapshot>,
    out: BufWriter<io::StdoutLock<'static>>,
    count: u64,
    failed: u64,
}

/// Runs `exhibit mail analyze`.
pub fn analyze(args: &MailAnalyzeArgs) -> anyhow::Result<()> {
    let snapshot = match &args.dns_snapshot {
        Some(p) => {
            let text = fs::read_to_string(p)
                .with_context(|| format!("reading the DNS snapshot {}", p.display()))?;
            let s = DnsSnapshot::parse(&text);
            for w in &s.warnings {
                eprintln!("warning: {}: {w}", p.display());
            }
            Some(s)
        }
        None => None,
    };
    let mut ctx = Ctx {
        args,
        snapshot,
        out: BufWriter::new(io::stdout().lock()),
        count: 0,
        failed: 0,
    };
    let mut unreadable = Vec::new();
    for input in &args.files {
        let files = if input.is_dir() {
            let f = exhibit_mail::mail_files(input);
            if f.is_empty() {
                eprintln!("note: no mail files under {}", input.display());
            }
            f
        } else {
            vec![input.clone()]
        };
        for f in files {
            if let Err(e) = analyze_file(&mut ctx, &f) {
                if is_broken_pipe(&e) {
                    return Ok(());
                }
                eprintln!("error: {}: {e:#}", f.display());
                unreadable.push(f);
            }
        }
    }
    if let Err(e) = ctx.out.flush() {
        if e.kind() != io::ErrorKind::BrokenPipe {
            return Err(e.into());
        }
    }
    if !args.json {
        eprintln!(
            "{} message(s) analysed{}",
            ctx.count,
            if ctx.failed > 0 {
                format!(", {} could not be parsed", ctx.failed)
            } else {
                String::new()
            }
        );
    }
    match unreadable.len() {
        0 => Ok(()),
        n => anyhow::bail!("{n} input file(s) could not be read"),
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

/// Files up to this size are read whole at once (one open, one read); an
/// mbox is streamed whatever its size.
const READ_WHOLE: u64 = 64 * 1024 * 1024;

fn analyze_file(ctx: &mut Ctx<'_>, path: &Path) -> anyhow::Result<()> {
    let size = fs::metadata(path)
        .with_context(|| format!("opening {}", path.display()))?
        .len();
    let whole = if size <= READ_WHOLE {
        Some(fs::read(path).with_context(|| format!("reading {}", path.display()))?)
    } else {
        None
    };
    let head = match &whole {
        Some(w) => w[..w.len().min(8192)].to_vec(),
        None => read_head(path).with_context(|| format!("opening {}", path.display()))?,
    };
    let is_eml_name = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("eml"));
    let kind = match detect_mail_file(path, &head) {
        Some(k) => k,
        // An .eml that does not look like mail is still analysed (and
        // its damage reported).
        None if is_eml_name => MailFileKind::Eml,
        None => anyhow::bail!("not an e-mail message, mbox or Outlook .msg file"),
    };
    let file = path.display().to_string();
    match kind {
        MailFileKind::Eml | MailFileKind::Msg => {
            let raw = match whole {
                Some(w) => w,
                None => fs::read(path).with_context(|| format!("reading {file}"))?,
            };
            let source = Source {
                file,
                format: if kind == MailFileKind::Msg {
                    "msg"
                } else {
                    "eml"
                },
                offset: None,
                truncated: false,
            };
            one_message(ctx, &raw, &source, kind == MailFileKind::Msg)?;
        }
        MailFileKind::Mbox => {
            let reader =
                BufReader::new(File::open(path).with_context(|| format!("opening {file}"))?);
            let mut err: Option<anyhow::Error> = None;
            read_mbox(reader, MBOX_MAX_MESSAGE, &mut |item| {
                let source = Source {
                    file: file.clone(),
                    format: "mbox",
                    offset: Some(item.offset),
                    truncated: item.truncated,
                };
                match one_message(ctx, item.raw, &source, false) {
                    Ok(()) => ControlFlow::Continue(()),
                    Err(e) => {
                        err = Some(e);
                        ControlFlow::Break(())
                    }
                }
            })?;
            if let Some(e) = err {
                return Err(e);
            }
        }
    }
    Ok(())
}

fn one_message(ctx: &mut Ctx<'_>, raw: &[u8], source: &Source, is_msg: bool) -> anyhow::Result<()> {
    let parsed = if is_msg {
        parse_msg(raw)
    } else {
        parse_message(raw)
    };
    let msg = match parsed {
        Ok(m) => m,
        Err(e) => {
            ctx.failed += 1;
            if ctx.args.json {
                serde_json::to_writer(
                    &mut ctx.out,
                    &Failure {
                        source,
                        error: e.to_string(),
                    },
                )?;
                writeln!(ctx.out)?;
            } else {
                writeln!(ctx.out, "== {}: could not be parsed: {e}\n", where_(source))?;
            }
            return Ok(());
        }
    };
    ctx.count += 1;
    let route = route(&msg);
    let auth = authentication(&msg, ctx.args.authserv_id.as_deref());
    let dkim = dkim_report(ctx, raw, &msg, is_msg);
    let inds = indicators(&msg);
    let found = leads(&msg);
    let mut extracted = Vec::new();
    if let Some(dir) = &ctx.args.extract {
        if !msg.attachments.is_empty() {
            let sub = dir.join(&msg.id[..16]);
            let written = if is_msg {
                extract_msg_attachments(raw, &sub)
            } else {
                extract_attachments(raw, &sub)
            };
            match written {
                Ok(w) => extracted = w.iter().map(|p| p.display().to_string()).collect(),
                Err(e) => eprintln!("warning: {}: extraction failed: {e}", where_(source)),
            }
        }
    }
    if ctx.args.json {
        let report = Report {
            source,
            id: &msg.id,
            size: msg.size,
            message_id: msg.message_id.as_deref(),
            subject: msg.subject.as_deref(),
            from: &msg.from,
            sender: &msg.sender,
            reply_to: &msg.reply_to,
            to: &msg.to,
            cc: &msg.cc,
            return_path: msg.return_path.as_deref(),
            date: msg.date.map(|d| d.to_string()),
            date_zone: msg.date_zone.as_deref(),
            date_raw: msg.date_raw.as_deref(),
            route: &route,
            authentication: &auth,
            dkim: &dkim,
            indicators: &inds,
            attachments: &msg.attachments,
            extracted,
            leads: &found,
            warnings: &msg.warnings,
        };
        serde_json::to_writer(&mut ctx.out, &report)?;
        writeln!(ctx.out)?;
    } else {
        let text = render(
            source, &msg, &route, &auth, &dkim, &inds, &found, &extracted,
        );
        ctx.out.write_all(text.as_bytes())?;
    }
    Ok(())
}

fn dkim_report(ctx: &Ctx<'_>, raw: &[u8], msg: &Message, is_msg: bool) -> DkimReport {
    let signed = msg
        .headers
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case("dkim-signature"));
    if is_msg {
        let (judged_at, src) = exhibit_mail::receive_time(msg);
        let mut r = DkimReport {
            judged_at,
            judged_at_source: src.to_string(),
            verdicts: Vec::new(),
            notes: Vec::new(),
        };
        if signed {
            r.notes.push("cannot verify offline: an Outlook .msg file keeps the headers but not the message as it was signed".into());
        }
        return r;
    }
    let empty = DnsSnapshot::new();
    let mut r = verify_dkim(raw, msg, ctx.snapshot.as_ref().unwrap_or(&empty), None);
    if ctx.snapshot.is_none() && signed {
        r.notes
            .push("no --dns-snapshot given: no signature can be verified offline".into());
    }
    r
}

fn where_(s: &Source) -> String {
    match s.offset {
        Some(o) => format!("{} (mbox, byte {o})", s.file),
        None => s.file.clone(),
    }
}

fn addr(a: &Address) -> String {
    match (&a.name, &a.address) {
        (Some(n), Some(ad)) => format!("{n} <{ad}>"),
        (None, Some(ad)) => ad.clone(),
        (Some(n), None) => n.clone(),
        (None, None) => String::new(),
    }
}

fn addrs(list: &[Address]) -> String {
    list.iter().map(addr).collect::<Vec<_>>().join(", ")
}

fn utc(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut c: String = s.chars().take(n.saturating_sub(1)).collect();
        c.push('…');
        c
    }
}

#[allow(clippy::too_many_arguments)]
fn render(
    source: &Source,
    msg: &Message,
    route: &Route,
    auth: &Authentication,
    dkim: &DkimReport,
    inds: &[Indicator],
    found: &[Lead],
    extracted: &[String],
) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let _ = writeln!(o, "== {}", where_(source));
    if source.truncated {
        let _ = writeln!(
            o,
            "   (truncated: only the beginning of this message was read)"
        );
    }
    let field = |o: &mut String, k: &str, v: &str| {
        if !v.is_empty() {
            let _ = writeln!(o, "{k:<12}{v}");
        }
    };
    field(&mut o, "Id", &msg.id);
    field(&mut o, "Subject", msg.subject.as_deref().unwrap_or(""));
    field(&mut o, "From", &addrs(&msg.from));
    field(&mut o, "Sender", &addrs(&msg.sender));
    field(&mut o, "Reply-To", &addrs(&msg.reply_to));
    field(&mut o, "To", &addrs(&msg.to));
    field(&mut o, "Cc", &addrs(&msg.cc));
    field(
        &mut o,
        "Return-Path",
        msg.return_path.as_deref().unwrap_or(""),
    );
    let date = match (msg.date, &msg.date_zone) {
        (Some(d), Some(z)) => format!("{} (sender's zone {z})", utc(d)),
        (Some(d), None) => utc(d),
        (None, _) => msg
            .date_raw
            .as_deref()
            .map(|r| format!("unreadable: {r:?}"))
            .unwrap_or_default(),
    };
    field(&mut o, "Date", &date);
    field(
        &mut o,
        "Message-ID",
        msg.message_id.as_deref().unwrap_or(""),
    );

    // Route.
    let _ = writeln!(
        o,
        "\nRoute: {} hop(s), hop 1 = first server reached{}",
        route.hops.len(),
        route
            .total_seconds
            .map(|t| format!("; total transit {}", describe_delay(t)))
            .unwrap_or_default()
    );
    if !route.hops.is_empty() {
        let _ = writeln!(
            o,
            "  {:>3}  {:<22} {:<40} {:<34} {:<10} time",
            "hop", "delay", "from", "by", "with"
        );
        for h in &route.hops {
            let from = match (&h.from_host, h.from_ip) {
                (Some(n), Some(ip)) => format!("{n} [{ip}]"),
                (Some(n), None) => n.clone(),
                (None, Some(ip)) => format!("[{ip}]"),
                (None, None) => "-".into(),
            };
            let delay = match h.delay_seconds {
                Some(d) if h.clock_skew => format!("{} (skew)", describe_delay(d)),
                Some(d) => describe_delay(d),
                None => "-".into(),
            };
            let _ = writeln!(
                o,
                "  {:>3}  {:<22} {:<40} {:<34} {:<10} {}",
                h.index,
                cut(&delay, 22),
                cut(&from, 40),
                cut(h.by_host.as_deref().unwrap_or("-"), 34),
                cut(h.protocol.as_deref().unwrap_or("-"), 10),
                h.time.map(utc).unwrap_or_else(|| "-".into())
            );
        }
    }
    match &route.origin {
        Some(or) => {
            let _ = writeln!(
                o,
                "Origin IP: {}{} — {}",
                or.ip,
                if or.private { " (not public)" } else { "" },
                or.how
            );
        }
        None => {
            let _ = writeln!(o, "Origin IP: not found");
        }
    }
    for other in &route.other_origins {
        let _ = writeln!(
            o,
            "  also: {}{} — {}",
            other.ip,
            if other.private { " (not public)" } else { "" },
            other.how
        );
    }
    for n in &route.notes {
        let _ = writeln!(o, "  note: {n}");
    }

    // Authentication.
    let _ = writeln!(
        o,
        "\nAuthentication (trusted authserv-id: {})",
        auth.trusted_authserv_id
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or("none")
    );
    let mut any = false;
    for r in auth.results.iter().filter(|r| r.trusted) {
        any = true;
        let v: Vec<String> = r
            .results
            .iter()
            .map(|x| format!("{}={}", x.method, x.result))
            .collect();
        let _ = writeln!(
            o,
            "  {} (Authentication-Results, byte {})",
            if v.is_empty() {
                "none".to_string()
            } else {
                v.join(" ")
            },
            r.header_offset.unwrap_or(0)
        );
    }
    for s in &auth.received_spf {
        any = true;
        let _ = writeln!(
            o,
            "  Received-SPF: {}{}",
            s.result,
            s.comment
                .as_deref()
                .map(|c| format!(" ({})", cut(c, 100)))
                .unwrap_or_default()
        );
    }
    for a in &auth.arc {
        any = true;
        let _ = writeln!(
            o,
            "  ARC i={} cv={} sealer={}{}",
            a.instance,
            a.chain_validation.as_deref().unwrap_or("?"),
            a.sealer.as_deref().unwrap_or("?"),
            if a.complete { "" } else { " (incomplete)" }
        );
    }
    if !any {
        let _ = writeln!(o, "  no authentication verdicts from the receiving server");
    }
    for n in &auth.notes {
        let _ = writeln!(o, "  note: {n}");
    }

    // DKIM.
    let _ = writeln!(
        o,
        "\nDKIM (judged at {}, from the {})",
        dkim.judged_at
            .map(utc)
            .unwrap_or_else(|| "an unknown time".into()),
        dkim.judged_at_source
    );
    if dkim.verdicts.is_empty() {
        let _ = writeln!(o, "  no DKIM signature");
    }
    for v in &dkim.verdicts {
        let _ = writeln!(
            o,
            "  d={} s={} {}: {} — {}",
            v.domain.as_deref().unwrap_or("?"),
            v.selector.as_deref().unwrap_or("?"),
            v.algorithm.as_deref().unwrap_or("?"),
            v.status.as_str(),
            v.reason
        );
    }
    for n in &dkim.notes {
        let _ = writeln!(o, "  note: {n}");
    }

    // Indicators.
    let _ = writeln!(
        o,
        "\nIndicators: {}",
        if inds.is_empty() { "none" } else { "" }
    );
    for i in inds {
        let _ = writeln!(
            o,
            "  [{}] {}: {}",
            i.severity.as_str(),
            i.kind.as_str(),
            i.summary
        );
        for e in &i.evidence {
            let _ = writeln!(o, "      {}", cut(e, 200));
        }
    }

    // Attachments.
    if !msg.attachments.is_empty() {
        let _ = writeln!(o, "\nAttachments:");
        for a in &msg.attachments {
            let _ = writeln!(
                o,
                "  part {}  {:?}  declared {}  detected {}  {} bytes",
                a.part,
                a.name.as_deref().unwrap_or(""),
                a.declared_type.as_deref().unwrap_or("?"),
                a.detected_type.as_deref().unwrap_or("unknown"),
                a.size
            );
            let _ = writeln!(o, "      md5 {}  sha1 {}", a.md5, a.sha1);
            let _ = writeln!(o, "      sha256 {}", a.sha256);
        }
        for p in extracted {
            let _ = writeln!(o, "  extracted: {p}");
        }
    }

    // Leads.
    if !found.is_empty() {
        let _ = writeln!(o, "\nLeads: {}", found.len());
        for l in found.iter().take(40) {
            let loc = l
                .locations
                .first()
                .map(|x| x.to_string())
                .unwrap_or_default();
            let _ = writeln!(
                o,
                "  {:<6} {}  ({}{})",
                l.kind.as_str(),
                cut(&l.value, 100),
                loc,
                if l.count > 1 {
                    format!(", {} times", l.count)
                } else {
                    String::new()
                }
            );
        }
        if found.len() > 40 {
            let _ = writeln!(o, "  … {} more (see --json)", found.len() - 40);
        }
    }
    if !msg.warnings.is_empty() {
        let _ = writeln!(o, "\nWarnings:");
        for w in &msg.warnings {
            let _ = writeln!(o, "  {w}");
        }
    }
    o.push('\n');
    o
}
