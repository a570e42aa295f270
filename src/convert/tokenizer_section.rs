//! The tokenizer section of a converted file: the checkpoint's `vocab.json` and
//! `merges.txt` parsed and validated by the tokenizer module, stored in its own
//! section layout (`Tokenizer::to_section_bytes`).

use std::format;
use std::path::Path;
use std::string::String;
use std::vec::Vec;

use super::error::{read_file, ConvertError};
use crate::tokenizer::Tokenizer;

/// The bytes stored as the model file's tokenizer section.
pub fn tokenizer_section(hf_dir: &Path, vocab_size: usize) -> Result<Vec<u8>, ConvertError> {
    let text = |name: &str| -> Result<String, ConvertError> {
        let path = hf_dir.join(name);
        String::from_utf8(read_file(&path)?)
            .map_err(|_| ConvertError::BadTokenizer { path, detail: "not UTF-8".into() })
    };
    let (vocab, merges) = (text("vocab.json")?, text("merges.txt")?);
    let tokenizer = Tokenizer::from_hf_files(&vocab, &merges)
        .map_err(|e| ConvertError::BadTokenizer { path: hf_dir.join("vocab.json"), detail: format!("{e}") })?;
    if tokenizer.vocab_size() > vocab_size {
        return Err(ConvertError::BadTokenizer {
            path: hf_dir.join("vocab.json"),
            detail: format!("{} tokens, but the model's vocab_size is {vocab_size}", tokenizer.vocab_size()),
        });
    }
    Ok(tokenizer.to_section_bytes())
}
