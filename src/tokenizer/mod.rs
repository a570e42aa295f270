//! GPT-2 byte-level BPE tokenizer (encode/decode) and CP437 <-> UTF-8 conversion.
//!
//! - `Tokenizer`: tokens as raw byte strings, merges as ranked pairs of ids, held in
//!   compact sorted arrays; `encode` / `decode` / `decode_token`;
//!   `to_section_bytes` / `from_section_bytes` for the model file (layout in
//!   `section`); `from_hf_files` on the host.
//! - Pre-tokenization implements GPT-2's regex by hand (`pretokenize`), with
//!   Unicode classes from a ~2 KB generated table (`unicode_tables`).
//! - `cp437`: DOS console code page conversion, streaming-friendly.

mod char_class;
mod compact_array;
pub mod cp437;
mod encode;
mod error;
#[cfg(feature = "host")]
mod hf_files;
mod pretokenize;
mod section;
mod unicode_tables;
mod vocab;

pub use char_class::{class_of, CharClass};
pub use error::TokenizerError;
pub use pretokenize::{pieces, Pieces};
pub use vocab::Tokenizer;
