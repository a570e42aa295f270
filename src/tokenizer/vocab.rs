//! The in-memory tokenizer: token bytes and merge ranks in sorted arrays.
//!
//! Tokens are raw byte strings (not the byte-to-unicode strings of `vocab.json`);
//! merges are ordered pairs of token ids whose rank is their index. Lookups are
//! binary searches over compact arrays instead of hash maps, because on DOS every
//! byte of RAM counts: the GPT-2 vocabulary takes about 0.9 MB this way.

use alloc::vec::Vec;

use super::compact_array::CompactArray;
use super::error::TokenizerError;

/// Placeholder in `byte_token` while looking for the single-byte tokens.
const NO_TOKEN: u32 = u32::MAX;

/// A byte-level BPE tokenizer (GPT-2's algorithm, any vocabulary).
pub struct Tokenizer {
    /// All tokens' bytes, one after the other.
    pub(super) token_bytes: Vec<u8>,
    /// `token_ends[i]` is where token `i` ends in `token_bytes` (it starts where
    /// token `i - 1` ends).
    pub(super) token_ends: CompactArray,
    /// The token holding each single byte: the symbols BPE starts from.
    pub(super) byte_token: [u32; 256],
    /// Merges grouped by left token: those with left id `l` are at
    /// `pair_start[l]..pair_start[l + 1]`, sorted by right id.
    pub(super) pair_start: CompactArray,
    pub(super) pair_right: CompactArray,
    /// Rank (priority, lower merges first) of each merge.
    pub(super) pair_rank: CompactArray,
    /// Token id the merge produces.
    pub(super) pair_result: CompactArray,
}

impl Tokenizer {
    /// Builds a tokenizer from its tokens (id = index) and its merges (rank = index).
    ///
    /// Rejects empty or duplicate tokens, a missing single-byte token, merges naming
    /// unknown ids, merges whose concatenation is not a token, and repeated merges.
    /// (Sorts the tokens to find merge results: meant for the host; a model file's
    /// section stores the results and loads without sorting.)
    pub fn from_tokens<T: AsRef<[u8]>>(tokens: &[T], merges: &[[u32; 2]]) -> Result<Tokenizer, TokenizerError> {
        let n = u32::try_from(tokens.len()).map_err(|_| TokenizerError::TooLarge)?;
        let token = |id: u32| tokens[id as usize].as_ref();
        let mut by_bytes: Vec<u32> = (0..n).collect();
        by_bytes.sort_unstable_by(|&a, &b| token(a).cmp(token(b)).then(a.cmp(&b)));
        for w in by_bytes.windows(2) {
            if token(w[0]) == token(w[1]) {
                return Err(TokenizerError::DuplicateToken { id: w[1], first: w[0] });
            }
        }
        let mut merges_with_results = Vec::with_capacity(merges.len());
        let mut joined = Vec::new();
        for (rank, &[left, right]) in merges.iter().enumerate() {
            let rank = rank as u32;
            for id in [left, right] {
                if id >= n {
                    return Err(TokenizerError::MergeIdOutOfRange { rank, id });
                }
            }
            joined.clear();
            joined.extend_from_slice(token(left));
            joined.extend_from_slice(token(right));
            let k = by_bytes
                .binary_search_by(|&id| token(id).cmp(&joined))
                .map_err(|_| TokenizerError::MergeResultMissing { rank })?;
            merges_with_results.push([left, right, by_bytes[k]]);
        }
        drop(by_bytes);

        let total: usize = tokens.iter().map(|t| t.as_ref().len()).sum();
        let mut bytes = Vec::with_capacity(total);
        for t in tokens {
            bytes.extend_from_slice(t.as_ref());
        }
        let len = |i: usize| u32::try_from(tokens[i].as_ref().len()).unwrap_or(u32::MAX);
        let merge = |r: usize| merges_with_results[r];
        Self::build(bytes, &len, tokens.len(), &merge, merges.len())
    }

