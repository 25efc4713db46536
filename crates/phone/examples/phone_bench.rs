//! Streams every record of an extraction through a counting sink and prints
//! `messages seconds messages/s` (used by `bench/mobile`). Records are not
//! kept, so memory does not depend on the database size.

use std::time::Instant;

use exhibit_phone::{
    read_extraction_with, Call, Contact, Conversation, Message, Options, Sink, Warning,
};

#[derive(Default)]
struct Count {
    messages: u64,
    text_bytes: u64,
    other: u64,
    warnings: Vec<Warning>,
}

impl Sink for Count {
    fn conversation(&mut self, _: Conversation) {
        self.other += 1;
    }
    fn message(&mut self, m: Message) {
        self.messages += 1;
        self.text_bytes += m.text.map_or(0, |t| t.len() as u64);
    }
    fn call(&mut self, _: Call) {
        self.other += 1;
    }
    fn contact(&mut self, _: Contact) {
        self.other += 1;
    }
    fn warning(&mut self, w: Warning) {
        self.warnings.push(w);
    }
}

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: phone_bench EXTRACTION");
        std::process::exit(2);
    };
    let opts = Options {
        leads: false,
        ..Options::default()
    };
    let mut c = Count::default();
    let t = Instant::now();
    if let Err(e) = read_extraction_with(&path, &opts, &mut c) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    let s = t.elapsed().as_secs_f64();
    for w in &c.warnings {
        eprintln!("warning: {} {:?}: {}", w.file, w.table, w.message);
    }
    println!(
        "messages {} other {} text_bytes {} seconds {:.3} messages/s {:.0}",
        c.messages,
        c.other,
        c.text_bytes,
        s,
        c.messages as f64 / s.max(1e-9)
    );
}
