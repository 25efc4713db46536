//! Darknet artefacts: Tor Browser, torrc, onion-service keys (the address
//! derived from the key), I2P routers and tunnels, crypto wallet files.
//! They need several files together, so files are collected as they pass
//! and the artefacts come out in [`Analyser::finish`], as findings of kind
//! `darknet` naming the file, with what each proves as context.

use std::collections::BTreeMap;
use std::sync::Mutex;

use exhibit_darknet::{FileRef, Recogniser};
use exhibit_evidence::Source;
use exhibit_store::{FileKey, FindingRow};

use super::{Analyser, FileFacts, Found};

/// The darknet analyser.
#[derive(Default)]
pub struct Darknet {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    rec: Recogniser,
    evidence: String,
    keys: BTreeMap<String, FileKey>,
}

impl Analyser for Darknet {
    fn name(&self) -> &'static str {
        "darknet"
    }

    fn wants(&self, file: &FileFacts<'_>) -> bool {
        exhibit_darknet::interesting(&file.key.path)
    }

    fn analyse(&self, file: &FileFacts<'_>, data: &dyn Source, _out: &mut Found) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.rec.add(&FileRef::new(&file.key.path, file.size, data));
        st.evidence = file.evidence.to_string();
        st.keys.insert(file.key.path.clone(), file.key.clone());
    }

    fn finish(&self) -> Found {
        let st = std::mem::take(&mut *self.state.lock().unwrap_or_else(|p| p.into_inner()));
        let report = st.rec.finish();
        let mut out = Found {
            warnings: report.warnings,
            ..Found::default()
        };
        for a in report.artefacts {
            let value = match &a.address {
                Some(addr) => format!("{}: {addr}", a.kind.label()),
                None => a.kind.label().to_string(),
            };
            let mut context = a.proves.clone();
            for c in &a.concerns {
                context.push_str(" Concern: ");
                context.push_str(c);
            }
            out.findings.push(FindingRow {
                evidence: st.evidence.clone(),
                kind: "darknet".into(),
                normalized: value.to_lowercase(),
                value,
                path: a.path.clone(),
                offset: 0,
                encoding: None,
                validated: a.address.is_some(),
                context: Some(context),
                file: st
                    .keys
                    .get(&a.path)
                    .or_else(|| a.files.iter().find_map(|f| st.keys.get(f)))
                    .cloned(),
                file_id: None,
            });
        }
        out
    }
}
