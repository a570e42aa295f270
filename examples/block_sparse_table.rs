//! The block-sparse table of docs/MEMORY.md (a measurement, not a test): top-1 agreement
//! and perplexity of each block / sink / window against full attention.
//!
//!   cargo run --release --example block_sparse_table

#[path = "../tests/common/sparse_scoring.rs"]
mod scoring;
use scoring::{default_model, score, sparse, tolerance, CTX};

use gpt2dos::model::KvMode;

fn main() {
    let (mut model, ids) = default_model();
    let full = score(&mut model, &ids, CTX, KvMode::Memory);
    println!("{} tokens, ctx {CTX}", ids.len());
    for (b, s, w) in
        [(16, 1, 2), (16, 1, 4), (16, 1, 8), (16, 0, 4), (16, 0, 8), (32, 1, 2), (32, 1, 4), (8, 2, 8), (16, 1, 12)]
    {
        let (mode, kept) = sparse(b, s, w);
        println!(
            "block {b:>2} sink {s} window {w:>2} (kept {kept:>3}): {}",
            tolerance(&mut model, &ids, &full, mode, kept)
        );
    }
}
