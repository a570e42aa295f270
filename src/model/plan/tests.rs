use super::*;
use crate::format::layout::{self, align4};
use crate::format::{ModelConfig, Section, HEADER_SIZE, MAX_LAYERS};
use crate::math::GPT2_LN_EPS_Q32;
use crate::tokenizer::Tokenizer;
use alloc::vec::Vec;

/// A valid header for `c` with sections laid out one after another (no file needed).
fn header_for(c: ModelConfig, tokenizer_len: u32) -> Header {
    let mut at = HEADER_SIZE as u64;
    let mut next = |len: u64| {
        let s = Section { offset: at as u32, length: len as u32, crc: 0 };
        at = align4(at + len);
        s
    };
    let tokenizer = next(tokenizer_len as u64);
    let embed = next(layout::embed_section_size(&c).unwrap());
    let pos_embed = next(layout::pos_embed_section_size(&c).unwrap());
    let final_norm = next(layout::final_norm_section_size(&c).unwrap());
    let output = if c.tied_output {
        Section { offset: embed.offset, length: 0, crc: 0 }
    } else {
        next(layout::output_section_size(&c).unwrap())
    };
    let mut layers = [Section::default(); MAX_LAYERS];
    for l in layers.iter_mut().take(c.num_layers as usize) {
        *l = next(layout::layer_section_size(&c).unwrap());
    }
    let file_length = at as u32;
    let h = Header { config: c, file_length, tokenizer, embed, pos_embed, final_norm, output, layers };
    h.validate(at).unwrap();
    h
}

/// GPT-2 124M's shapes with the byte-token tokenizer, as `gpt2bscm synth-124m` writes.
fn gpt2_124m() -> Header {
    let config = ModelConfig {
        num_layers: 12,
        embed_dim: 768,
        vocab_size: 50257,
        num_heads: 12,
        n_ctx: 1024,
        ffn_dim: 3072,
        group_size: 32,
        layer_norm_eps: GPT2_LN_EPS_Q32,
        tied_output: true,
        weight_layout: crate::math::Layout::Planes,
    };
    let bytes: Vec<Vec<u8>> = (0..=255u8).map(|b| alloc::vec![b]).collect();
    let tokenizer = Tokenizer::from_tokens(&bytes, &[]).unwrap().to_section_bytes();
    header_for(config, tokenizer.len() as u32)
}

/// The default model's shapes (4 layers × 128, vocab 2048, n_ctx 256), untied head.
fn small() -> Header {
    let config = ModelConfig {
        num_layers: 4,
        embed_dim: 128,
        vocab_size: 2048,
        num_heads: 4,
        n_ctx: 256,
        ffn_dim: 512,
        group_size: 32,
        layer_norm_eps: GPT2_LN_EPS_Q32,
        tied_output: false,
        weight_layout: crate::math::Layout::Planes,
    };
    header_for(config, 20_000)
}

const MB: u64 = 1 << 20;

/// The smallest budget whose plan share holds `bytes`.
fn budget_for(bytes: u64) -> u64 {
    (bytes * 1000).div_ceil(PLAN_PERMILLE)
}

fn with_budget(h: &Header, budget: u64, want_ctx: usize) -> Result<MemoryPlan, DoesNotFit> {
    plan(h, PlanInput { budget, want_ctx, can_spill: false })
}

#[test]
fn gpt2_124m_shapes_stream_rows_at_8_mb() {
    let h = gpt2_124m();
    let p = with_budget(&h, 8 * MB, 64).unwrap();
    assert!(matches!(p.mode, Mode::StreamRows { .. }), "{p:?}");
    assert_eq!(p.ctx, 64);
    assert!(p.total() <= 8 * MB * PLAN_PERMILLE / 1000);
    // One layer alone is more than the plan share of 8 MB.
    assert!(h.layers[0].length as u64 > 8 * MB * PLAN_PERMILLE / 1000 - p.kv - p.scratch);
    // As large a context as fits, still by rows.
    let auto = with_budget(&h, 8 * MB, 0).unwrap();
    assert!(matches!(auto.mode, Mode::StreamRows { .. }) && auto.ctx >= 64, "{auto:?}");
    // With 32 MB one layer fits again: layer + head streaming.
    assert_eq!(with_budget(&h, 32 * MB, 64).unwrap().mode, Mode::StreamAll);
}

#[test]
fn weight_estimates_shrink_mode_by_mode() {
    for h in [gpt2_124m(), small()] {
        let options = weight_options(&h);
        let shrinks = |o: &[(Mode, u64)]| o.windows(2).all(|w| w[0].1 > w[1].1);
        assert!(shrinks(&options[..3]) && shrinks(&options[3..]), "{options:?}");
        // The smallest row plan needs less than layer + head streaming: no layer is
        // ever whole in memory.
        assert!(options[options.len() - 1].1 < options[2].1 - h.layers[0].length as u64 / 2, "{options:?}");
    }
}

#[test]
fn stream_rows_only_when_stream_all_does_not_fit() {
    for h in [gpt2_124m(), small()] {
        let ctx = MIN_CTX;
        let any = with_budget(&h, u64::MAX / 2000, ctx).unwrap();
        let rest = any.total() - any.weights; // KV cache, scratch, tokenizer
        let weights = weight_options(&h);
        let at = with_budget(&h, budget_for(rest + weights[2].1), ctx).unwrap();
        assert_eq!(at.mode, Mode::StreamAll);
        let budget = budget_for(rest + weights[2].1) - 2;
        let below = with_budget(&h, budget, ctx).unwrap();
        // The largest chunk bound that fits.
        let usable = budget * PLAN_PERMILLE / 1000;
        let first = weights[3..].iter().find(|o| rest + o.1 <= usable).unwrap();
        assert_eq!((below.mode, below.weights), *first);
        // As the budget shrinks, so does the chunk bound, down to the smallest (bounds
        // that need more than layer + head streaming are never chosen).
        for &(mode, w) in weights[3..].iter().filter(|o| o.1 < weights[2].1) {
            assert_eq!(with_budget(&h, budget_for(rest + w), ctx).unwrap().mode, mode);
        }
    }
}

#[test]
fn nothing_fits_names_the_smallest_row_plan() {
    let h = small();
    let smallest = weight_options(&h)[3 + ROW_CHUNK_BOUNDS.len() - 1].1;
    let tiny = with_budget(&h, 10_000, 0).unwrap_err();
    let at_min = with_budget(&h, u64::MAX / 2000, MIN_CTX).unwrap();
    assert_eq!(tiny.needed, at_min.total() - at_min.weights + smallest);
    let just = with_budget(&h, budget_for(tiny.needed), 0).unwrap();
    assert_eq!((just.mode, just.ctx), (Mode::StreamRows { chunk_bytes: 16 << 10 }, MIN_CTX));
}

#[test]
fn each_mode_streams_what_it_says() {
    assert_eq!(Mode::Resident.stream_options(), None);
    let o = |m: Mode| m.stream_options().unwrap();
    assert_eq!((o(Mode::StreamLayers).head, o(Mode::StreamLayers).row_chunk_bytes), (false, None));
    assert_eq!((o(Mode::StreamAll).head, o(Mode::StreamAll).row_chunk_bytes), (true, None));
    let rows = o(Mode::StreamRows { chunk_bytes: 4096 });
    assert_eq!((rows.head, rows.row_chunk_bytes), (true, Some(4096)));
}
