//! Sampling: determinism, greedy ties, top-k/top-p sets, frequencies vs float softmax.
#![allow(clippy::needless_range_loop)]

use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::math::testutil::{from_f64, to_f64};

fn params(t: u32, k: u32, p: u32, r: u32) -> SampleParams {
    SampleParams { temperature_milli: t, top_k: k, top_p_milli: p, rep_penalty_milli: r }
}

fn logits_of_probs(p: &[f64]) -> Vec<i32> {
    p.iter().map(|&v| from_f64(libm::log(v) + 3.0)).collect()
}

fn draws(s: &mut Sampler, logits: &[i32], n: usize) -> Vec<u32> {
    (0..n).map(|_| s.sample(&mut logits.to_vec()).unwrap()).collect()
}

fn counts(ids: &[u32], vocab: usize) -> Vec<usize> {
    let mut c = vec![0; vocab];
    ids.iter().for_each(|&i| c[i as usize] += 1);
    c
}

fn random_logits(seed: u64, n: usize) -> Vec<i32> {
    let mut rng = Pcg32::new(seed, 3);
    (0..n).map(|_| (rng.next_u32() % (12 << 16)) as i32 - (6 << 16)).collect()
}

#[test]
fn same_seed_same_ids_other_seed_other_ids() {
    let logits = random_logits(1, 500);
    let p = params(900, 40, 950, 1100);
    let run = |seed| {
        let mut s = Sampler::new(p, seed, 500).unwrap();
        let mut hist = vec![];
        for _ in 0..100 {
            let id = s.sample(&mut logits.clone()).unwrap();
            s.note(id).unwrap();
            hist.push(id);
        }
        hist
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8));
}

#[test]
fn greedy_takes_the_lowest_id_among_ties() {
    let logits = [5, 9, 3, 9, -1];
    for p in [params(0, 0, 1000, 1000), params(800, 1, 500, 1000)] {
        let mut s = Sampler::new(p, 1, 5).unwrap();
        assert_eq!(s.sample(&mut logits.to_vec()).unwrap(), 1);
    }
    assert_eq!(argmax(&[i32::MIN, i32::MIN]), 0);
}

#[test]
fn top_k_keeps_exactly_the_k_best() {
    let logits = random_logits(2, 300);
    let mut order: Vec<usize> = (0..300).collect();
    order.sort_by(|&a, &b| logits[b].cmp(&logits[a]).then(a.cmp(&b)));
    let best: Vec<u32> = order[..5].iter().map(|&i| i as u32).collect();
    let mut s = Sampler::new(params(3000, 5, 1000, 1000), 3, 300).unwrap();
    let c = counts(&draws(&mut s, &logits, 3000), 300);
    for id in 0..300u32 {
        assert_eq!(c[id as usize] > 0, best.contains(&id), "id {id} drawn {} times", c[id as usize]);
    }
}

#[test]
fn ranking_matches_a_reference_sort_with_ties() {
    // Few distinct values, so ties are everywhere: ties must go to the lower id.
    let mut rng = Pcg32::new(6, 6);
    let logits: Vec<i32> = (0..500).map(|_| (rng.next_u32() % 7) as i32 * 40000 - 100000).collect();
    let mut order: Vec<u32> = (0..500).collect();
    order.sort_by(|&a, &b| logits[b as usize].cmp(&logits[a as usize]).then(a.cmp(&b)));
    for k in [1u32, 2, 10, 77, 499] {
        let mut c = candidates::Candidates::with_capacity(500);
        c.build(&logits, 1000, k, 1000);
        let ids: Vec<u32> = c.pairs().iter().map(|p| p.0).collect();
        assert_eq!(ids, order[..k as usize].to_vec(), "top_k {k}");
    }
    // Distinct values too, at the default model's vocabulary and GEN's default k.
    let wide = random_logits(9, 2048);
    let mut wide_order: Vec<u32> = (0..2048).collect();
    wide_order.sort_by(|&a, &b| wide[b as usize].cmp(&wide[a as usize]).then(a.cmp(&b)));
    for k in [1u32, 50, 2047] {
        let mut c = candidates::Candidates::with_capacity(2048);
        c.build(&wide, 1000, k, 1000);
        let ids: Vec<u32> = c.pairs().iter().map(|p| p.0).collect();
        assert_eq!(ids, wide_order[..k as usize].to_vec(), "top_k {k} of 2048");
    }
    // top-k then top-p: the nucleus of the k best, still in reference order.
    let mut c = candidates::Candidates::with_capacity(500);
    c.build(&logits, 1000, 40, 500);
    let ids: Vec<u32> = c.pairs().iter().map(|p| p.0).collect();
    assert!(ids.len() > 1 && ids.len() < 40, "{}", ids.len());
    assert_eq!(ids, order[..ids.len()].to_vec());
    // top-p alone ranks by popping the heap: the kept prefix is the reference order.
    let mut c = candidates::Candidates::with_capacity(500);
    c.build(&logits, 1000, 0, 300);
    let ids: Vec<u32> = c.pairs().iter().map(|p| p.0).collect();
    assert!(!ids.is_empty() && ids.len() < 500);
    assert_eq!(ids, order[..ids.len()].to_vec());
}

