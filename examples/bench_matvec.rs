//! Host micro-benchmark of the int8 matvec (not a test): MACs per second in release.
//!
//!   cargo run --release --example bench_matvec
//!
//! Shapes are GPT-2 124M's (768, 3072, vocab 50257 tied head) and the default model's
//! (128 dims, vocab 4096). The DOS figure is measured by GEN.EXE /BENCH, not here.

use std::time::Instant;

use gpt2dos::math::{matvec, ActQ, QMatrix};

fn main() {
    let shapes: &[(&str, usize, usize, usize)] = &[
        ("default qkv 384x128 /32", 384, 128, 32),
        ("default head 4096x128 /32", 4096, 128, 32),
        ("gpt2 qkv 2304x768 /32", 2304, 768, 32),
        ("gpt2 qkv 2304x768 /64", 2304, 768, 64),
        ("gpt2 fc-out 768x3072 /32", 768, 3072, 32),
        ("gpt2 head 50257x768 /32", 50257, 768, 32),
    ];
    let mut seed = 0x1234_5678u32;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    for &(name, rows, cols, group) in shapes {
        let w: Vec<f32> = (0..rows * cols).map(|_| (next() % 2001) as f32 / 1000.0 - 1.0).collect();
        let m = QMatrix::quantize(&w, rows, cols, group);
        let x: Vec<i32> = (0..cols).map(|_| (next() % 200_000) as i32 - 100_000).collect();
        let mut a = ActQ::new(cols, group).unwrap();
        a.quantize(&x).unwrap();
        let mut y = vec![0; rows];
        let macs_per_call = (rows * cols) as f64;
        let reps = ((2e8 / macs_per_call) as usize).max(1);
        let t = Instant::now();
        for _ in 0..reps {
            matvec(m.view(), &a, None, &mut y).unwrap();
        }
        let s = t.elapsed().as_secs_f64();
        println!(
            "{name:28} {:8.0} M MAC/s  (checksum {})",
            macs_per_call * reps as f64 / s / 1e6,
            y.iter().map(|&v| v as i64).sum::<i64>()
        );
    }
}
