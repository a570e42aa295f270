//! The tokenizer as a byte blob: the tokenizer section of a GPT2BSCM model file.
//!
//! Layout (all integers little-endian `u32`, no padding):
//!
//! | offset              | size  | field                                             |
//! |---------------------|-------|---------------------------------------------------|
//! | 0                   | 4     | magic `GBPE` (bytes `47 42 50 45`)                |
//! | 4                   | 4     | layout version, 1                                 |
//! | 8                   | 4     | `n`: token count (ids are `0..n`)                 |
//! | 12                  | 4     | `m`: merge count (ranks are `0..m`)               |
//! | 16                  | 4     | `b`: total bytes of all tokens                    |
//! | 20                  | 4·n   | byte length of each token, by id (each ≥ 1)       |
//! | 20 + 4n             | 12·m  | merges by rank: left id, right id, result id      |
//! | 20 + 4n + 12m       | b     | token bytes, by id, concatenated (raw bytes)      |
//!
//! The result id (the token whose bytes are left's then right's) is redundant but
//! checked; storing it lets a 486 load the section in linear time, with no sort
//! and no index of tokens by bytes.
//!
//! The section is exactly `20 + 4n + 12m + b` bytes long; any other length is
//! rejected before anything is allocated, so allocations never exceed what the
//! input length justifies. The reader then checks: every token non-empty, each of
//! the 256 single bytes exactly one token, merge ids in range, each merge's result
//! the concatenation of its pair, no repeated pair. (Other duplicate tokens, which
//! `from_tokens` rejects, cannot change encoding or decoding and are not looked for.)

use alloc::vec::Vec;

use super::error::TokenizerError;
use super::vocab::Tokenizer;

const MAGIC: [u8; 4] = *b"GBPE";
const VERSION: u32 = 1;
const HEADER_BYTES: usize = 20;

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

impl Tokenizer {
    /// Serializes the tokenizer in the layout above.
    pub fn to_section_bytes(&self) -> Vec<u8> {
        let n = self.vocab_size();
        let merges = self.merges_with_results();
        let mut out = Vec::with_capacity(HEADER_BYTES + 4 * n + 12 * merges.len() + self.token_bytes.len());
        out.extend_from_slice(&MAGIC);
        for v in [VERSION, n as u32, merges.len() as u32, self.token_bytes.len() as u32] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for id in 0..n as u32 {
            out.extend_from_slice(&(self.decode_token(id).len() as u32).to_le_bytes());
        }
        for merge in merges {
            for id in merge {
                out.extend_from_slice(&id.to_le_bytes());
            }
        }
        out.extend_from_slice(&self.token_bytes);
        out
    }

