//! The translation files: `lang/<code>.txt`, compiled in.
//!
//! A file holds `@key = text` lines (kind names, phrases, country names),
//! then one `@@name` section per document template. Lines starting with
//! `;` before the first section are comments. Adding a language is one
//! file here and one line in [`Language::source`].

use std::collections::BTreeMap;

use crate::RequestError;

/// Languages a request can be drafted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Language {
    /// English (always part of a request).
    En,
    /// Thai.
    Th,
    /// Vietnamese.
    Vi,
    /// Indonesian.
    Id,
    /// Malay.
    Ms,
}

impl Language {
    /// ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Th => "th",
            Language::Vi => "vi",
            Language::Id => "id",
            Language::Ms => "ms",
        }
    }

    /// Parses an ISO 639-1 code.
    pub fn from_code(code: &str) -> Option<Language> {
        Some(match code {
            "en" => Language::En,
            "th" => Language::Th,
            "vi" => Language::Vi,
            "id" => Language::Id,
            "ms" => Language::Ms,
            _ => return None,
        })
    }

    /// The translation file, if one exists yet (`None` keeps room for a
    /// language added to the enum before its file).
    fn source(self) -> Option<&'static str> {
        match self {
            Language::En => Some(include_str!("../lang/en.txt")),
            Language::Th => Some(include_str!("../lang/th.txt")),
            Language::Vi => Some(include_str!("../lang/vi.txt")),
            Language::Id => Some(include_str!("../lang/id.txt")),
            Language::Ms => Some(include_str!("../lang/ms.txt")),
        }
    }
}

/// One language's phrases and document templates.
#[derive(Debug, Clone)]
pub struct Templates {
    /// The language.
    pub language: Language,
    phrases: BTreeMap<String, String>,
    documents: BTreeMap<String, String>,
}

impl Templates {
    /// Loads and parses the translation file of `language`.
    pub fn load(language: Language) -> Result<Templates, RequestError> {
        let text = language
            .source()
            .ok_or_else(|| RequestError::NoTranslation(language.code().into()))?;
        Self::parse(language, text)
    }

    fn parse(language: Language, text: &str) -> Result<Templates, RequestError> {
        let file = format!("{}.txt", language.code());
        let mut phrases = BTreeMap::new();
        let mut documents: BTreeMap<String, String> = BTreeMap::new();
        let mut current: Option<String> = None;
        for (n, line) in text.lines().enumerate() {
            if let Some(name) = line.strip_prefix("@@") {
                let name = name.trim().to_string();
                documents.insert(name.clone(), String::new());
                current = Some(name);
                continue;
            }
            match &current {
                Some(name) => {
                    if let Some(doc) = documents.get_mut(name) {
                        doc.push_str(line);
                        doc.push('\n');
                    }
                }
                None => {
                    if line.trim().is_empty() || line.starts_with(';') {
                        continue;
                    }
                    let (key, value) = line
                        .strip_prefix('@')
                        .and_then(|l| l.split_once('='))
                        .ok_or_else(|| RequestError::Template {
                            file: file.clone(),
                            what: format!("line {}: expected `@key = text`", n + 1),
                        })?;
                    phrases.insert(key.trim().to_string(), value.trim().to_string());
                }
            }
        }
        // A document ends with exactly one newline.
        for doc in documents.values_mut() {
            let trimmed = doc.trim_end().len();
            doc.truncate(trimmed);
            doc.push('\n');
        }
        Ok(Templates {
            language,
            phrases,
            documents,
        })
    }

    /// A phrase; a missing key is a template bug.
    pub fn phrase(&self, key: &str) -> Result<&str, RequestError> {
        self.phrases
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| RequestError::Template {
                file: format!("{}.txt", self.language.code()),
                what: format!("no phrase @{key}"),
            })
    }

    /// A country's name in this language, or its code when not listed.
    pub fn country(&self, code: &str) -> String {
        self.phrases
            .get(&format!("country.{code}"))
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    /// A document template.
    pub fn document(&self, name: &str) -> Result<&str, RequestError> {
        self.documents
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| RequestError::Template {
                file: format!("{}.txt", self.language.code()),
                what: format!("no @@{name} section"),
            })
    }
}

/// Fills `{name}` placeholders; unknown names stay as written (and the
/// tests check that none is left).
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match values.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_translation_has_every_key_and_document() {
        let en = Templates::load(Language::En).unwrap();
        for lang in [Language::Th, Language::Vi, Language::Id, Language::Ms] {
            let t = Templates::load(lang).unwrap();
            for key in en.phrases.keys() {
                assert!(t.phrases.contains_key(key), "{lang:?} lacks @{key}");
            }
            for doc in en.documents.keys() {
                assert!(t.documents.contains_key(doc), "{lang:?} lacks @@{doc}");
            }
        }
        // Every document fills every placeholder the English one does.
        for lang in [Language::Th, Language::Vi, Language::Id, Language::Ms] {
            let t = Templates::load(lang).unwrap();
            for (name, doc) in &en.documents {
                let names = |d: &str| -> std::collections::BTreeSet<String> {
                    d.split('{')
                        .skip(1)
                        .filter_map(|p| p.split_once('}'))
                        .map(|(n, _)| n.to_string())
                        .collect()
                };
                assert_eq!(names(doc), names(&t.documents[name]), "{lang:?} @@{name}");
            }
        }
    }

    #[test]
    fn fill_replaces_known_names_only() {
        assert_eq!(fill("a {x} {y} {", &[("x", "1")]), "a 1 {y} {");
    }
}
