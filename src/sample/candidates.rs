//! The candidate set of one draw: temperature weights, top-k, top-p.
//!
//! Candidates are `(id, weight)` with weight = e^((logit - max) / T) in Q2.30. Their
//! order is canonical, so every platform and compiler version walks them alike: ids
//! ascending, or — once top-k or top-p has ranked them — logit descending, id ascending.
//! Ranking uses a binary max-heap (O(n) to build, O(log n) per token taken), not
//! `sort_unstable`/`select_nth_unstable`, which add ≈ 12 KB of code to GEN.EXE.

use alloc::vec::Vec;

use super::rng::Pcg32;
use crate::math::exp_neg_q30;
use crate::math::fixed::{sat_i32, shift_round};

pub struct Candidates {
    pairs: Vec<(u32, u32)>,
}

impl Candidates {
    pub fn with_capacity(vocab: usize) -> Candidates {
        Candidates { pairs: Vec::with_capacity(vocab) }
    }

    /// `(id, weight)` of the current candidates, in draw order.
    pub fn pairs(&self) -> &[(u32, u32)] {
        &self.pairs
    }

    /// Builds the candidates from `logits` (non-empty) for temperature > 0.
    pub fn build(&mut self, logits: &[i32], temperature_milli: u32, top_k: u32, top_p_milli: u32) {
        let n = logits.len();
        self.pairs.clear();
        self.pairs.extend((0..n as u32).map(|id| (id, 0)));
        let k = top_k as usize;
        let top_p = top_p_milli < 1000;
        let ranked = top_p || (k > 0 && k < n);
        if ranked {
            make_heap(&mut self.pairs, logits);
        }
        if k > 0 && k < n {
            take_best(&mut self.pairs, logits, k);
        }
        let max = self.pairs.iter().map(|p| logits[p.0 as usize]).max().unwrap_or(0) as i64;
        // (l - max) / T = (l - max) · f / 2^30 with f = 2^30 · 1000 / T (≤ 2^40).
        let t_milli = temperature_milli.max(1) as u64;
        let f = (((1000u64 << 30) + t_milli / 2) / t_milli) as i64;
        // Below (l - max)/T = -22, e^x < 2^-31 rounds to 0: clamping there keeps
        // |l - max| · f < 22 · 2^46.
        let floor = -(((22u64 << 16) * t_milli / 1000) as i64) - 1;
        for p in self.pairs.iter_mut() {
            let d = (logits[p.0 as usize] as i64 - max).max(floor);
            p.1 = exp_neg_q30(sat_i32(shift_round(d * f, 30)));
        }
        if top_p {
            // Take the best one by one until their mass reaches top_p. The pairs are a
            // max-heap (a best-first list after top-k is one too), and weights fall
            // with rank, so this stops within the tokens of positive weight.
            let total: u64 = self.pairs.iter().map(|p| p.1 as u64).sum();
            let target = total * top_p_milli as u64; // < 2^46 · 2^10
            let m = self.pairs.len();
            let (mut cum, mut taken) = (0u64, 0);
            while taken < m {
                cum += pop_best(&mut self.pairs[..m - taken], logits).1 as u64;
                taken += 1;
                if cum * 1000 >= target {
                    break;
                }
            }
            keep_tail_reversed(&mut self.pairs, taken);
        }
    }

    /// Draws one id in proportion to the weights.
    pub fn draw(&self, rng: &mut Pcg32) -> u32 {
        let total: u64 = self.pairs.iter().map(|p| p.1 as u64).sum();
        let mut u = rng.below(total);
        for &(id, w) in &self.pairs {
            if u < w as u64 {
                return id;
            }
            u -= w as u64;
        }
        self.pairs.last().map_or(0, |p| p.0)
    }
}

/// `a` ranks above `b`: larger logit, or the same logit and a lower id.
fn above(logits: &[i32], a: (u32, u32), b: (u32, u32)) -> bool {
    let (la, lb) = (logits[a.0 as usize], logits[b.0 as usize]);
    la > lb || (la == lb && a.0 < b.0)
}

fn sift_down(heap: &mut [(u32, u32)], logits: &[i32], mut i: usize) {
    loop {
        let l = 2 * i + 1;
        if l >= heap.len() {
            return;
        }
        let c = if l + 1 < heap.len() && above(logits, heap[l + 1], heap[l]) { l + 1 } else { l };
        if !above(logits, heap[c], heap[i]) {
            return;
        }
        heap.swap(i, c);
        i = c;
    }
}

fn make_heap(heap: &mut [(u32, u32)], logits: &[i32]) {
    for i in (0..heap.len() / 2).rev() {
        sift_down(heap, logits, i);
    }
}

/// Moves the best of `heap` to its last slot and restores the heap on the rest.
fn pop_best(heap: &mut [(u32, u32)], logits: &[i32]) -> (u32, u32) {
    let last = heap.len() - 1;
    heap.swap(0, last);
    sift_down(&mut heap[..last], logits, 0);
    heap[last]
}

/// The `k` best of a heap, best first, as the whole of `pairs`.
fn take_best(pairs: &mut Vec<(u32, u32)>, logits: &[i32], k: usize) {
    let n = pairs.len();
    for taken in 0..k {
        pop_best(&mut pairs[..n - taken], logits);
    }
    keep_tail_reversed(pairs, k);
}

/// Keeps the last `m` entries (popped best last-first), best first.
fn keep_tail_reversed(pairs: &mut Vec<(u32, u32)>, m: usize) {
    let n = pairs.len();
    pairs[n - m..].reverse();
    pairs.copy_within(n - m.., 0);
    pairs.truncate(m);
}
