//! The candidate set of one draw: temperature weights, top-k, top-p.
//!
//! Candidates are `(id, weight)` with weight = e^((logit - max) / T) in Q2.30. Their
//! order is canonical, so every platform and compiler version walks them alike: ids
//! ascending, or — once top-k or top-p has sorted them — logit descending, id ascending
//! (a total order, so the sort's algorithm cannot matter).

use alloc::vec::Vec;
use core::cmp::Ordering;

use super::rng::Pcg32;
use crate::math::fixed::{sat_i32, shift_round};
use crate::math::exp_neg_q30;

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
        let by_rank = |a: &(u32, u32), b: &(u32, u32)| -> Ordering {
            logits[b.0 as usize].cmp(&logits[a.0 as usize]).then(a.0.cmp(&b.0))
        };
        self.pairs.clear();
        self.pairs.extend((0..logits.len() as u32).map(|id| (id, 0)));
        let mut sorted = false;
        let k = top_k as usize;
        if k > 0 && k < self.pairs.len() {
            self.pairs.select_nth_unstable_by(k - 1, by_rank);
            self.pairs.truncate(k);
            self.pairs.sort_unstable_by(by_rank);
            sorted = true;
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
        self.pairs.retain(|p| p.1 != 0);
        if top_p_milli < 1000 {
            if !sorted {
                self.pairs.sort_unstable_by(by_rank);
            }
            let total: u64 = self.pairs.iter().map(|p| p.1 as u64).sum();
            let target = total * top_p_milli as u64; // < 2^46 · 2^10
            let mut cum = 0u64;
            let mut keep = self.pairs.len();
            for (i, p) in self.pairs.iter().enumerate() {
                cum += p.1 as u64;
                if cum * 1000 >= target {
                    keep = i + 1;
                    break;
                }
            }
            self.pairs.truncate(keep.max(1));
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