    /// Reads a tokenizer written by `to_section_bytes`, validating everything.
    pub fn from_section_bytes(bytes: &[u8]) -> Result<Tokenizer, TokenizerError> {
        let actual = bytes.len() as u64;
        if bytes.len() < HEADER_BYTES {
            return Err(TokenizerError::BadSectionLength { expected: HEADER_BYTES as u64, actual });
        }
        if bytes[0..4] != MAGIC {
            return Err(TokenizerError::BadMagic);
        }
        let version = read_u32(bytes, 4);
        if version != VERSION {
            return Err(TokenizerError::UnsupportedVersion(version));
        }
        let (n, m, b) = (read_u32(bytes, 8), read_u32(bytes, 12), read_u32(bytes, 16));
        let expected = HEADER_BYTES as u64 + 4 * u64::from(n) + 12 * u64::from(m) + u64::from(b);
        if expected != actual {
            return Err(TokenizerError::BadSectionLength { expected, actual });
        }
        // From here every count is bounded by the input length.
        let (n, m, b) = (n as usize, m as usize, b as usize);
        let lens_at = HEADER_BYTES;
        let merges_at = lens_at + 4 * n;
        let bytes_at = merges_at + 12 * m;
        let token_len = |i: usize| read_u32(bytes, lens_at + 4 * i);
        let total: u64 = (0..n).map(|i| u64::from(token_len(i))).sum();
        if total != b as u64 {
            return Err(TokenizerError::TokenBytesMismatch);
        }
        let merge = |r: usize| {
            let at = merges_at + 12 * r;
            [read_u32(bytes, at), read_u32(bytes, at + 4), read_u32(bytes, at + 8)]
        };
        Tokenizer::build(bytes[bytes_at..].to_vec(), &token_len, n, &merge, m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn small() -> Tokenizer {
        let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        tokens.push(b"ab".to_vec());
        Tokenizer::from_tokens(&tokens, &[[u32::from(b'a'), u32::from(b'b')]]).unwrap()
    }

    /// A section written by hand from tokens and `[left, right, result]` merges.
    fn raw_section(tokens: &[Vec<u8>], merges: &[[u32; 3]]) -> Vec<u8> {
        let total: usize = tokens.iter().map(Vec::len).sum();
        let mut out = b"GBPE".to_vec();
        for v in [1, tokens.len(), merges.len(), total] {
            out.extend_from_slice(&(v as u32).to_le_bytes());
        }
        for t in tokens {
            out.extend_from_slice(&(t.len() as u32).to_le_bytes());
        }
        for id in merges.iter().flatten() {
            out.extend_from_slice(&id.to_le_bytes());
        }
        out.extend(tokens.iter().flatten());
        out
    }

    #[test]
    fn repeated_pairs_and_byte_tokens_are_rejected() {
        let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        tokens.push(b"ab".to_vec());
        let ab = [u32::from(b'a'), u32::from(b'b'), 256];
        assert!(Tokenizer::from_section_bytes(&raw_section(&tokens, &[ab])).is_ok());
        assert_eq!(
            Tokenizer::from_section_bytes(&raw_section(&tokens, &[ab, ab])).unwrap_err(),
            TokenizerError::DuplicateMerge { rank: 1, first: 0 }
        );
        tokens.push(b"a".to_vec());
        assert_eq!(
            Tokenizer::from_section_bytes(&raw_section(&tokens, &[ab])).unwrap_err(),
            TokenizerError::DuplicateToken { id: 257, first: 97 }
        );
    }

    #[test]
    fn layout_is_as_documented() {
        let blob = small().to_section_bytes();
        assert_eq!(&blob[0..4], b"GBPE");
        assert_eq!(
            (read_u32(&blob, 4), read_u32(&blob, 8), read_u32(&blob, 12), read_u32(&blob, 16)),
            (1, 257, 1, 258)
        );
        assert_eq!(blob.len(), 20 + 4 * 257 + 12 + 258);
        assert_eq!(read_u32(&blob, 20 + 4 * 256), 2); // length of token 256
        let merge_at = 20 + 4 * 257;
        assert_eq!([0, 4, 8].map(|k| read_u32(&blob, merge_at + k)), [97, 98, 256]);
        assert_eq!(&blob[blob.len() - 3..], b"\xffab");
    }

    #[test]
    fn inconsistent_contents_are_rejected() {
        let blob = small().to_section_bytes();
        let mut bad = blob.clone();
        bad[20..24].copy_from_slice(&2u32.to_le_bytes()); // token 0 claims 2 bytes
        assert_eq!(Tokenizer::from_section_bytes(&bad).unwrap_err(), TokenizerError::TokenBytesMismatch);
        let mut bad = blob.clone();
        bad[20 + 4 * 257..24 + 4 * 257].copy_from_slice(&5000u32.to_le_bytes());
        assert_eq!(
            Tokenizer::from_section_bytes(&bad).unwrap_err(),
            TokenizerError::MergeIdOutOfRange { rank: 0, id: 5000 }
        );
        let mut bad = blob.clone();
        let last = bad.len() - 1;
        bad[last] = b'a'; // token 256 becomes "aa": not what the merge a+b makes
        assert_eq!(Tokenizer::from_section_bytes(&bad).unwrap_err(), TokenizerError::MergeResultMissing { rank: 0 });
        let mut bad = blob.clone();
        bad[28 + 4 * 257..32 + 4 * 257].copy_from_slice(&98u32.to_le_bytes()); // result "b"
        assert_eq!(Tokenizer::from_section_bytes(&bad).unwrap_err(), TokenizerError::MergeResultMissing { rank: 0 });
        let mut bad = blob.clone();
        bad[20 + 4 * 98..24 + 4 * 98].copy_from_slice(&2u32.to_le_bytes()); // "b" -> "bc"
        bad[20 + 4 * 99..24 + 4 * 99].copy_from_slice(&0u32.to_le_bytes()); // "c" empty
        assert_eq!(Tokenizer::from_section_bytes(&bad).unwrap_err(), TokenizerError::EmptyToken { id: 99 });
        assert!(Tokenizer::from_section_bytes(&blob).is_ok());
    }
}
