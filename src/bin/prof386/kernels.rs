//! Hot kernels one at a time, on the shapes real models give them, for
//! scripts/kernels-386.sh: each case runs its kernel REPS times inside `bench_case`
//! (callgrind collects only there), on random data (speed does not depend on values,
//! but for a 486's early-out `imul`, which scripts/clocks486.py models).
use crate::linux::{exit, fail, write};

use alloc::vec;
use alloc::vec::Vec;
use gpt2dos::math::matvec::matvec;
use gpt2dos::math::{ActQ, Layout, QMatrix};
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
];

#[derive(Clone, Copy)]
enum Kernel {
    Rows,
    Planes,
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
    let m = random_matrix(&mut rng, rows, cols, group);
    let m = match kernel {
        Kernel::Rows => m,
        Kernel::Planes => m.to_planes(),
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
