//! matvec against an exact i128 evaluation of its formula and against f64.
#![allow(clippy::needless_range_loop)]

use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::math::testutil::{from_f64, to_f64, unit};
use crate::sample::rng::Pcg32;

/// Exact value of the documented formula, rounded half up (i128: no overflow possible).
fn exact(w: &QMatrix, x: &ActQ, bias: &[i32], r: usize) -> i32 {
    let gpr = w.groups_per_row();
    let mut t: i128 = 0;
    for c in 0..w.cols {
        let g = c / w.group;
        t += w.q[r * w.cols + c] as i128 * x.q[c] as i128 * w.scales[r * gpr + g] as i128 * x.mant[g] as i128;
    }
    let sh = w.shift as i32 - x.exp as i32;
    let v = if sh > 0 { (t + (1i128 << (sh - 1))) >> sh } else { t << -sh };
    (v + bias[r] as i128).clamp(i32::MIN as i128, i32::MAX as i128) as i32
}

fn random_case(rng: &mut Pcg32, rows: usize, cols: usize, group: usize) -> (Vec<f32>, QMatrix, Vec<i32>, Vec<i32>) {
    // GPT-2-like weights: roughly Gaussian (sum of four uniforms), std 0.02-0.12 by
    // row, one in ~1000 a 6-sigma outlier.
    let wf: Vec<f32> = (0..rows * cols)
        .map(|i| {
            let std = 0.02 + 0.05 * ((i / cols) % 3) as f64;
            let g = (unit(rng) + unit(rng) + unit(rng) + unit(rng)) * 0.866;
            let v = if rng.next_u32().is_multiple_of(1000) { 6.0 * std } else { g * std };
            v as f32
        })
        .collect();
    let qm = QMatrix::quantize(&wf, rows, cols, group);
    // Activations: roughly Gaussian, with three fixed outlier channels up to 30x larger
    // (how GPT-2's LayerNorm outputs look).
    let spread = 1.0 + (rng.next_u32() % 30) as f64;
    let x: Vec<i32> = (0..cols)
        .map(|c| {
            let g = (unit(rng) + unit(rng) + unit(rng) + unit(rng)) * 0.866;
            from_f64(if c % 257 == 100 { g * spread } else { g })
        })
        .collect();
    let bias: Vec<i32> = (0..rows).map(|_| from_f64(unit(rng) * 0.5)).collect();
    (wf, qm, x, bias)
}

#[test]
fn equals_the_exact_formula() {
    let mut rng = Pcg32::new(11, 3);
    // Every kernel: rows of 128 and multiples at group 32, other multiples of 32 and 64,
    // generic groups, and bit planes at 16, 32, 48, 64 (with more rows than one block).
    let shapes = [
        (16usize, 64usize, 32usize),
        (7, 128, 32),
        (9, 768, 32),
        (6, 160, 32),
        (5, 768, 64),
        (3, 40, 8),
        (4, 36, 12),
        (6, 96, 48),
        (300, 32, 16),
        (520, 64, 32),
        (3, 192, 64),
    ];
    for &(rows, cols, group) in &shapes {
        let (_, qm, xv, bias) = random_case(&mut rng, rows, cols, group);
        let mut x = ActQ::new(cols, group).unwrap();
        x.quantize(&xv).unwrap();
        let planes = qm.clone().to_planes();
        for m in [&qm, &planes] {
            let mut y = vec![0; rows];
            matvec(m.view(), &x, Some(&bias), &mut y).unwrap();
            for r in 0..rows {
                assert_eq!(y[r], exact(&qm, &x, &bias, r), "row {r} ({rows}x{cols}/{group}, {:?})", m.layout);
            }
        }
        assert_eq!(planes.layout == Layout::Planes, [16, 32, 48, 64].contains(&group));
    }
}

#[test]
fn error_vs_float_is_within_the_quantization_bound() {
    let mut rng = Pcg32::new(12, 5);
    // Relative rms error of the whole kernel and of weight quantization alone.
    let (mut worst_total, mut worst_ratio): (f64, f64) = (0.0, 0.0);
    for &(rows, cols, group) in &[(64usize, 128usize, 32usize), (48, 768, 32), (48, 768, 64), (16, 3072, 32)] {
        for _ in 0..4 {
            let (wf, qm, xv, bias) = random_case(&mut rng, rows, cols, group);
            let mut x = ActQ::new(cols, group).unwrap();
            x.quantize(&xv).unwrap();
            let mut y = vec![0; rows];
            matvec(qm.view(), &x, Some(&bias), &mut y).unwrap();
            let mut wrow = vec![0f32; cols];
            let (mut err2, mut werr2, mut ref2) = (0.0, 0.0, 0.0);
            for r in 0..rows {
                qm.dequantize_row(r, &mut wrow);
                // Against the dequantized weights, only activation rounding remains:
                // at most half an activation step per input, plus half an output LSB.
                let mut yd = to_f64(bias[r]);
                let mut bound = 0.5 / 65536.0;
                for c in 0..cols {
                    let g = c / group;
                    yd += wrow[c] as f64 * to_f64(xv[c]);
                    let step = x.mant[g] as f64 * libm::exp2(x.exp as f64) / 65536.0;
                    bound += (wrow[c] as f64).abs() * step / 2.0;
                }
                let got = to_f64(y[r]);
                assert!((got - yd).abs() <= bound * 1.000001, "row {r}: {got} vs {yd}, bound {bound}");
                // Against the float weights.
                let dot: f64 = (0..cols).map(|c| wf[r * cols + c] as f64 * to_f64(xv[c])).sum();
                let yf = to_f64(bias[r]) + dot;
                err2 += (got - yf) * (got - yf);
                werr2 += (yd - yf) * (yd - yf);
                ref2 += dot * dot;
            }
            worst_total = worst_total.max(libm::sqrt(err2 / ref2));
            worst_ratio = worst_ratio.max(libm::sqrt(err2 / werr2));
        }
    }
    std::println!("matvec rel rms error vs f64: {worst_total:.5}, total/weight-only: {worst_ratio:.3}");
    // Measured: 0.6-1.7 % total, 0.4-1.0 % from the weights alone; the activation part
    // is largest in the groups holding an outlier channel (its 31 neighbours share its
    // coarse step), as with Q8_0. A defect in the kernel shows as errors far above.
    assert!(worst_total < 0.025, "relative rms error vs f64 {worst_total}");
    assert!(worst_ratio < 4.0, "activation quantization costs {worst_ratio}x the weight error");
}

