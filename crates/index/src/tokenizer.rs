//! The word tokenizer for free text (`value`, `path` and `text` go through it, and so does the
//! free text of a query, so both sides always agree).
//!
//! - Letters and digits (any script) form words; everything else separates them. Combining marks
//!   (Thai vowel and tone marks, Vietnamese decomposed diacritics, Indic matras…) stay inside the
//!   word they follow, so `สวัสดี` or `tiếng` are never cut in the middle.
//! - Scripts written without spaces (Thai, Lao, Khmer, Myanmar, Chinese, Japanese kana) give one
//!   token per character (with its marks). A query word in those scripts becomes a phrase of
//!   characters, so it matches wherever that character sequence occurs: substring search, without a
//!   dictionary.
//! - Tokens are lower-cased (Unicode); tokens longer than [`MAX_TOKEN_BYTES`] are dropped (base64
//!   blobs and the like), so a search can never match them.

use std::str::CharIndices;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The name the tokenizer is registered under in the index. The names are part of the schema:
/// bump the version whenever tokenization changes, so an old index is reported as
/// [`crate::IndexError::Incompatible`] instead of silently missing hits.
pub(crate) const WORDS: &str = "exhibit_words_v1";
/// The name of the lower-casing whole-value tokenizer.
pub(crate) const LOWER_RAW: &str = "exhibit_lower_raw_v1";

/// Longest token kept, in bytes (a Monero address is 95 characters, an ETH one 42).
pub const MAX_TOKEN_BYTES: usize = 255;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Class {
    /// Part of a space-separated word.
    Word,
    /// A character of a script written without spaces: a token of its own.
    Single,
    /// A combining mark: extends the current token.
    Mark,
    /// Anything else.
    Separator,
}

fn class(c: char) -> Class {
    if c.is_ascii() {
        return if c.is_ascii_alphanumeric() {
            Class::Word
        } else {
            Class::Separator
        };
    }
    let u = c as u32;
    if is_mark(u) {
        return Class::Mark;
    }
    if !c.is_alphanumeric() {
        return Class::Separator;
    }
    if is_unspaced_script(u) {
        Class::Single
    } else {
        Class::Word
    }
}

/// Thai, Lao, Myanmar, Khmer, CJK ideographs, kana.
fn is_unspaced_script(u: u32) -> bool {
    matches!(u,
        0x0E00..=0x0EFF   // Thai, Lao
        | 0x1000..=0x109F // Myanmar
        | 0x1780..=0x17FF // Khmer
        | 0x19E0..=0x19FF // Khmer symbols
        | 0x3040..=0x30FF // Hiragana, Katakana
        | 0x31F0..=0x31FF // Katakana extension
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xF900..=0xFAFF // CJK compatibility ideographs
        | 0x20000..=0x3FFFF)
}

/// Combining marks of the scripts our users read (an approximation of Unicode category M).
fn is_mark(u: u32) -> bool {
    matches!(u,
        0x0300..=0x036F       // combining diacritical marks (decomposed Vietnamese)
        | 0x0483..=0x0489
        | 0x0591..=0x05C7     // Hebrew points
        | 0x0610..=0x061A
        | 0x064B..=0x065F     // Arabic harakat
        | 0x0670
        | 0x06D6..=0x06ED
        | 0x0900..=0x0903     // Devanagari …
        | 0x093A..=0x094F
        | 0x0951..=0x0957
        | 0x0962..=0x0963
        | 0x0981..=0x0983     // Bengali
        | 0x09BC..=0x09D7
        | 0x0A01..=0x0A03
        | 0x0A3C..=0x0A51
        | 0x0A81..=0x0A83
        | 0x0ABC..=0x0ACD
        | 0x0B01..=0x0B03
        | 0x0B3C..=0x0B57
        | 0x0B82
        | 0x0BBE..=0x0BCD
        | 0x0C00..=0x0C04
        | 0x0C3E..=0x0C56
        | 0x0C81..=0x0C83
        | 0x0CBC..=0x0CD6
        | 0x0D00..=0x0D03
        | 0x0D3B..=0x0D57
        | 0x0D81..=0x0D83
        | 0x0DCA..=0x0DDF
        | 0x0E31                // Thai
        | 0x0E34..=0x0E3A
        | 0x0E47..=0x0E4E
        | 0x0EB1                // Lao
        | 0x0EB4..=0x0EBC
        | 0x0EC8..=0x0ECE
        | 0x102B..=0x103E       // Myanmar
        | 0x1056..=0x1059
        | 0x105E..=0x1060
        | 0x1062..=0x1064
        | 0x1067..=0x106D
        | 0x1071..=0x1074
        | 0x1082..=0x108D
        | 0x108F
        | 0x109A..=0x109D
        | 0x17B4..=0x17D3       // Khmer
        | 0x17DD
        | 0x1AB0..=0x1AFF
        | 0x1DC0..=0x1DFF
        | 0x200C..=0x200D       // zero-width (non-)joiner
        | 0x20D0..=0x20FF
        | 0x3099..=0x309A       // kana voicing marks
        | 0xFE00..=0xFE0F       // variation selectors
        | 0xFE20..=0xFE2F)
}

