//! Writing a GPT2BSCM file (host converter and tests): sections in the order of
//! docs/FORMAT.md §3, each 4-byte aligned, with its CRC in the header.

use alloc::vec;
use alloc::vec::Vec;

use super::error::{FormatError, SectionId};
use super::header::{Header, ModelConfig, Section, HEADER_SIZE, MAX_LAYERS};
use super::layout::{LayerPart, RecordShape, LAYER_TABLE_ENTRIES, LAYER_TABLE_SIZE};
use super::records::{write_matrix, write_norm, write_vector};
use super::weights::{LayerRecord, LayerWeights, ModelWeights};
use crate::math::QMatrix;

/// Layer records in file order: the order a forward pass uses them.
const LAYER_FILE_ORDER: [LayerPart; LAYER_TABLE_ENTRIES] = [
    LayerPart::Norm1,
    LayerPart::AttnQkv,
    LayerPart::QkvBias,
    LayerPart::AttnOut,
    LayerPart::AttnOutBias,
    LayerPart::Norm2,
    LayerPart::FfnIn,
    LayerPart::FfnInBias,
    LayerPart::FfnOut,
    LayerPart::FfnOutBias,
];

/// Encodes a whole model. Shapes are checked against `w.config` so that the reader
/// will accept what the writer produced.
pub fn write_model(w: &ModelWeights) -> Result<Vec<u8>, FormatError> {
    let c = w.config;
    if c.num_layers as usize != w.layers.len() || w.layers.len() > MAX_LAYERS || w.layers.is_empty() {
        return Err(FormatError::Unencodable { what: "layer count" });
    }
    if c.tied_output != w.output.is_none() {
        return Err(FormatError::Unencodable { what: "tied_output flag vs output head" });
    }
    let mut out = vec![0u8; HEADER_SIZE];
    let tokenizer = section(&mut out, |o| {
        o.extend_from_slice(&w.tokenizer);
        Ok(())
    })?;
    // The tokenizer's length is exact; the gap up to the next section is zero padding.
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
    let embed = section(&mut out, |o| matrix(o, &w.embed, SectionId::Embed, c.vocab_size, &c))?;
    let pos_embed = section(&mut out, |o| matrix(o, &w.pos_embed, SectionId::PosEmbed, c.n_ctx, &c))?;
    let mut layers = [Section::default(); MAX_LAYERS];
    for (i, l) in w.layers.iter().enumerate() {
        layers[i] = section(&mut out, |o| layer(o, l, i as u32, &c))?;
    }
    let final_norm = section(&mut out, |o| {
        vector_len(w.final_norm.gain.len(), c.embed_dim, SectionId::FinalNorm)?;
        vector_len(w.final_norm.bias.len(), c.embed_dim, SectionId::FinalNorm)?;
        write_norm(o, &w.final_norm)
    })?;
    let output = match &w.output {
        Some(m) => section(&mut out, |o| matrix(o, m, SectionId::Output, c.vocab_size, &c))?,
        None => Section { offset: embed.offset, length: 0, crc: 0 },
    };
    let file_length = u32::try_from(out.len()).map_err(|_| FormatError::Unencodable { what: "file over 4 GiB" })?;
    let header = Header { config: c, file_length, tokenizer, embed, pos_embed, final_norm, output, layers };
    out[..HEADER_SIZE].copy_from_slice(&header.encode());
    Ok(out)
}

/// Appends one section written by `body` and returns where it is and its CRC.
fn section(
    out: &mut Vec<u8>,
    body: impl FnOnce(&mut Vec<u8>) -> Result<(), FormatError>,
) -> Result<Section, FormatError> {
    let start = out.len();
    body(out)?;
    let too_big = FormatError::Unencodable { what: "file over 4 GiB" };
    Ok(Section {
        offset: u32::try_from(start).map_err(|_| too_big)?,
        length: u32::try_from(out.len() - start).map_err(|_| too_big)?,
        crc: crate::format::crc::hash(&out[start..]),
    })
}

fn shape_error(section: SectionId, field: &'static str, expected: usize, found: usize) -> FormatError {
    let clamp = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    FormatError::RecordShape { section, field, expected: clamp(expected), found: clamp(found) }
}

fn vector_len(found: usize, expected: u32, section: SectionId) -> Result<(), FormatError> {
    if found != expected as usize {
        return Err(shape_error(section, "length", expected as usize, found));
    }
    Ok(())
}

fn matrix(out: &mut Vec<u8>, m: &QMatrix, id: SectionId, rows: u32, c: &ModelConfig) -> Result<(), FormatError> {
    matrix_shape(m, id, rows, c.embed_dim, c)?;
    write_matrix(out, m)
}

fn matrix_shape(m: &QMatrix, id: SectionId, rows: u32, cols: u32, c: &ModelConfig) -> Result<(), FormatError> {
    if m.rows != rows as usize {
        return Err(shape_error(id, "rows", rows as usize, m.rows));
    }
    if m.cols != cols as usize {
        return Err(shape_error(id, "cols", cols as usize, m.cols));
    }
    if m.group != c.group_size as usize {
        return Err(shape_error(id, "group", c.group_size as usize, m.group));
    }
    if m.layout != c.weight_layout {
        return Err(FormatError::Unencodable { what: "a matrix's layout differs from the header's quant_scheme" });
    }
    Ok(())
}

fn layer(out: &mut Vec<u8>, l: &LayerWeights, index: u32, c: &ModelConfig) -> Result<(), FormatError> {
    let id = SectionId::Layer(index);
    let table_at = out.len();
    out.resize(table_at + LAYER_TABLE_SIZE as usize, 0);
    let mut offsets = [0u32; LAYER_TABLE_ENTRIES];
    for part in LAYER_FILE_ORDER {
        offsets[part as usize] =
            u32::try_from(out.len()).map_err(|_| FormatError::Unencodable { what: "file over 4 GiB" })?;
        match (part.shape(c), l.record(part)) {
            (RecordShape::Matrix { rows, cols }, LayerRecord::Matrix(m)) => {
                matrix_shape(m, id, rows, cols, c)?;
                write_matrix(out, m)?;
            }
            (RecordShape::Vector { len }, LayerRecord::Vector(v)) => {
                vector_len(v.len(), len, id)?;
                write_vector(out, v)?;
            }
            (RecordShape::Norm { len }, LayerRecord::Norm(n)) => {
                vector_len(n.gain.len(), len, id)?;
                vector_len(n.bias.len(), len, id)?;
                write_norm(out, n)?;
            }
            _ => return Err(FormatError::Unencodable { what: "layer record kind" }),
        }
    }
    for (i, o) in offsets.iter().enumerate() {
        out[table_at + 4 * i..table_at + 4 * i + 4].copy_from_slice(&o.to_le_bytes());
    }
    Ok(())
}
