//! Host only: a tokenizer from Hugging Face's `vocab.json` + `merges.txt`.
//!
//! Those files spell each byte as a printable character (GPT-2's `bytes_to_unicode`);
//! here tokens go back to raw bytes.

use alloc::vec::Vec;
use std::collections::HashMap;
use std::string::String;

use super::error::TokenizerError;
use super::vocab::Tokenizer;

/// GPT-2's `bytes_to_unicode` inverted: the byte each character stands for.
fn unicode_to_byte(c: char) -> Option<u8> {
    let c = c as u32;
    let printable = |b: u32| matches!(b, 0x21..=0x7E | 0xA1..=0xAC | 0xAE..=0xFF);
    if c < 256 {
        return if printable(c) { Some(c as u8) } else { None };
    }
    // The other bytes map, in increasing order, to U+0100, U+0101, ...
    let k = c.checked_sub(256)?;
    (0u32..256).filter(|&b| !printable(b)).nth(k as usize).map(|b| b as u8)
}

/// Raw bytes of a `vocab.json` token string. Strings that are not spelled in the
/// byte alphabet (added tokens such as `[UNK]` with unusual characters) stand for
/// their own UTF-8 bytes, as Hugging Face's byte-level decoder would output them.
fn token_to_bytes(token: &str) -> Vec<u8> {
    let mapped: Option<Vec<u8>> = token.chars().map(unicode_to_byte).collect();
    mapped.unwrap_or_else(|| token.as_bytes().to_vec())
}

impl Tokenizer {
    /// Builds a tokenizer from the contents of `vocab.json` and `merges.txt`.
    pub fn from_hf_files(vocab_json: &str, merges_txt: &str) -> Result<Tokenizer, TokenizerError> {
        let vocab: HashMap<String, u32> = serde_json::from_str(vocab_json).map_err(|_| TokenizerError::VocabJson)?;
        let mut tokens: Vec<Option<Vec<u8>>> = alloc::vec![None; vocab.len()];
        for (text, &id) in &vocab {
            let slot = tokens.get_mut(id as usize).ok_or(TokenizerError::VocabIds)?;
            if slot.replace(token_to_bytes(text)).is_some() {
                return Err(TokenizerError::VocabIds);
            }
        }
        let tokens: Vec<Vec<u8>> = tokens.into_iter().collect::<Option<_>>().ok_or(TokenizerError::VocabIds)?;

        let mut merges = Vec::new();
        for (k, line) in merges_txt.lines().enumerate() {
            let line_no = (k + 1) as u32;
            if line.is_empty() || (k == 0 && line.starts_with("#version")) {
                continue;
            }
            let (a, b) = line.split_once(' ').ok_or(TokenizerError::MergesSyntax { line: line_no })?;
            if a.is_empty() || b.is_empty() || b.contains(' ') {
                return Err(TokenizerError::MergesSyntax { line: line_no });
            }
            let id = |t: &str| vocab.get(t).copied().ok_or(TokenizerError::MergeTokenUnknown { line: line_no });
            merges.push([id(a)?, id(b)?]);
        }
        Tokenizer::from_tokens(&tokens, &merges)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_alphabet_round_trips() {
        // GPT-2 spells space as 'Ġ' (U+0120) and newline as 'Ċ' (U+010A).
        assert_eq!(unicode_to_byte('Ġ'), Some(b' '));
        assert_eq!(unicode_to_byte('Ċ'), Some(b'\n'));
        assert_eq!(unicode_to_byte('a'), Some(b'a'));
        assert_eq!(unicode_to_byte('ÿ'), Some(0xFF));
        assert_eq!(unicode_to_byte(' '), None);
        let all: std::collections::BTreeSet<u8> =
            (0u32..0x200).filter_map(char::from_u32).filter_map(unicode_to_byte).collect();
        assert_eq!(all.len(), 256);
        assert_eq!(token_to_bytes("ĠhelloĊ"), b" hello\n");
        assert_eq!(token_to_bytes("<|endoftext|>"), b"<|endoftext|>");
    }
}
