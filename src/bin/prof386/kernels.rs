//! Hot kernels one at a time, on the shapes real models give them, for
//! scripts/kernels-386.sh: each case runs its kernel REPS times inside `bench_case`
//! (callgrind collects only there), on random data (speed does not depend on values,
//! but for a 486's early-out `imul`, which scripts/clocks486.py models).
use crate::linux::{exit, fail, write};

use alloc::vec;
use alloc::vec::Vec;
use gpt2dos::math::matvec::matvec;
use gpt2dos::math::{attn_mix, attn_scores, quantize_row, softmax_q30, ActQ, KvRows, Layout, QMatrix};
use gpt2dos::sample::Pcg32;

const REPS: usize = 4;

/// name, kernel, rows, cols, group: the default model's matrices (128 wide, group 32;
/// FFN out 512 wide), GPT-2 124M's (768 wide), gpt2-basic's (48 wide, group 48) and the
/// stories260K shape's (64 wide), as int8 rows (`imul` kernels) and as bit planes.
const CASES: &[(&str, Kernel, usize, usize, usize)] = &[
    ("rows-g32-384x128", Kernel::Rows, 384, 128, 32),
    ("rows-g32-128x512", Kernel::Rows, 128, 512, 32),
    ("rows-g64-256x768", Kernel::Rows, 256, 768, 64),
    ("rows-g48-192x48", Kernel::Rows, 192, 48, 48),
    ("planes-g32-384x128", Kernel::Planes, 384, 128, 32),
    ("planes-g32-128x128", Kernel::Planes, 128, 128, 32),
    ("planes-g32-128x512", Kernel::Planes, 128, 512, 32),
    ("planes-g32-2048x128", Kernel::Planes, 2048, 128, 32),
    ("planes-g32-256x768", Kernel::Planes, 256, 768, 32),
    ("planes-g64-256x768", Kernel::Planes, 256, 768, 64),
    ("planes-g48-192x48", Kernel::Planes, 192, 48, 48),
    ("planes-g48-4096x48", Kernel::Planes, 4096, 48, 48),
    ("planes-g32-64x64", Kernel::Planes, 64, 64, 32),
    ("planes-g32-512x64", Kernel::Planes, 512, 64, 32),
    ("planes-g16-256x64", Kernel::Planes, 256, 64, 16),
    // Attention over 128 cached tokens, every head: (name, kernel, rows, dim, head dim).
    ("scores-hd8-128x64", Kernel::Scores, 128, 64, 8),
    ("scores-hd16-128x64", Kernel::Scores, 128, 64, 16),
    ("scores-hd32-128x128", Kernel::Scores, 128, 128, 32),
    ("scores-hd64-128x768", Kernel::Scores, 128, 768, 64),
    ("mix-hd8-128x64", Kernel::Mix, 128, 64, 8),
    ("mix-hd16-128x64", Kernel::Mix, 128, 64, 16),
    ("mix-hd32-128x128", Kernel::Mix, 128, 128, 32),
    ("mix-hd64-128x768", Kernel::Mix, 128, 768, 64),
    ("softmax-128", Kernel::Softmax, 128, 8, 8),
];

#[derive(Clone, Copy)]
enum Kernel {
    Rows,
    Planes,
    Scores,
    Mix,
    Softmax,
}

pub fn list() -> ! {
    for &(name, _, rows, cols, _) in CASES {
        write(name.as_bytes());
        write(b" ");
        write_u64((rows * cols * REPS) as u64);
        write(b"\n");
    }
    exit(0)
}

