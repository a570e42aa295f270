//! `gpt2bscm inspect FILE`: header, sections, layers, checksum status, sizes.

use std::path::Path;

use gpt2dos::error::Error;
use gpt2dos::format::header::HEADER_SIZE;
use gpt2dos::format::layout::RecordShape;
use gpt2dos::format::{LayerPart, Matrix, MatrixId};
use gpt2dos::hostio::{open_model, path_bytes, ModelFile};

pub fn run(path: &Path) -> Result<(), Error<'_>> {
    let mut r = open_model(path)?;
    let h = r.header().clone();
    let c = h.config;
    println!("{}: GPT2BSCM, {} bytes", path.display(), h.file_length);
    println!(
        "model: {} layers, embed {}, {} heads (head dim {}), ffn {}, vocab {}, n_ctx {}",
        c.num_layers,
        c.embed_dim,
        c.num_heads,
        c.head_dim(),
        c.ffn_dim,
        c.vocab_size,
        c.n_ctx
    );
    println!(
        "numbers: int8 weights ({}), group {}, vectors Q16.16, LayerNorm eps {:.6e} ({} / 2^32)",
        match c.weight_layout {
            gpt2dos::math::Layout::Rows => "row-major values",
            gpt2dos::math::Layout::Planes => "bit planes",
        },
        c.group_size,
        c.eps_f64(),
        c.layer_norm_eps
    );
    let head = if c.tied_output { "tied to the token embedding" } else { "separate matrix" };
    println!("output head: {head}");
    println!("parameters: {}", c.parameter_count());

    println!();
    println!("{:<20} {:>10} {:>10}  {:>8}  status", "section", "offset", "bytes", "crc32");
    println!("{:<20} {:>10} {:>10}  {:>8}  ok", "header", 0, HEADER_SIZE, "-");
    let mut bad = 0;
    let mut sections: Vec<_> = h.sections().collect();
    sections.sort_by_key(|(_, s)| s.offset);
    for (id, s) in &sections {
        let status = match r.verify_section(*id, *s) {
            Ok(()) => "ok".to_string(),
            Err(e) => {
                bad += 1;
                format!("BAD: {e}")
            }
        };
        let name = id.to_string();
        println!("{name:<20} {:>10} {:>10}  {:08x}  {status}", s.offset, s.length, s.crc);
    }

    for i in 0..c.num_layers {
        println!();
        println!("layer {i}:");
        if let Err(e) = print_layer(&mut r, i) {
            bad += 1;
            println!("  BAD: {e}");
        }
    }
    println!();
    for (name, id) in [("wte", MatrixId::Embed), ("wpe", MatrixId::PosEmbed)]
        .into_iter()
        .chain((!c.tied_output).then_some(("lm_head", MatrixId::Output)))
    {
        match r.matrix_info(id) {
            Ok(m) => {
                println!("{name:<14} {:>6} x {:<6} shift {:>2}  at {:>10}", m.rows(), m.cols(), m.shift(), m.offset())
            }
            Err(e) => {
                bad += 1;
                println!("{name:<14} BAD: {e}");
            }
        }
    }
    if bad > 0 {
        return Err(Error::Problems { name: path_bytes(path), count: bad });
    }
    println!("all {} checksums ok", sections.len() + 1);
    Ok(())
}

fn print_layer(r: &mut ModelFile, i: u32) -> Result<(), gpt2dos::format::FormatError> {
    let table = r.layer_table(i as usize)?;
    let c = *r.config();
    let mut parts = LayerPart::ALL;
    parts.sort_by_key(|p| table.offset(*p));
    for part in parts {
        let offset = table.offset(part);
        let size = part.record_size(&c).unwrap_or(0);
        match (part.shape(&c), Matrix::ALL.into_iter().find(|m| m.part() == part)) {
            (RecordShape::Matrix { .. }, Some(matrix)) => {
                let m = r.matrix_info(MatrixId::Layer(i, matrix))?;
                println!(
                    "  {:<14} {:>6} x {:<6} shift {:>2}  at {offset:>10}  {size:>10} bytes",
                    part.name(),
                    m.rows(),
                    m.cols(),
                    m.shift()
                );
            }
            (RecordShape::Vector { len } | RecordShape::Norm { len }, _)
            | (RecordShape::Matrix { rows: len, .. }, None) => {
                let what = if matches!(part.shape(&c), RecordShape::Norm { .. }) { "gain+bias" } else { "vector" };
                println!("  {:<14} {len:>6} {what:<16}   at {offset:>10}  {size:>10} bytes", part.name());
            }
        }
    }
    Ok(())
}