#[test]
fn top_p_keeps_the_smallest_nucleus() {
    // Cumulative mass in rank order: 0.5, 0.8, 0.95, 1.0; each top_p sits mid-interval.
    let probs = [0.05, 0.5, 0.15, 0.3];
    let logits = logits_of_probs(&probs);
    let cases = [(0, vec![1]), (450, vec![1]), (550, vec![1, 3]), (780, vec![1, 3]), (820, vec![1, 3, 2])];
    let cases = cases.into_iter().chain([(930, vec![1, 3, 2]), (970, vec![1, 3, 2, 0]), (999, vec![1, 3, 2, 0])]);
    for (top_p, want) in cases {
        let mut c = candidates::Candidates::with_capacity(4);
        c.build(&logits, 1000, 0, top_p);
        let ids: Vec<u32> = c.pairs().iter().map(|p| p.0).collect();
        assert_eq!(ids, want, "top_p {top_p}");
        // And the sampler draws from exactly that set.
        let mut s = Sampler::new(params(1000, 0, top_p, 1000), 4, 4).unwrap();
        let got = counts(&draws(&mut s, &logits, 2000), 4);
        for id in 0..4u32 {
            assert_eq!(got[id as usize] > 0, want.contains(&id), "top_p {top_p} id {id}");
        }
    }
}

#[test]
fn weights_match_float_softmax_with_temperature() {
    let logits = random_logits(5, 64);
    for t in [250u32, 700, 1000, 1800] {
        let mut c = candidates::Candidates::with_capacity(64);
        c.build(&logits, t, 0, 1000);
        let total: f64 = c.pairs().iter().map(|p| p.1 as f64).sum();
        let tf = t as f64 / 1000.0;
        let max = logits.iter().map(|&l| to_f64(l)).fold(f64::MIN, f64::max);
        let z: f64 = logits.iter().map(|&l| libm::exp((to_f64(l) - max) / tf)).sum();
        let mut seen = 0;
        for &(id, w) in c.pairs() {
            let want = libm::exp((to_f64(logits[id as usize]) - max) / tf) / z;
            assert!(
                (w as f64 / total - want).abs() <= want * 2e-5 + 2e-9,
                "T={t} id={id} got {} want {want}",
                w as f64 / total
            );
            seen += 1;
        }
        // Only weights below 2^-31 may be dropped.
        let tiny = logits.iter().filter(|&&l| (to_f64(l) - max) / tf < -21.4).count();
        assert!(seen + tiny >= 64, "T={t}: {seen} candidates");
    }
}

#[test]
fn draw_frequencies_follow_the_distribution() {
    let probs = [0.1, 0.4, 0.2, 0.25, 0.05];
    let logits = logits_of_probs(&probs);
    let n = 40_000;
    // T = 1 reproduces the probabilities; T = 0.2 sharpens them, T = 5 flattens them.
    for t in [1000u32, 200, 5000] {
        let tf = t as f64 / 1000.0;
        let z: f64 = probs.iter().map(|p| libm::pow(*p, 1.0 / tf)).sum();
        let mut s = Sampler::new(params(t, 0, 1000, 1000), 9, 5).unwrap();
        let c = counts(&draws(&mut s, &logits, n), 5);
        for i in 0..5 {
            let p = libm::pow(probs[i], 1.0 / tf) / z;
            let sigma = libm::sqrt(n as f64 * p * (1.0 - p));
            let dev = (c[i] as f64 - n as f64 * p).abs();
            assert!(dev < 4.0 * sigma + 1.0, "T={tf} id {i}: {} draws, expected {}", c[i], n as f64 * p);
        }
    }
}

#[test]
fn repetition_penalty_applies_once_per_token() {
    let mut logits = vec![from_f64(2.0), from_f64(1.5), from_f64(-1.0), from_f64(0.5)];
    // History 0, 2, 0, 0: ids 0 and 2, each penalized once.
    apply_repetition_penalty(&mut logits, &[0b101], 2000).unwrap();
    assert_eq!(logits, vec![from_f64(1.0), from_f64(1.5), from_f64(-2.0), from_f64(0.5)]);
    // Greedy now prefers token 1; noting an id twice counts once.
    let mut s = Sampler::new(params(0, 0, 1000, 2000), 1, 4).unwrap();
    let mut l = vec![from_f64(2.0), from_f64(1.5), from_f64(-1.0), from_f64(0.5)];
    assert_eq!(s.sample(&mut l.clone()).unwrap(), 0);
    s.note(0).unwrap();
    s.note(0).unwrap();
    assert_eq!(s.sample(&mut l).unwrap(), 1);
    assert_eq!(l[0], from_f64(1.0));
    // A penalty below 1 favours repeats.
    let mut l = vec![from_f64(1.0), from_f64(1.5)];
    apply_repetition_penalty(&mut l, &[1], 500).unwrap();
    assert_eq!(l[0], from_f64(2.0));
}

#[test]
fn bad_inputs_are_errors() {
    assert_eq!(Sampler::new(params(1000, 0, 1000, 0), 1, 4).err(), Some(SampleError::ZeroPenalty));
    let mut s = Sampler::new(params(1000, 0, 1000, 1300), 1, 4).unwrap();
    assert_eq!(s.sample(&mut [0; 3]), Err(SampleError::Vocab { expected: 4, got: 3 }));
    assert_eq!(s.note(4), Err(SampleError::TokenOutOfRange(4)));
}
