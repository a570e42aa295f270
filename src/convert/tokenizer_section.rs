//! The tokenizer section of a converted file.
//!
//! INTERIM: until the tokenizer module's `Tokenizer::to_section_bytes()` lands, the
//! section holds the checkpoint's raw files: u32 LE length + `vocab.json` bytes, then
//! u32 LE length + `merges.txt` bytes. `tokenizer_section` is the one place to swap.

use std::format;
use std::path::Path;
use std::string::String;
use std::vec::Vec;

use serde_json::Value;

use super::error::{read_file, ConvertError};

/// The bytes stored as the model file's tokenizer section.
pub fn tokenizer_section(hf_dir: &Path) -> Result<Vec<u8>, ConvertError> {
    let vocab = read_file(&hf_dir.join("vocab.json"))?;
    let merges = read_file(&hf_dir.join("merges.txt"))?;
    let mut out = Vec::with_capacity(vocab.len() + merges.len() + 8);
    for part in [&vocab, &merges] {
        let len = u32::try_from(part.len()).map_err(|_| ConvertError::BadTokenizer {
            path: hf_dir.into(),
            detail: "tokenizer file over 4 GiB".into(),
        })?;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(part);
    }
    Ok(out)
}

/// Checks vocab.json (an object of token → id < vocab_size) and merges.txt (pairs).
pub fn check_tokenizer_files(hf_dir: &Path, vocab_size: usize) -> Result<(), ConvertError> {
    let path = hf_dir.join("vocab.json");
    let json: Value = serde_json::from_slice(&read_file(&path)?)
        .map_err(|e| ConvertError::BadJson { path: path.clone(), detail: format!("{e}") })?;
    let bad = |detail: String| ConvertError::BadTokenizer { path: path.clone(), detail };
    let obj = json.as_object().ok_or_else(|| bad("not a JSON object".into()))?;
    for (token, id) in obj {
        match id.as_u64() {
            Some(id) if (id as usize) < vocab_size => {}
            _ => {
                return Err(bad(format!("token {token:?} has id {id}, vocab_size is {vocab_size}")))
            }
        }
    }
    let path = hf_dir.join("merges.txt");
    let text = String::from_utf8(read_file(&path)?).map_err(|_| ConvertError::BadTokenizer {
        path: path.clone(),
        detail: "not UTF-8".into(),
    })?;
    for (n, line) in text.lines().enumerate() {
        if line.starts_with("#version") || line.is_empty() {
            continue;
        }
        if line.split(' ').count() != 2 {
            return Err(ConvertError::BadTokenizer {
                path: path.clone(),
                detail: format!("line {}: expected two tokens, found {line:?}", n + 1),
            });
        }
    }
    Ok(())
}
