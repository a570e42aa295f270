//! Encoding: pre-tokenize, then byte-level BPE on each piece.
//!
//! Within a piece the lowest-ranked adjacent pair is merged first (the leftmost on a
//! tie), exactly as GPT-2's `bpe()` and Hugging Face's `Word::merge_all` do. Short
//! pieces (nearly all words) rescan a small array on the stack for the best pair; a
//! heap of candidate pairs keeps long pieces (whitespace runs, CJK text without
//! spaces) at O(n log n) instead of the O(n²) of rescanning.

use alloc::collections::BinaryHeap;
use alloc::vec::Vec;
use core::cmp::Reverse;

use super::pretokenize::pieces;
use super::vocab::Tokenizer;

/// Marks "no neighbour" in the symbol links and "merged away" in symbol ids.
const NONE: u32 = u32::MAX;

/// Longest piece (in bytes) encoded by rescanning instead of with the heap.
const SHORT_PIECE: usize = 32;

/// Buffers reused from piece to piece so encoding allocates once per call.
#[derive(Default)]
struct Scratch {
    /// Token id of each symbol; `NONE` once merged into its left neighbour.
    ids: Vec<u32>,
    prev: Vec<u32>,
    next: Vec<u32>,
    /// Candidate merges as (rank, position of the left symbol), lowest first.
    heap: BinaryHeap<Reverse<(u32, u32)>>,
}

impl Tokenizer {
    /// Appends the token ids of `text` to `out`.
    ///
    /// `text` should be UTF-8; other bytes are still encoded losslessly, each byte
    /// that is not part of a valid UTF-8 sequence counting as a punctuation-like
    /// character during pre-tokenization. So `decode(encode(x)) == x` for any bytes.
    pub fn encode(&self, text: &[u8], out: &mut Vec<u32>) {
        let mut scratch = Scratch::default();
        for piece in pieces(text) {
            self.encode_piece(piece, &mut scratch, out);
        }
    }

    /// The token ids of `text` (see `encode`).
    pub fn encode_to_vec(&self, text: &[u8]) -> Vec<u32> {
        let mut out = Vec::new();
        self.encode(text, &mut out);
        out
    }

    fn encode_piece(&self, piece: &[u8], s: &mut Scratch, out: &mut Vec<u32>) {
        match piece.len() {
            1 => out.push(self.byte_token[usize::from(piece[0])]),
            2..=SHORT_PIECE => self.encode_short(piece, out),
            _ => self.encode_long(piece, s, out),
        }
    }

    /// BPE on a short piece: find the best pair, merge it, repeat.
    fn encode_short(&self, piece: &[u8], out: &mut Vec<u32>) {
        let mut ids = [0u32; SHORT_PIECE];
        // (rank, result) of the pair starting at each symbol; rank NONE: no merge.
        let mut pairs = [(NONE, 0u32); SHORT_PIECE];
        let mut n = piece.len();
        for (id, &b) in ids.iter_mut().zip(piece) {
            *id = self.byte_token[usize::from(b)];
        }
        let pair = |l: u32, r: u32| self.merge_of(l, r).unwrap_or((NONE, 0));
        for i in 0..n - 1 {
            pairs[i] = pair(ids[i], ids[i + 1]);
        }
        loop {
            let mut best = 0;
            for i in 1..n - 1 {
                if pairs[i].0 < pairs[best].0 {
                    best = i;
                }
            }
            if n < 2 || pairs[best].0 == NONE {
                break;
            }
            ids[best] = pairs[best].1;
            ids.copy_within(best + 2..n, best + 1);
            pairs.copy_within(best + 2..n, best + 1);
            n -= 1;
            if best + 1 < n {
                pairs[best] = pair(ids[best], ids[best + 1]);
            } else {
                pairs[best] = (NONE, 0);
            }
            if best > 0 {
                pairs[best - 1] = pair(ids[best - 1], ids[best]);
            }
        }
        out.extend_from_slice(&ids[..n]);
    }

    /// BPE on a long piece, with the candidate pairs in a heap.
    fn encode_long(&self, piece: &[u8], s: &mut Scratch, out: &mut Vec<u32>) {
        let len = piece.len() as u32;
        s.ids.clear();
        s.ids.extend(piece.iter().map(|&b| self.byte_token[usize::from(b)]));
        s.prev.clear();
        s.prev.extend((0..len).map(|i| i.wrapping_sub(1))); // 0 - 1 wraps to NONE
        s.next.clear();
        s.next.extend((1..=len).map(|i| if i == len { NONE } else { i }));
        s.heap.clear();
        for i in 0..piece.len() - 1 {
            if let Some((rank, _)) = self.merge_of(s.ids[i], s.ids[i + 1]) {
                s.heap.push(Reverse((rank, i as u32)));
            }
        }

        while let Some(Reverse((rank, pos))) = s.heap.pop() {
            let (pos_u, left) = (pos as usize, s.ids[pos as usize]);
            let right_pos = s.next[pos_u];
            if left == NONE || right_pos == NONE {
                continue; // stale: this symbol was merged away or is now the last
            }
            let result = match self.merge_of(left, s.ids[right_pos as usize]) {
                Some((r, result)) if r == rank => result,
                _ => continue, // stale: the pair at `pos` changed since it was queued
            };
            s.ids[pos_u] = result;
            s.ids[right_pos as usize] = NONE;
            let after = s.next[right_pos as usize];
            s.next[pos_u] = after;
            if after != NONE {
                s.prev[after as usize] = pos;
                if let Some((r, _)) = self.merge_of(result, s.ids[after as usize]) {
                    s.heap.push(Reverse((r, pos)));
                }
            }
            let before = s.prev[pos_u];
            if before != NONE {
                if let Some((r, _)) = self.merge_of(s.ids[before as usize], result) {
                    s.heap.push(Reverse((r, before)));
                }
            }
        }

        let mut i = 0u32;
        while i != NONE {
            out.push(s.ids[i as usize]);
            i = s.next[i as usize];
        }
    }
}
