//! The candidate set of one draw: temperature weights, top-k, top-p.
//!
//! Candidates are `(id, weight)` with weight = e^((logit - max) / T) in Q2.30. Their
//! order is canonical, so every platform and compiler version walks them alike: ids
//! ascending, or — once top-k or top-p has ranked them — logit descending, id ascending.
//! Ranking uses binary heaps (top-k: one pass keeping the k best in a heap; top-p: a
//! max-heap of all, O(log n) per token taken), not `sort_unstable`/
//! `select_nth_unstable`, which add ≈ 12 KB of code to GEN.EXE.

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
        let k = top_k as usize;
        let top_p = top_p_milli < 1000;
        self.pairs.clear();
        if k > 0 && k < n {
            select_best(&mut self.pairs, logits, k);
        } else {
            self.pairs.extend((0..n as u32).map(|id| (id, 0)));
            if top_p {
                make_heap(&mut self.pairs, logits);
            }
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
#[inline(always)]
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

/// The `k` best ids (0 < k < n), best first, as the whole of `pairs` (empty on entry).
///
/// One pass keeps the k best so far in a heap with the worst of them on top, so most
/// ids cost one comparison with it; then the heap is sorted. (Heapifying all n ids and
/// popping k of them costs ~100 instructions per id on i386: 2048 logits, 200 K per
/// token.) Ranks are a total order, so the result equals any other correct selection.
fn select_best(pairs: &mut Vec<(u32, u32)>, logits: &[i32], k: usize) {
    let (first, rest) = logits.split_at(k.min(logits.len()));
    for id in 0..first.len() as u32 {
        pairs.push((id, 0));
        sift_up_worst(pairs, logits);
    }
    // Every id kept so far is lower than the next one, so on equal logits the kept one
    // ranks above: a later id gets in only with a larger logit than the worst kept.
    let mut worst = logits[pairs[0].0 as usize];
    for (id, &l) in (k as u32..).zip(rest) {
        if l > worst {
            pairs[0] = (id, 0);
            sift_down_worst(pairs, logits, 0);
            worst = logits[pairs[0].0 as usize];
        }
    }
    // Heap sort: the worst goes to the end each time, so the best ends up first.
    for end in (1..pairs.len()).rev() {
        pairs.swap(0, end);
        sift_down_worst(&mut pairs[..end], logits, 0);
    }
}

/// Restores a worst-on-top heap after a push.
fn sift_up_worst(heap: &mut [(u32, u32)], logits: &[i32]) {
    let mut i = heap.len() - 1;
    while i > 0 {
        let parent = (i - 1) / 2;
        if !above(logits, heap[parent], heap[i]) {
            return;
        }
        heap.swap(i, parent);
        i = parent;
    }
}

/// Restores a worst-on-top heap below `i`.
fn sift_down_worst(heap: &mut [(u32, u32)], logits: &[i32], mut i: usize) {
    loop {
        let l = 2 * i + 1;
        if l >= heap.len() {
            return;
        }
        let c = if l + 1 < heap.len() && above(logits, heap[l], heap[l + 1]) { l + 1 } else { l };
        if !above(logits, heap[i], heap[c]) {
            return;
        }
        heap.swap(i, c);
        i = c;
    }
}

/// Keeps the last `m` entries (popped best last-first), best first.
fn keep_tail_reversed(pairs: &mut Vec<(u32, u32)>, m: usize) {
    let n = pairs.len();
    pairs[n - m..].reverse();
    pairs.copy_within(n - m.., 0);
    pairs.truncate(m);
}
