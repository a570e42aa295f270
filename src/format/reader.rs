//! Reading a GPT2BSCM file: the whole model, one layer at a time, or rows of a matrix.
//!
//! Every section is hashed as it is read and refused if its CRC differs; every size was
//! checked against the file length by `Header::read` before anything is allocated.

use alloc::vec::Vec;
use core::ops::Range;
use embedded_io::{Read, Seek};

use super::error::{FormatError, SectionId};
use super::header::{Header, ModelConfig, Section};
use super::io::{read_exact, seek_to, SectionReader};
use super::layout::{LayerPart, Matrix, RecordShape, LAYER_TABLE_ENTRIES, LAYER_TABLE_SIZE};
use super::records::{self, MatrixInfo};
use super::weights::{empty_matrix, LayerRecordMut, LayerWeights, ModelWeights, NormParams};
use crate::math::QMatrix;

/// A matrix of the file, for `matrix_info` / `read_matrix_rows`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatrixId {
    Embed,
    PosEmbed,
    /// The untied output head (an error when the head is tied: use `Embed`).
    Output,
    /// A matrix of layer `.0`.
    Layer(u32, Matrix),
}

/// A layer's table: the file offset of each part, in `LayerPart::ALL` order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerTable {
    pub offsets: [u32; LAYER_TABLE_ENTRIES],
}

impl LayerTable {
    pub fn offset(&self, part: LayerPart) -> u32 {
        self.offsets[part as usize]
    }
}

pub struct ModelReader<R> {
    io: R,
    header: Header,
    allocated: u64,
}