#[test]
fn row_blocks_match_the_whole_matrix() {
    let mut rng = Pcg32::new(13, 1);
    let (_, qm, xv, bias) = random_case(&mut rng, 10, 64, 32);
    let mut x = ActQ::new(64, 32).unwrap();
    x.quantize(&xv).unwrap();
    let mut full = vec![0; 10];
    matvec(qm.view(), &x, Some(&bias), &mut full).unwrap();
    let mut part = vec![0; 4];
    matvec(qm.row_block(3..7).unwrap(), &x, Some(&bias[3..7]), &mut part).unwrap();
    assert_eq!(&part[..], &full[3..7]);
    assert!(qm.row_block(8..11).is_none());
}

#[test]
fn extremes_saturate_instead_of_wrapping() {
    // Every product at its maximum, on the longest allowed row.
    let cols = MAX_COLS;
    let w = QMatrix {
        rows: 2,
        cols,
        group: 64,
        shift: 0,
        scales: vec![65535; 2 * cols / 64],
        q: vec![127; 2 * cols],
        layout: Layout::Rows,
    };
    let mut x = ActQ::new(cols, 64).unwrap();
    x.quantize(&vec![i32::MAX; cols]).unwrap();
    let mut y = vec![0; 2];
    matvec(w.view(), &x, None, &mut y).unwrap();
    assert_eq!(y, vec![i32::MAX, i32::MAX]);
    x.quantize(&vec![i32::MIN + 1; cols]).unwrap();
    matvec(w.view(), &x, Some(&[i32::MIN, 0]), &mut y).unwrap();
    assert_eq!(y, vec![i32::MIN, i32::MIN]);
}

#[test]
fn bad_shapes_are_errors() {
    let w = QMatrix::quantize(&[0.1; 64], 2, 32, 32);
    let mut x = ActQ::new(32, 32).unwrap();
    x.quantize(&[65536; 32]).unwrap();
    let mut y = vec![0; 2];
    assert_eq!(matvec(w.view(), &x, None, &mut y[..1]), Err(MathError::Shape("weights")));
    assert_eq!(matvec(w.view(), &x, Some(&[0]), &mut y), Err(MathError::Shape("bias")));
    let x16 = ActQ::new(32, 16).unwrap();
    assert_eq!(matvec(w.view(), &x16, None, &mut y), Err(MathError::Shape("x")));
    assert!(matvec(w.view(), &x, None, &mut y).is_ok());
    // 0.1 quantizes to ~0.1; 32 × 0.1 × 1.0 = 3.2.
    assert!((to_f64(y[0]) - 3.2).abs() < 0.02, "{}", to_f64(y[0]));
}

#[test]
fn rows_dequantize_to_q16() {
    let mut rng = Pcg32::new(14, 1);
    let (_, qm, _, _) = random_case(&mut rng, 3, 64, 32);
    let mut got = vec![0; 64];
    let mut want = vec![0f32; 64];
    let planes = qm.clone().to_planes();
    for r in 0..3 {
        planes.view().row_q16(r, &mut got).unwrap();
        let mut from_rows = vec![0; 64];
        qm.view().row_q16(r, &mut from_rows).unwrap();
        assert_eq!(got, from_rows);
        qm.dequantize_row(r, &mut want);
        for c in 0..64 {
            assert!((to_f64(got[c]) - want[c] as f64).abs() <= 0.5 / 65536.0 + 1e-9);
        }
    }
    assert_eq!(qm.view().row_q16(3, &mut got), Err(MathError::Shape("row")));
    assert_eq!(qm.view().row_q16(0, &mut got[..3]), Err(MathError::Shape("out")));
}

#[test]
fn short_rounding_way_equals_the_general_one() {
    let mut rng = Pcg32::new(15, 2);
    for sh in -70..=70 {
        let half = round_half(sh);
        for _ in 0..200 {
            // Row sums up to the proven bound 2^61 in magnitude, of every size.
            let t = (rng.next_u64() >> (3 + rng.next_u32() % 61)) as i64;
            let t = if rng.next_u32().is_multiple_of(2) { -t } else { t };
            let b = rng.next_u32() as i32;
            let want = sat_i32(shift_round(t, sh).saturating_add(b as i64));
            assert_eq!(finish(t, sh, half, b), want, "t={t} sh={sh} b={b}");
        }
    }
}