    /// Shared constructor, linear time (no sorting, for loading on a 486):
    /// `token_len(i)` for `i < token_count` gives the token lengths, which must add
    /// up to `token_bytes.len()`; `merge(r)` gives `[left, right, result]` of the
    /// merge of rank `r`.
    pub(super) fn build(
        token_bytes: Vec<u8>,
        token_len: &dyn Fn(usize) -> u32,
        token_count: usize,
        merge: &dyn Fn(usize) -> [u32; 3],
        merge_count: usize,
    ) -> Result<Tokenizer, TokenizerError> {
        let n = u32::try_from(token_count).map_err(|_| TokenizerError::TooLarge)?;
        let m = u32::try_from(merge_count).map_err(|_| TokenizerError::TooLarge)?;
        let total = u32::try_from(token_bytes.len()).map_err(|_| TokenizerError::TooLarge)?;
        if n == u32::MAX {
            return Err(TokenizerError::TooLarge);
        }

        let mut token_ends = CompactArray::zeroed(token_count, total);
        let mut end = 0u32;
        for i in 0..token_count {
            let len = token_len(i);
            if len == 0 {
                return Err(TokenizerError::EmptyToken { id: i as u32 });
            }
            end = end.checked_add(len).ok_or(TokenizerError::TokenBytesMismatch)?;
            if end > total {
                return Err(TokenizerError::TokenBytesMismatch);
            }
            token_ends.set(i, end);
        }
        if end != total {
            return Err(TokenizerError::TokenBytesMismatch);
        }
        let mut tok = Tokenizer {
            token_bytes,
            token_ends,
            byte_token: [NO_TOKEN; 256],
            pair_start: CompactArray::zeroed(token_count + 1, m),
            pair_right: CompactArray::zeroed(merge_count, n),
            pair_rank: CompactArray::zeroed(merge_count, m),
            pair_result: CompactArray::zeroed(merge_count, n),
        };

        for id in 0..n {
            if let [b] = *tok.token(id) {
                let slot = &mut tok.byte_token[usize::from(b)];
                if *slot != NO_TOKEN {
                    return Err(TokenizerError::DuplicateToken { id, first: *slot });
                }
                *slot = id;
            }
        }
        if let Some(b) = tok.byte_token.iter().position(|&id| id == NO_TOKEN) {
            return Err(TokenizerError::MissingByteToken { byte: b as u8 });
        }

        for r in 0..merge_count {
            let [left, right, result] = merge(r);
            let rank = r as u32;
            for id in [left, right, result] {
                if id >= n {
                    return Err(TokenizerError::MergeIdOutOfRange { rank, id });
                }
            }
            let (l, rt, res) = (tok.token(left), tok.token(right), tok.token(result));
            if res.len() != l.len() + rt.len() || res[..l.len()] != *l || res[l.len()..] != *rt {
                return Err(TokenizerError::MergeResultMissing { rank });
            }
        }

        // Group the merges by left id, sorted by right id within each group: two
        // stable counting-sort passes (by right, then by left), linear time.
        let mut cursor = group_starts(token_count, merge, merge_count, 1);
        let mut by_right = CompactArray::zeroed(merge_count, m);
        for r in 0..merge_count {
            let right = merge(r)[1] as usize;
            let k = cursor.get(right);
            by_right.set(k as usize, r as u32);
            cursor.set(right, k + 1);
        }
        tok.pair_start = group_starts(token_count, merge, merge_count, 0);
        let mut cursor = group_starts(token_count, merge, merge_count, 0);
        for i in 0..merge_count {
            let rank = by_right.get(i);
            let [left, right, result] = merge(rank as usize);
            let k = cursor.get(left as usize) as usize;
            cursor.set(left as usize, k as u32 + 1);
            if k > tok.pair_start.get(left as usize) as usize && tok.pair_right.get(k - 1) == right {
                let first = tok.pair_rank.get(k - 1);
                return Err(TokenizerError::DuplicateMerge { rank: rank.max(first), first: rank.min(first) });
            }
            tok.pair_right.set(k, right);
            tok.pair_rank.set(k, rank);
            tok.pair_result.set(k, result);
        }
        Ok(tok)
    }