impl<R: Read + Seek> ModelReader<R> {
    /// Reads and validates the header; nothing else is read yet.
    pub fn open(mut io: R) -> Result<Self, FormatError> {
        let header = Header::read(&mut io)?;
        Ok(ModelReader { io, header, allocated: 0 })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    pub fn config(&self) -> &ModelConfig {
        &self.header.config
    }

    /// Payload bytes reserved by this reader so far (each bounded by its section).
    pub fn bytes_allocated(&self) -> u64 {
        self.allocated
    }

    pub fn into_inner(self) -> R {
        self.io
    }

    /// The opaque tokenizer section.
    pub fn read_tokenizer(&mut self) -> Result<Vec<u8>, FormatError> {
        let s = self.header.tokenizer;
        self.with_section(SectionId::Tokenizer, s, |sr, allocated| {
            let mut out = Vec::new();
            records::check_room(s.length as u64, 1, sr.remaining(), sr.id(), allocated)?;
            sr.read(records::sized_for_read(&mut out, s.length as usize))?;
            Ok(out)
        })
    }

    pub fn read_embed(&mut self) -> Result<QMatrix, FormatError> {
        let c = self.header.config;
        self.read_matrix_section(SectionId::Embed, self.header.embed, c.vocab_size)
    }

    pub fn read_pos_embed(&mut self) -> Result<QMatrix, FormatError> {
        let c = self.header.config;
        self.read_matrix_section(SectionId::PosEmbed, self.header.pos_embed, c.n_ctx)
    }

    /// The untied output head, or `None` when the head is the token embedding.
    pub fn read_output(&mut self) -> Result<Option<QMatrix>, FormatError> {
        let c = self.header.config;
        if c.tied_output {
            return Ok(None);
        }
        self.read_matrix_section(SectionId::Output, self.header.output, c.vocab_size).map(Some)
    }

    pub fn read_final_norm(&mut self) -> Result<NormParams, FormatError> {
        let e = self.header.config.embed_dim;
        self.with_section(SectionId::FinalNorm, self.header.final_norm, |sr, allocated| {
            let mut n = NormParams::default();
            records::read_norm(sr, e, &mut n, allocated)?;
            Ok(n)
        })
    }

    pub fn read_layer(&mut self, i: usize) -> Result<LayerWeights, FormatError> {
        let mut layer = LayerWeights::empty();
        self.read_layer_into(i, &mut layer)?;
        Ok(layer)
    }

    /// Reads layer `i` into `out`, reusing its buffers (streaming: one layer resident).
    /// On error `out` holds partial data and must not be used.
    pub fn read_layer_into(&mut self, i: usize, out: &mut LayerWeights) -> Result<(), FormatError> {
        let section = self.header.layer(i)?;
        let c = self.header.config;
        let id = SectionId::Layer(i as u32);
        self.with_section(id, section, |sr, allocated| read_layer_records(sr, &c, i as u32, section, out, allocated))
    }

    /// As `read_layer_into`, without the CRC: for layers checked once with
    /// `verify_section` (streaming reads them again for every token). The layer table
    /// and every record header are still checked.
    pub fn read_layer_into_unchecked(&mut self, i: usize, out: &mut LayerWeights) -> Result<(), FormatError> {
        let section = self.header.layer(i)?;
        let c = self.header.config;
        let mut sr = SectionReader::start_checked(&mut self.io, SectionId::Layer(i as u32), section)?;
        read_layer_records(&mut sr, &c, i as u32, section, out, &mut self.allocated)
    }

    /// Reads only the norms and biases of layer `i` into `out` (its matrices are left
    /// alone), for row-chunk streaming; returns the bytes read. Not CRC-checked: verify
    /// the section once with `verify_section`.
    pub fn read_layer_vectors_into(&mut self, i: usize, out: &mut LayerWeights) -> Result<u64, FormatError> {
        let section = self.header.layer(i)?;
        let c = self.header.config;
        let id = SectionId::Layer(i as u32);
        let table = self.layer_table(i)?;
        let mut bytes = LAYER_TABLE_SIZE;
        for part in LayerPart::ALL {
            if let RecordShape::Matrix { .. } = part.shape(&c) {
                continue;
            }
            let offset = table.offset(part);
            // The table was checked to tile the section, so the record lies inside it.
            let rest = Section { offset, length: section.end().saturating_sub(offset as u64) as u32, crc: 0 };
            let mut sr = SectionReader::start(&mut self.io, id, rest)?;
            read_part(&mut sr, &c, offset, part, out, &mut self.allocated)?;
            bytes += part.record_size(&c).unwrap_or(0);
        }
        Ok(bytes)
    }

    /// The whole model, every section checked.
    pub fn read_weights(&mut self) -> Result<ModelWeights, FormatError> {
        let n = self.header.config.num_layers as usize;
        let tokenizer = self.read_tokenizer()?;
        let embed = self.read_embed()?;
        let pos_embed = self.read_pos_embed()?;
        let mut layers = Vec::with_capacity(n);
        for i in 0..n {
            layers.push(self.read_layer(i)?);
        }
        Ok(ModelWeights {
            config: self.header.config,
            tokenizer,
            embed,
            pos_embed,
            layers,
            final_norm: self.read_final_norm()?,
            output: self.read_output()?,
        })
    }

    /// Checks one section's CRC by streaming it through a stack buffer (no allocation).
    pub fn verify_section(&mut self, id: SectionId, section: Section) -> Result<(), FormatError> {
        SectionReader::start(&mut self.io, id, section)?.finish(section.crc)
    }

    /// The layer table of layer `i`, checked to tile its section (not CRC-checked).
    pub fn layer_table(&mut self, i: usize) -> Result<LayerTable, FormatError> {
        let section = self.header.layer(i)?;
        let c = self.header.config;
        let mut sr = SectionReader::start(&mut self.io, SectionId::Layer(i as u32), section)?;
        read_table(&mut sr, &c, i as u32, section)
    }

    /// Locates a matrix and checks its record header against the model dimensions.
    pub fn matrix_info(&mut self, which: MatrixId) -> Result<MatrixInfo, FormatError> {
        let c = self.header.config;
        let h = &self.header;
        let (id, section, offset, rows, cols) = match which {
            MatrixId::Embed => (SectionId::Embed, h.embed, h.embed.offset, c.vocab_size, c.embed_dim),
            MatrixId::PosEmbed => (SectionId::PosEmbed, h.pos_embed, h.pos_embed.offset, c.n_ctx, c.embed_dim),
            MatrixId::Output if !c.tied_output => {
                (SectionId::Output, h.output, h.output.offset, c.vocab_size, c.embed_dim)
            }
            MatrixId::Output => return Err(FormatError::BadField { field: "output head (tied)", value: 1 }),
            MatrixId::Layer(i, m) => {
                let section = h.layer(i as usize)?;
                let (rows, cols) = m.shape(&c);
                let offset = self.layer_table(i as usize)?.offset(m.part());
                (SectionId::Layer(i), section, offset, rows, cols)
            }
        };
        // The table was checked to tile the section, so the record lies inside it.
        let length = section.end().saturating_sub(offset as u64) as u32;
        let rest = Section { offset, length, crc: 0 };
        let mut sr = SectionReader::start(&mut self.io, id, rest)?;
        records::read_matrix_header(&mut sr, offset, (rows, cols, c.group_size), c.weight_layout)
    }

    /// Reads rows `rows` of a matrix into `out` (reusing its buffers), for row-chunk
    /// streaming. Not CRC-checked: verify the section once with `verify_section`.
    pub fn read_matrix_rows(
        &mut self,
        info: &MatrixInfo,
        rows: Range<usize>,
        out: &mut QMatrix,
    ) -> Result<(), FormatError> {
        let total = info.rows() as usize;
        if rows.start > rows.end || rows.end > total {
            return Err(FormatError::RowRange { start: rows.start, end: rows.end, rows: total });
        }
        let (a, b) = (rows.start as u64, rows.end as u64);
        let ngroups = (b - a) * info.groups_per_row();
        let weights = (b - a) * info.cols() as u64;
        // `info` comes from `matrix_info`, so these sizes lie inside the file.
        let id = info.section();
        seek_to(&mut self.io, info.scales_offset(a))?;
        self.allocated += ngroups * 2;
        read_exact(&mut self.io, records::sized_for_read(&mut out.scales, ngroups as usize), id)?;
        records::from_le(&mut out.scales, u16::from_le);
        seek_to(&mut self.io, info.q_offset(a))?;
        self.allocated += weights;
        read_exact(&mut self.io, records::sized_for_read(&mut out.q, weights as usize), id)?;
        out.rows = (b - a) as usize;
        out.cols = info.cols() as usize;
        out.group = info.group() as usize;
        out.shift = info.shift();
        out.layout = info.layout();
        Ok(())
    }

    fn read_matrix_section(&mut self, id: SectionId, section: Section, rows: u32) -> Result<QMatrix, FormatError> {
        let c = self.header.config;
        self.with_section(id, section, |sr, allocated| {
            let mut m = empty_matrix();
            let shape = (rows, c.embed_dim, c.group_size);
            records::read_matrix(sr, section.offset, shape, c.weight_layout, &mut m, allocated)?;
            Ok(m)
        })
    }

    /// Runs `body` over a section, then checks its CRC. If the body finds a structural
    /// error, a checksum mismatch is reported instead when there is one: "corrupt file"
    /// is the truer message.
    fn with_section<T>(
        &mut self,
        id: SectionId,
        section: Section,
        body: impl FnOnce(&mut SectionReader<'_, R>, &mut u64) -> Result<T, FormatError>,
    ) -> Result<T, FormatError> {
        let mut sr = SectionReader::start(&mut self.io, id, section)?;
        match body(&mut sr, &mut self.allocated) {
            Ok(v) => sr.finish(section.crc).map(|_| v),
            Err(e @ (FormatError::Io(_) | FormatError::Truncated { .. })) => Err(e),
            Err(e) => match sr.finish(section.crc) {
                Err(crc @ FormatError::SectionChecksum { .. }) => Err(crc),
                _ => Err(e),
            },
        }
    }
}

/// Reads a layer table and checks that its records tile the section exactly, in some
/// order, right after the table.
fn read_table<R: Read + Seek>(
    sr: &mut SectionReader<'_, R>,
    c: &ModelConfig,
    layer: u32,
    section: Section,
) -> Result<LayerTable, FormatError> {
    let mut table = LayerTable { offsets: [0; LAYER_TABLE_ENTRIES] };
    for o in table.offsets.iter_mut() {
        *o = sr.read_u32()?;
    }
    let mut pos = section.offset as u64 + LAYER_TABLE_SIZE;
    for (offset, part) in sorted_parts(&table) {
        if offset as u64 != pos {
            return Err(FormatError::LayerTable { layer, part, offset });
        }
        // Sizes exist: the section length was checked against them in `Header::validate`.
        pos += part.record_size(c).ok_or(FormatError::LayerTable { layer, part, offset })?;
    }
    if pos != section.end() {
        let part = LayerPart::ALL[LAYER_TABLE_ENTRIES - 1];
        return Err(FormatError::LayerTable { layer, part, offset: pos as u32 });
    }
    Ok(table)
}

/// A layer's table, then its records in file order into `out`.
fn read_layer_records<R: Read + Seek>(
    sr: &mut SectionReader<'_, R>,
    c: &ModelConfig,
    layer: u32,
    section: Section,
    out: &mut LayerWeights,
    allocated: &mut u64,
) -> Result<(), FormatError> {
    let table = read_table(sr, c, layer, section)?;
    for (offset, part) in sorted_parts(&table) {
        read_part(sr, c, offset, part, out, allocated)?;
    }
    Ok(())
}

/// The parts of a layer in file order.
fn sorted_parts(table: &LayerTable) -> [(u32, LayerPart); LAYER_TABLE_ENTRIES] {
    let mut parts = [(0u32, LayerPart::AttnQkv); LAYER_TABLE_ENTRIES];
    for (i, p) in parts.iter_mut().enumerate() {
        *p = (table.offsets[i], LayerPart::ALL[i]);
    }
    parts.sort_unstable_by_key(|&(offset, _)| offset);
    parts
}

fn read_part<R: Read + Seek>(
    sr: &mut SectionReader<'_, R>,
    c: &ModelConfig,
    offset: u32,
    part: LayerPart,
    out: &mut LayerWeights,
    allocated: &mut u64,
) -> Result<(), FormatError> {
    match (part.shape(c), out.record_mut(part)) {
        (RecordShape::Matrix { rows, cols }, LayerRecordMut::Matrix(m)) => {
            records::read_matrix(sr, offset, (rows, cols, c.group_size), c.weight_layout, m, allocated).map(drop)
        }
        (RecordShape::Vector { len }, LayerRecordMut::Vector(v)) => records::read_vector(sr, len, v, allocated),
        (RecordShape::Norm { len }, LayerRecordMut::Norm(n)) => records::read_norm(sr, len, n, allocated),
        // `shape` and `record_mut` agree on every part; kept as an error, not a panic.
        _ => Err(FormatError::LayerTable { layer: 0, part, offset }),
    }
}
