//! Prints the route of each message given on the command line:
//! `cargo run -p exhibit-mail --example route -- FILE…`
fn main() {
    for path in std::env::args().skip(1) {
        let Ok(raw) = std::fs::read(&path) else {
            eprintln!("{path}: cannot read");
            continue;
        };
        match exhibit_mail::parse_message(&raw) {
            Ok(msg) => {
                let r = exhibit_mail::route(&msg);
                println!("== {path}");
                for h in &r.hops {
                    println!(
                        "  {:>2} from {:?} [{:?}] by {:?} with {:?} at {:?} (+{:?} s{})",
                        h.index,
                        h.from_host,
                        h.from_ip,
                        h.by_host,
                        h.protocol,
                        h.time,
                        h.delay_seconds,
                        if h.clock_skew { ", clock skew" } else { "" }
                    );
                }
                println!("  origin: {:?}", r.origin);
                for o in &r.other_origins {
                    println!("  other: {} ({})", o.ip, o.how);
                }
                for n in &r.notes {
                    println!("  note: {n}");
                }
            }
            Err(e) => eprintln!("{path}: {e}"),
        }
    }
}