/// The word tokenizer (see the module documentation).
#[derive(Clone, Default)]
pub struct WordTokenizer;

/// The token stream of [`WordTokenizer`].
pub struct WordTokenStream<'a> {
    text: &'a str,
    chars: CharIndices<'a>,
    /// Start and class of the token being read.
    current: Option<(usize, Class)>,
    token: Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordTokenStream<'a> {
        WordTokenStream {
            text,
            chars: text.char_indices(),
            current: None,
            token: Token::default(),
        }
    }
}

impl WordTokenStream<'_> {
    /// Makes `text[from..to]` the current token; false if it is too long to keep.
    fn emit(&mut self, from: usize, to: usize) -> bool {
        let Some(slice) = self.text.get(from..to) else {
            return false;
        };
        if slice.len() > MAX_TOKEN_BYTES {
            return false;
        }
        let out = &mut self.token.text;
        out.clear();
        if slice.is_ascii() {
            out.extend(slice.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            for c in slice.chars() {
                out.extend(c.to_lowercase());
            }
        }
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = self.token.position.wrapping_add(1);
        self.token.position_length = 1;
        true
    }
}

impl TokenStream for WordTokenStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            let Some((i, c)) = self.chars.next() else {
                return match self.current.take() {
                    Some((start, _)) => self.emit(start, self.text.len()),
                    None => false,
                };
            };
            let cls = class(c);
            let previous = match (self.current, cls) {
                (Some((_, Class::Word)), Class::Word) | (Some(_), Class::Mark) => continue,
                (_, Class::Word | Class::Single) => self.current.replace((i, cls)),
                (_, Class::Separator | Class::Mark) => self.current.take(),
            };
            if let Some((start, _)) = previous {
                if self.emit(start, i) {
                    return true;
                }
            }
        }
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// The lower-cased tokens of `text`, as the index sees them.
pub(crate) fn words(text: &str) -> Vec<String> {
    let mut tokenizer = WordTokenizer;
    let mut stream = tokenizer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn splits_ascii_on_punctuation_and_lowercases() {
        assert_eq!(words("Alice@Example.COM"), ["alice", "example", "com"]);
        assert_eq!(words("192.168.1.5"), ["192", "168", "1", "5"]);
        assert_eq!(words("  --  "), Vec::<String>::new());
        assert_eq!(
            words("bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"),
            ["bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"]
        );
    }

    #[test]
    fn thai_gives_one_token_per_character_with_marks() {
        // ส วั ส ดี : the vowel marks stay with their consonant.
        assert_eq!(words("สวัสดี ครับ"), ["ส", "วั", "ส", "ดี", "ค", "รั", "บ"]);
    }

    #[test]
    fn chinese_gives_one_token_per_character() {
        assert_eq!(words("银行账户abc"), ["银", "行", "账", "户", "abc"]);
    }

    #[test]
    fn vietnamese_words_keep_their_diacritics() {
        assert_eq!(words("Tiếng Việt"), ["tiếng", "việt"]);
        // Decomposed (NFD) diacritics stay in the word.
        assert_eq!(words("Vie\u{0302}\u{0323}t"), ["vie\u{0302}\u{0323}t"]);
    }

    #[test]
    fn drops_overlong_tokens() {
        let long = "a".repeat(super::MAX_TOKEN_BYTES + 1);
        assert_eq!(words(&format!("x {long} y")), ["x", "y"]);
    }
}
