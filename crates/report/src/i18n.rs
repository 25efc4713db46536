//! Translation files: flat JSON maps from a key to a sentence, one per
//! language, compiled in. Adding a language is one file and one line in
//! [`LANGUAGES`].

use std::collections::BTreeMap;

use crate::ReportError;

/// Languages with a translation file: (code, file contents).
pub const LANGUAGES: &[(&str, &str)] = &[
    ("en", include_str!("../i18n/en.json")),
    ("th", include_str!("../i18n/th.json")),
];

/// The sentences of one language, with English behind it for missing keys.
#[derive(Debug, Clone)]
pub struct Texts {
    lang: String,
    own: BTreeMap<String, String>,
    english: BTreeMap<String, String>,
}

fn parse(code: &str, text: &str) -> Result<BTreeMap<String, String>, ReportError> {
    serde_json::from_str(text).map_err(|e| ReportError::Translation {
        lang: code.to_string(),
        what: e.to_string(),
    })
}

impl Texts {
    /// The texts of `lang` (a code in [`LANGUAGES`]).
    pub fn load(lang: &str) -> Result<Texts, ReportError> {
        let find = |code: &str| LANGUAGES.iter().find(|(c, _)| *c == code);
        let Some((_, own)) = find(lang) else {
            return Err(ReportError::UnknownLanguage {
                lang: lang.to_string(),
                known: LANGUAGES
                    .iter()
                    .map(|(c, _)| *c)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        let english = find("en").map(|(_, t)| *t).unwrap_or("{}");
        Ok(Texts {
            lang: lang.to_string(),
            own: parse(lang, own)?,
            english: parse("en", english)?,
        })
    }

    /// The language code (for `<html lang>`).
    pub fn lang(&self) -> &str {
        &self.lang
    }

    /// The sentence for `key`; English when this language lacks it, the key
    /// itself when English lacks it too (visible, so it gets fixed).
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.own
            .get(key)
            .or_else(|| self.english.get(key))
            .map(String::as_str)
            .unwrap_or(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_english_key() {
        let en = parse("en", LANGUAGES[0].1).unwrap();
        for (code, text) in LANGUAGES {
            let t = parse(code, text).unwrap();
            for k in en.keys() {
                assert!(t.contains_key(k), "{code} lacks {k}");
            }
        }
    }

    #[test]
    fn missing_key_falls_back_to_english() {
        let mut t = Texts::load("th").unwrap();
        t.own.remove("sec.case");
        assert_eq!(t.get("sec.case"), "Case");
        assert_eq!(t.get("no.such.key"), "no.such.key");
        assert!(Texts::load("xx").is_err());
    }
}