pub fn run(name: &[u8]) -> ! {
    let Some(&(_, kernel, rows, cols, group)) = CASES.iter().find(|c| c.0.as_bytes() == name) else {
        fail(b"no such kernel case (prof386 list)\n")
    };
    let mut rng = Pcg32::new(7, 7);
    if let Kernel::Scores | Kernel::Mix | Kernel::Softmax = kernel {
        attention(&mut rng, kernel, rows, cols, group);
    }
    let m = random_matrix(&mut rng, rows, cols, group);
    let m = match kernel {
        Kernel::Rows => m,
        _ => m.to_planes(),
    };
    let mut x = ActQ::for_matvec(cols, group).unwrap_or_else(|_| fail(b"group\n"));
    let xv: Vec<i32> = (0..cols).map(|_| (rng.next_u32() >> 12) as i32 - (1 << 19)).collect();
    x.quantize(&xv).unwrap_or_else(|_| fail(b"quantize\n"));
    let bias = vec![0i32; rows];
    let mut out = vec![0i32; rows];
    let mut sum = 0i32;
    bench_case(&mut || {
        matvec(m.view(), &x, Some(&bias), &mut out).unwrap_or_else(|_| fail(b"matvec\n"));
        sum = sum.wrapping_add(out[0]);
    });
    core::hint::black_box(sum);
    exit(0)
}

/// Scores or the weighted sum of V of every head over `rows` cached tokens.
fn attention(rng: &mut Pcg32, kernel: Kernel, rows: usize, dim: usize, hd: usize) -> ! {
    let heads = dim / hd;
    let (mut q8, mut mant, mut exp) = (vec![0i8; rows * dim], vec![0u16; rows * heads], vec![0i8; rows]);
    for j in 0..rows {
        let raw: Vec<i32> = (0..dim).map(|_| (rng.next_u32() >> 12) as i32 - (1 << 19)).collect();
        let (q, m) = (&mut q8[j * dim..(j + 1) * dim], &mut mant[j * heads..(j + 1) * heads]);
        exp[j] = quantize_row(&raw, hd, q, m).unwrap_or_else(|_| fail(b"quantize\n"));
    }
    let kv = KvRows { q: &q8, mant: &mant, exp: &exp, dim, head_dim: hd };
    let mut q = ActQ::new(dim, hd).unwrap_or_else(|_| fail(b"group\n"));
    let xv: Vec<i32> = (0..dim).map(|_| (rng.next_u32() >> 14) as i32 - (1 << 17)).collect();
    q.quantize(&xv).unwrap_or_else(|_| fail(b"quantize\n"));
    let mut scores = vec![0i32; rows];
    let mut probs = vec![0u32; rows];
    let mut out = vec![0i32; dim];
    // Probabilities of scores within ±2: every row counts in the mix.
    let flat: Vec<i32> = (0..rows).map(|_| (rng.next_u32() >> 14) as i32 - (1 << 17)).collect();
    softmax_q30(&flat, &mut probs).unwrap_or_else(|_| fail(b"softmax\n"));
    match kernel {
        Kernel::Scores => bench_case(&mut || {
            for h in 0..heads {
                attn_scores(&q, h, kv, &mut scores).unwrap_or_else(|_| fail(b"scores\n"));
            }
        }),
        // "MACs" are rows × 8 here: one softmax of `rows` scores counts as rows × 8.
        Kernel::Softmax => bench_case(&mut || {
            softmax_q30(&flat, &mut probs).unwrap_or_else(|_| fail(b"softmax\n"));
        }),
        _ => bench_case(&mut || {
            for h in 0..heads {
                attn_mix(&probs, kv, h, &mut out[h * hd..(h + 1) * hd]).unwrap_or_else(|_| fail(b"mix\n"));
            }
        }),
    }
    core::hint::black_box((&scores, &out));
    exit(0)
}

/// The kernel REPS times: callgrind collects from here (--toggle-collect).
#[inline(never)]
fn bench_case(f: &mut dyn FnMut()) {
    for _ in 0..REPS {
        f();
    }
}

/// Weights roughly Gaussian in [-127, 127] (sum of four uniforms), random mantissas.
fn random_matrix(rng: &mut Pcg32, rows: usize, cols: usize, group: usize) -> QMatrix {
    let q = (0..rows * cols)
        .map(|_| {
            let s: i32 = (0..4).map(|_| (rng.next_u32() >> 26) as i32 - 32).sum();
            s.clamp(-127, 127) as i8
        })
        .collect();
    let scales = (0..rows * cols / group).map(|_| (rng.next_u32() >> 16) as u16 | 0x8000).collect();
    QMatrix { rows, cols, group, shift: 24, scales, q, layout: Layout::Rows }
}

fn write_u64(mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    write(&buf[i..]);
}
