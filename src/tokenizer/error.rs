//! Why a tokenizer could not be built or read.

use core::fmt;

/// Every way a vocabulary, a merge list or a serialized section can be rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenizerError {
    /// The section is shorter than its header, or its length disagrees with the
    /// counts in the header.
    BadSectionLength { expected: u64, actual: u64 },
    /// The section does not start with the `GBPE` magic.
    BadMagic,
    /// The section has a layout version this reader does not know.
    UnsupportedVersion(u32),
    /// More tokens or merges than a `u32` id can address.
    TooLarge,
    /// The token lengths do not add up to the token byte count of the header.
    TokenBytesMismatch,
    /// A token with no bytes.
    EmptyToken { id: u32 },
    /// Two tokens with the same bytes.
    DuplicateToken { id: u32, first: u32 },
    /// No token holds this single byte, so some inputs could not be encoded.
    MissingByteToken { byte: u8 },
    /// A merge names a token id that does not exist.
    MergeIdOutOfRange { rank: u32, id: u32 },
    /// The concatenation of a merge's two tokens is not a token (building from
    /// tokens), or not the result token the section names (reading a section).
    MergeResultMissing { rank: u32 },
    /// The same pair appears twice in the merge list.
    DuplicateMerge { rank: u32, first: u32 },
    /// `vocab.json` is not a JSON object of token strings to ids.
    VocabJson,
    /// The ids in `vocab.json` are not exactly 0..n.
    VocabIds,
    /// A line of `merges.txt` is not two tokens separated by one space.
    MergesSyntax { line: u32 },
    /// A token of `merges.txt` is not in `vocab.json`.
    MergeTokenUnknown { line: u32 },
}

impl fmt::Display for TokenizerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use TokenizerError::*;
        match self {
            BadSectionLength { expected, actual } => {
                write!(f, "tokenizer section is {actual} bytes, its header says {expected}")
            }
            BadMagic => f.write_str("tokenizer section has no GBPE magic"),
            UnsupportedVersion(v) => write!(f, "tokenizer section version {v} is not supported"),
            TooLarge => f.write_str("tokenizer has too many tokens or merges"),
            TokenBytesMismatch => f.write_str("token lengths do not add up to the byte count"),
            EmptyToken { id } => write!(f, "token {id} is empty"),
            DuplicateToken { id, first } => write!(f, "token {id} repeats token {first}"),
            MissingByteToken { byte } => write!(f, "no token for byte {byte:#04x}"),
            MergeIdOutOfRange { rank, id } => write!(f, "merge {rank} names unknown token {id}"),
            MergeResultMissing { rank } => {
                write!(f, "merge {rank} does not make a token of the vocabulary")
            }
            DuplicateMerge { rank, first } => write!(f, "merge {rank} repeats merge {first}"),
            VocabJson => f.write_str("vocab.json is not an object of strings to ids"),
            VocabIds => f.write_str("vocab.json ids are not exactly 0..n"),
            MergesSyntax { line } => write!(f, "merges.txt line {line} is not two tokens"),
            MergeTokenUnknown { line } => {
                write!(f, "merges.txt line {line} names a token not in vocab.json")
            }
        }
    }
}

#[cfg(feature = "host")]
impl std::error::Error for TokenizerError {}