    /// Number of tokens (ids are `0..vocab_size`).
    pub fn vocab_size(&self) -> usize {
        self.token_ends.len()
    }

    /// Number of merges (ranks are `0..merge_count`).
    pub fn merge_count(&self) -> usize {
        self.pair_right.len()
    }

    /// Bytes of token `id`, or `None` for an id outside the vocabulary.
    pub fn token_bytes(&self, id: u32) -> Option<&[u8]> {
        let i = usize::try_from(id).ok()?;
        if i >= self.vocab_size() {
            return None;
        }
        let start = if i == 0 { 0 } else { self.token_ends.get(i - 1) as usize };
        Some(&self.token_bytes[start..self.token_ends.get(i) as usize])
    }

    /// Bytes of token `id` (empty for an id outside the vocabulary).
    pub fn decode_token(&self, id: u32) -> &[u8] {
        self.token_bytes(id).unwrap_or(&[])
    }

    /// Concatenated bytes of `ids` (ids outside the vocabulary contribute nothing).
    pub fn decode(&self, ids: &[u32]) -> Vec<u8> {
        let mut out = Vec::new();
        for &id in ids {
            out.extend_from_slice(self.decode_token(id));
        }
        out
    }

    /// Id of the token whose bytes are exactly `bytes` (e.g. `<|endoftext|>`).
    /// A linear scan: meant for a few look-ups at start-up, not for encoding.
    pub fn find_token(&self, bytes: &[u8]) -> Option<u32> {
        (0..self.vocab_size() as u32).find(|&id| self.decode_token(id) == bytes)
    }

    /// The merges in rank order, as `[left, right]` token ids.
    pub fn merges(&self) -> Vec<[u32; 2]> {
        self.merges_with_results().into_iter().map(|[l, r, _]| [l, r]).collect()
    }

    /// The merges in rank order, as `[left, right, result]` token ids.
    pub fn merges_with_results(&self) -> Vec<[u32; 3]> {
        let mut out = alloc::vec![[0u32; 3]; self.merge_count()];
        for left in 0..self.vocab_size() {
            for k in self.pair_start.get(left) as usize..self.pair_start.get(left + 1) as usize {
                out[self.pair_rank.get(k) as usize] = [left as u32, self.pair_right.get(k), self.pair_result.get(k)];
            }
        }
        out
    }

    /// Rank and result of merging `left` then `right`, if that pair is a merge.
    #[inline]
    pub(super) fn merge_of(&self, left: u32, right: u32) -> Option<(u32, u32)> {
        let lo = self.pair_start.get(left as usize) as usize;
        let hi = self.pair_start.get(left as usize + 1) as usize;
        let k = self.pair_right.lower_bound(lo, hi, right);
        if k < hi && self.pair_right.get(k) == right {
            Some((self.pair_rank.get(k), self.pair_result.get(k)))
        } else {
            None
        }
    }

    /// Heap bytes this tokenizer holds (its RAM cost beyond the struct itself).
    pub fn heap_bytes(&self) -> usize {
        self.token_bytes.capacity()
            + self.token_ends.heap_bytes()
            + self.pair_start.heap_bytes()
            + self.pair_right.heap_bytes()
            + self.pair_rank.heap_bytes()
            + self.pair_result.heap_bytes()
    }

    /// Bytes of a token known to exist.
    fn token(&self, id: u32) -> &[u8] {
        self.decode_token(id)
    }
}

/// Where each id's group starts when the merges are grouped by their id at
/// `side` (0 left, 1 right): entry `id` counts the merges with a smaller id there;
/// entry `ids` is `count`.
fn group_starts(ids: usize, merge: &dyn Fn(usize) -> [u32; 3], count: usize, side: usize) -> CompactArray {
    let mut starts = CompactArray::zeroed(ids + 1, count as u32);
    for i in 0..count {
        let k = merge(i)[side] as usize + 1;
        starts.set(k, starts.get(k) + 1);
    }
    for i in 1..=ids {
        starts.set(i, starts.get(i) + starts.get(i - 1));
    }
    starts
}

