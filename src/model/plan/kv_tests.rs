//! The plan on the shipped default model (4 layers × 128, n_ctx 256), swept over
//! budgets from ample down to nothing.
use std::vec::Vec;

use super::*;
use crate::format::MemFile;

fn header() -> Header {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/models/DEFAULT.BIN");
    let bytes = std::fs::read(path).unwrap();
    Header::read(&mut MemFile::new(&bytes)).unwrap()
}

/// Every plan from 2 MB down to 0 in 256-byte steps, largest budget first.
fn sweep(h: &Header, want_ctx: usize, can_spill: bool) -> Vec<Result<MemoryPlan, DoesNotFit>> {
    (0..=2 * 1024 * 1024 / 256).rev().map(|i| plan(h, PlanInput { budget: i * 256, want_ctx, can_spill })).collect()
}

/// The distinct (KV mode, context) choices in sweep order.
fn choices(plans: &[Result<MemoryPlan, DoesNotFit>]) -> Vec<(KvMode, usize)> {
    let mut v: Vec<(KvMode, usize)> = Vec::new();
    for p in plans.iter().flatten() {
        if v.last() != Some(&(p.kv_mode, p.ctx)) {
            v.push((p.kv_mode, p.ctx));
        }
    }
    v
}

fn sparse(window_blocks: usize) -> KvMode {
    KvMode::BlockSparse { block: 16, sink_blocks: 1, window_blocks }
}

#[test]
fn every_plan_fits_and_counts_its_kv_bytes() {
    let h = header();
    let shape = KvShape::of(&h.config);
    for (want, spill) in [(0, true), (0, false), (256, true), (256, false), (100, true)] {
        for r in sweep(&h, want, spill) {
            match r {
                Ok(p) => {
                    assert!(p.total() <= p.budget * PLAN_PERMILLE / 1000, "{p:?}");
                    assert_eq!(p.kv, p.kv_mode.ram_bytes(shape, p.ctx) as u64);
                    assert_eq!(p.kv_file > 0, p.kv_mode.uses_file(), "{p:?}");
                    assert!(spill || !p.kv_mode.uses_file(), "{p:?}");
                    assert!(!p.kv_why.is_empty());
                }
                Err(f) => {
                    // Told what is needed, that much is enough.
                    let budget = f.needed * 1000 / PLAN_PERMILLE + 1;
                    assert!(plan(&h, PlanInput { budget, want_ctx: want, can_spill: spill }).is_ok(), "{f:?}");
                }
            }
        }
    }
}

#[test]
fn auto_context_halves_in_memory_and_spills_only_below_the_smallest() {
    let h = header();
    let c = choices(&sweep(&h, 0, true));
    let memory: Vec<usize> = c.iter().take_while(|m| m.0 == KvMode::Memory).map(|m| m.1).collect();
    assert_eq!(memory, [256, 128, 64, 32, 16]);
    // Then the fallbacks, searched from the largest context again: the rows on disk
    // buy a longer context than memory could hold.
    assert!(c[5].0.uses_file() && c[5].1 > MIN_CTX, "{c:?}");
    assert!(c[5..].iter().all(|m| m.0 != KvMode::Memory), "{c:?}");
    // A fallback only when not even the smallest context fits in memory.
    for r in sweep(&h, 0, true).iter().flatten().filter(|p| p.kv_mode != KvMode::Memory) {
        let in_memory = plan(&h, PlanInput { budget: r.budget, want_ctx: MIN_CTX, can_spill: false });
        assert!(in_memory.is_err(), "{r:?}");
        assert!(r.kv_why.contains("smallest") || r.kv_why.contains("one layer"), "{r:?}");
    }
}

#[test]
fn explicit_context_spills_then_chunks_before_it_shrinks() {
    let h = header();
    let c = choices(&sweep(&h, 256, true));
    let at_256: Vec<KvMode> = c.iter().take_while(|m| m.1 == 256).map(|m| m.0).collect();
    assert_eq!(at_256, [KvMode::Memory, KvMode::Spill, KvMode::Chunked { rows: 64 }, KvMode::Chunked { rows: 16 }]);
    let p = plan(&h, PlanInput { budget: 1 << 30, want_ctx: 256, can_spill: true }).unwrap();
    assert_eq!((p.mode, p.kv_mode, p.kv_why), (Mode::Resident, KvMode::Memory, "the KV cache fits in memory"));
}

#[test]
fn without_a_file_explicit_context_goes_block_sparse() {
    let h = header();
    let c = choices(&sweep(&h, 256, false));
    let at_256: Vec<KvMode> = c.iter().take_while(|m| m.1 == 256).map(|m| m.0).collect();
    assert_eq!(at_256, [KvMode::Memory, sparse(8), sparse(4), sparse(2), sparse(1)]);
    let p = sweep(&h, 256, false).into_iter().flatten().find(|p| p.kv_mode == sparse(4)).unwrap();
    assert!(p.kv_why.contains("no file"), "{p:?}");
    assert!(p.kv < KvMode::Memory.ram_bytes(KvShape::of(&h.config), 256) as u64 / 2);
}

#[test]
fn kv_mode_names_differ() {
    let modes = [KvMode::Memory, KvMode::Spill, KvMode::Chunked { rows: 16 }, sparse(2)];
    for (i, a) in modes.iter().enumerate() {
        for b in &modes[i + 1..] {
            assert_ne!(a.name(), b.name());
        }
    }
}