impl core::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Tokenizer")
            .field("vocab_size", &self.vocab_size())
            .field("merge_count", &self.merge_count())
            .field("heap_bytes", &self.heap_bytes())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// The 256 single bytes (id = byte), then `extra`.
    fn tokens(extra: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut t: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        t.extend(extra.iter().map(|e| e.to_vec()));
        t
    }

    const A: u32 = b'a' as u32;
    const B: u32 = b'b' as u32;
    const C: u32 = b'c' as u32;

    #[test]
    fn merges_apply_by_rank() {
        // "ab" = 256, "bc" = 257, "abc" = 258; (b, c) outranks (a, b).
        let tok = Tokenizer::from_tokens(&tokens(&[b"ab", b"bc", b"abc"]), &[[B, C], [A, B], [A, 257]]).unwrap();
        assert_eq!(tok.encode_to_vec(b"abc"), [258]); // a + bc, then abc
        assert_eq!(tok.encode_to_vec(b"ab"), [256]);
        assert_eq!(tok.encode_to_vec(b"abab"), [256, 256]);
        assert_eq!(tok.encode_to_vec(b"cab"), [C, 256]);
        assert_eq!(tok.merges(), [[B, C], [A, B], [A, 257]]);
        assert_eq!(tok.decode(&[258, 256, 999]), b"abcab");
        assert_eq!(tok.token_bytes(259), None);
        assert_eq!(tok.find_token(b"bc"), Some(257));
    }

    #[test]
    fn ties_merge_leftmost_first() {
        // "aaa": the pair (a, a) occurs twice; the left one merges first.
        let tok = Tokenizer::from_tokens(&tokens(&[b"aa", b"aaa"]), &[[A, A], [A, 256]]).unwrap();
        assert_eq!(tok.encode_to_vec(b"aaa"), [256, A]);
        assert_eq!(tok.encode_to_vec(b"aaaa"), [256, 256]);
        // With (a, aa) ranked first it still cannot apply before (a, a) made "aa".
        let tok = Tokenizer::from_tokens(&tokens(&[b"aa", b"aaa"]), &[[A, 256], [A, A]]).unwrap();
        assert_eq!(tok.encode_to_vec(b"aaa"), [256, A]);
    }

    #[test]
    fn wide_ids_work_like_narrow_ones() {
        // 70 000 tokens forces u32 arrays; the merge result sits above 65 535.
        let mut t = tokens(&[]);
        for i in 256..70_000u32 {
            t.push(vec![0xFF, (i >> 16) as u8, (i >> 8) as u8, i as u8]);
        }
        t.push(b"xy".to_vec());
        let tok = Tokenizer::from_tokens(&t, &[[u32::from(b'x'), u32::from(b'y')]]).unwrap();
        assert!(matches!(tok.pair_result, CompactArray::Wide(_)));
        assert_eq!(tok.encode_to_vec(b"xyz"), [70_000, u32::from(b'z')]);
    }

    #[test]
    fn bad_vocabularies_are_rejected() {
        use TokenizerError::*;
        let err = |t: &[Vec<u8>], m: &[[u32; 2]]| Tokenizer::from_tokens(t, m).unwrap_err();
        assert_eq!(err(&tokens(&[b""]), &[]), EmptyToken { id: 256 });
        assert_eq!(err(&tokens(&[b"ab", b"ab"]), &[]), DuplicateToken { id: 257, first: 256 });
        assert_eq!(err(&tokens(&[b"a"]), &[]), DuplicateToken { id: 256, first: A });
        let mut no_z = tokens(&[]);
        no_z[usize::from(b'z')] = b"zz".to_vec();
        assert_eq!(err(&no_z, &[]), MissingByteToken { byte: b'z' });
        assert_eq!(err(&tokens(&[b"ab"]), &[[A, 300]]), MergeIdOutOfRange { rank: 0, id: 300 });
        assert_eq!(err(&tokens(&[b"ab"]), &[[A, B], [B, A]]), MergeResultMissing { rank: 1 });
        assert_eq!(err(&tokens(&[b"ab"]), &[[A, B], [A, B]]), DuplicateMerge { rank: 1, first: 0 });
    }
}
