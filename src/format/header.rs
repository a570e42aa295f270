//! The GPT2BSCM header: fixed 1660 bytes, little-endian u32 fields (docs/FORMAT.md §2).
//!
//! `Header::decode` checks signature, version and checksum; `Header::validate` checks
//! every dimension, offset and length against the model and the real file length, so
//! that everything the reader later allocates is bounded by the file.

use byteorder::{ByteOrder, LittleEndian};
use embedded_io::{Error as _, Read, Seek, SeekFrom};

use super::error::{FormatError, SectionId};
use super::io::{read_exact, seek_to};
use super::layout;
use crate::math::planes::is_plane_group;
use crate::math::Layout;

pub const SIGNATURE: [u8; 8] = *b"GPT2BSCM";
/// Version 1 was the seed's layout (no biases, no checksums); this reader refuses it.
/// Version 3 added quant_scheme 2 (bit planes); version 2 files (scheme 1 only) are read.
pub const VERSION: u32 = 3;
pub const VERSION_ROWS_ONLY: u32 = 2;
pub const MAX_LAYERS: usize = 128;
pub const HEADER_SIZE: usize = 1660;
/// Bytes covered by the header CRC (everything before it).
pub const HEADER_CRC_OFFSET: usize = HEADER_SIZE - 4;
/// Quantization scheme 1: int8 symmetric, u16 scale mantissa per group, per-matrix shift.
pub const QUANT_INT8_GROUPED: u32 = 1;
/// The same values, each (row, group) stored as its bit planes (version 3).
pub const QUANT_INT8_PLANES: u32 = 2;
/// `flags` bit 0: the output head is the token embedding (GPT-2's tied lm_head).
pub const FLAG_TIED_OUTPUT: u32 = 1;
/// LayerNorm epsilon is stored as an integer in units of 2^-32.
pub const EPS_FRAC_BITS: u32 = 32;
/// Largest per-matrix shift a reader accepts (the quantizer uses at most 40).
pub const MAX_SHIFT: u32 = 63;

// Byte offsets of the fields (docs/FORMAT.md §2).
const OFF_VERSION: usize = 8;
const OFF_NUM_LAYERS: usize = 12;
const OFF_EMBED_DIM: usize = 16;
const OFF_VOCAB: usize = 20;
const OFF_NUM_HEADS: usize = 24;
const OFF_LAYER_OFFSETS: usize = 28;
const OFF_EMBED_OFFSET: usize = 540;
const OFF_OUTPUT_OFFSET: usize = 544;
const OFF_HEADER_SIZE: usize = 548;
const OFF_FILE_LENGTH: usize = 552;
const OFF_N_CTX: usize = 556;
const OFF_FFN_DIM: usize = 560;
const OFF_FLAGS: usize = 564;
const OFF_QUANT: usize = 568;
const OFF_GROUP: usize = 572;
const OFF_EPS: usize = 576;
const OFF_POS_OFFSET: usize = 580;
const OFF_FINAL_NORM_OFFSET: usize = 584;
const OFF_TOKENIZER_OFFSET: usize = 588;
const OFF_TOKENIZER_LENGTH: usize = 592;
const OFF_EMBED_LENGTH: usize = 596;
const OFF_OUTPUT_LENGTH: usize = 600;
const OFF_POS_LENGTH: usize = 604;
const OFF_FINAL_NORM_LENGTH: usize = 608;
const OFF_EMBED_CRC: usize = 612;
const OFF_OUTPUT_CRC: usize = 616;
const OFF_POS_CRC: usize = 620;
const OFF_FINAL_NORM_CRC: usize = 624;
const OFF_TOKENIZER_CRC: usize = 628;
const OFF_LAYER_LENGTHS: usize = 632;
const OFF_LAYER_CRCS: usize = 1144;

/// Where a section is and what its bytes must hash to (CRC-32, IEEE).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Section {
    pub offset: u32,
    pub length: u32,
    pub crc: u32,
}

impl Section {
    pub fn end(&self) -> u64 {
        self.offset as u64 + self.length as u64
    }
}

/// The model's dimensions and numeric conventions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelConfig {
    pub num_layers: u32,
    pub embed_dim: u32,
    pub vocab_size: u32,
    pub num_heads: u32,
    /// Context length (rows of the position embedding).
    pub n_ctx: u32,
    pub ffn_dim: u32,
    /// Inputs per quantization scale.
    pub group_size: u32,
    /// LayerNorm epsilon in units of 2^-32 (GPT-2's 1e-5 is 42950).
    pub layer_norm_eps: u32,
    /// Output head is the token embedding.
    pub tied_output: bool,
    /// How every matrix holds its weights (`quant_scheme`: 1 int8 rows, 2 bit planes).
    pub weight_layout: Layout,
}

impl ModelConfig {
    pub fn head_dim(&self) -> u32 {
        self.embed_dim / self.num_heads.max(1)
    }

    /// Converts a float epsilon to the stored integer (host side).
    pub fn eps_from_f64(eps: f64) -> u32 {
        let v = libm::round(eps * libm::ldexp(1.0, EPS_FRAC_BITS as i32));
        if v >= u32::MAX as f64 {
            u32::MAX
        } else if v <= 1.0 {
            1
        } else {
            v as u32
        }
    }

    pub fn eps_f64(&self) -> f64 {
        self.layer_norm_eps as f64 / libm::ldexp(1.0, EPS_FRAC_BITS as i32)
    }

    /// Weights in the model (matrix entries and vector entries).
    pub fn parameter_count(&self) -> u64 {
        let (e, f, v, n) = (self.embed_dim as u64, self.ffn_dim as u64, self.vocab_size as u64, self.n_ctx as u64);
        let per_layer = 3 * e * e + 3 * e + e * e + e + f * e + f + e * f + e + 4 * e;
        let head = if self.tied_output { 0 } else { v * e };
        v * e + n * e + self.num_layers as u64 * per_layer + 2 * e + head
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub config: ModelConfig,
    /// Total bytes of the file; a shorter or longer file is refused.
    pub file_length: u32,
    pub tokenizer: Section,
    /// Token embedding wte (vocab x embed); also the output head when tied.
    pub embed: Section,
    /// Position embedding wpe (n_ctx x embed).
    pub pos_embed: Section,
    pub final_norm: Section,
    /// Untied output head; when tied: offset = embed offset, length 0, crc 0.
    pub output: Section,
    /// Entries past `num_layers` are all zero.
    pub layers: [Section; MAX_LAYERS],
}

fn get(b: &[u8], off: usize) -> u32 {
    LittleEndian::read_u32(&b[off..off + 4])
}

fn put(b: &mut [u8], off: usize, v: u32) {
    LittleEndian::write_u32(&mut b[off..off + 4], v)
}

fn field(name: &'static str, value: u32) -> FormatError {
    FormatError::BadField { field: name, value }
}

impl Header {
    /// Reads and fully validates the header of `io` (whose length is found by seeking).
    pub fn read<R: Read + Seek>(io: &mut R) -> Result<Header, FormatError> {
        let actual = io.seek(SeekFrom::End(0)).map_err(|e| FormatError::Io(e.kind()))?;
        seek_to(io, 0)?;
        let mut bytes = [0u8; HEADER_SIZE];
        // Signature and version first: an old or foreign file gets a precise message.
        let head = 12.min(actual) as usize;
        read_exact(io, &mut bytes[..head], SectionId::Header)?;
        check_identity(&bytes[..head], actual)?;
        if actual < HEADER_SIZE as u64 {
            return Err(FormatError::TooShort { length: actual });
        }
        read_exact(io, &mut bytes[12..], SectionId::Header)?;
        let header = Header::decode(&bytes)?;
        header.validate(actual)?;
        Ok(header)
    }

    /// Parses the header bytes: identity, checksum, then fields (not yet cross-checked).
    pub fn decode(b: &[u8; HEADER_SIZE]) -> Result<Header, FormatError> {
        check_identity(b, HEADER_SIZE as u64)?;
        let stored = get(b, HEADER_CRC_OFFSET);
        let computed = crate::format::crc::hash(&b[..HEADER_CRC_OFFSET]);
        if stored != computed {
            return Err(FormatError::HeaderChecksum { stored, computed });
        }
        let header_size = get(b, OFF_HEADER_SIZE);
        if header_size as usize != HEADER_SIZE {
            return Err(field("header_size", header_size));
        }
        let flags = get(b, OFF_FLAGS);
        if flags & !FLAG_TIED_OUTPUT != 0 {
            return Err(field("flags", flags));
        }
        let config = ModelConfig {
            num_layers: get(b, OFF_NUM_LAYERS),
            embed_dim: get(b, OFF_EMBED_DIM),
            vocab_size: get(b, OFF_VOCAB),
            num_heads: get(b, OFF_NUM_HEADS),
            n_ctx: get(b, OFF_N_CTX),
            ffn_dim: get(b, OFF_FFN_DIM),
            group_size: get(b, OFF_GROUP),
            layer_norm_eps: get(b, OFF_EPS),
            tied_output: flags & FLAG_TIED_OUTPUT != 0,
            weight_layout: match (get(b, OFF_VERSION), get(b, OFF_QUANT)) {
                (_, QUANT_INT8_GROUPED) => Layout::Rows,
                (VERSION, QUANT_INT8_PLANES) => Layout::Planes,
                (_, quant) => return Err(field("quant_scheme", quant)),
            },
        };
        let mut layers = [Section::default(); MAX_LAYERS];
        for (i, s) in layers.iter_mut().enumerate() {
            *s = Section {
                offset: get(b, OFF_LAYER_OFFSETS + 4 * i),
                length: get(b, OFF_LAYER_LENGTHS + 4 * i),
                crc: get(b, OFF_LAYER_CRCS + 4 * i),
            };
        }
        let section = |o, l, c| Section { offset: get(b, o), length: get(b, l), crc: get(b, c) };
        Ok(Header {
            config,
            file_length: get(b, OFF_FILE_LENGTH),
            tokenizer: section(OFF_TOKENIZER_OFFSET, OFF_TOKENIZER_LENGTH, OFF_TOKENIZER_CRC),
            embed: section(OFF_EMBED_OFFSET, OFF_EMBED_LENGTH, OFF_EMBED_CRC),
            pos_embed: section(OFF_POS_OFFSET, OFF_POS_LENGTH, OFF_POS_CRC),
            final_norm: section(OFF_FINAL_NORM_OFFSET, OFF_FINAL_NORM_LENGTH, OFF_FINAL_NORM_CRC),
            output: section(OFF_OUTPUT_OFFSET, OFF_OUTPUT_LENGTH, OFF_OUTPUT_CRC),
            layers,
        })
    }

    /// The header bytes, checksum included.
    pub fn encode(&self) -> [u8; HEADER_SIZE] {
        let mut b = [0u8; HEADER_SIZE];
        let c = &self.config;
        b[..8].copy_from_slice(&SIGNATURE);
        put(&mut b, OFF_VERSION, VERSION);
        put(&mut b, OFF_NUM_LAYERS, c.num_layers);
        put(&mut b, OFF_EMBED_DIM, c.embed_dim);
        put(&mut b, OFF_VOCAB, c.vocab_size);
        put(&mut b, OFF_NUM_HEADS, c.num_heads);
        put(&mut b, OFF_HEADER_SIZE, HEADER_SIZE as u32);
        put(&mut b, OFF_FILE_LENGTH, self.file_length);
        put(&mut b, OFF_N_CTX, c.n_ctx);
        put(&mut b, OFF_FFN_DIM, c.ffn_dim);
        put(&mut b, OFF_FLAGS, if c.tied_output { FLAG_TIED_OUTPUT } else { 0 });
        let quant = match c.weight_layout {
            Layout::Rows => QUANT_INT8_GROUPED,
            Layout::Planes => QUANT_INT8_PLANES,
        };
        put(&mut b, OFF_QUANT, quant);
        put(&mut b, OFF_GROUP, c.group_size);
        put(&mut b, OFF_EPS, c.layer_norm_eps);
        let sections = [
            (&self.tokenizer, OFF_TOKENIZER_OFFSET, OFF_TOKENIZER_LENGTH, OFF_TOKENIZER_CRC),
            (&self.embed, OFF_EMBED_OFFSET, OFF_EMBED_LENGTH, OFF_EMBED_CRC),
            (&self.pos_embed, OFF_POS_OFFSET, OFF_POS_LENGTH, OFF_POS_CRC),
            (&self.final_norm, OFF_FINAL_NORM_OFFSET, OFF_FINAL_NORM_LENGTH, OFF_FINAL_NORM_CRC),
            (&self.output, OFF_OUTPUT_OFFSET, OFF_OUTPUT_LENGTH, OFF_OUTPUT_CRC),
        ];
        for (s, o, l, k) in sections {
            put(&mut b, o, s.offset);
            put(&mut b, l, s.length);
            put(&mut b, k, s.crc);
        }
        for (i, s) in self.layers.iter().enumerate() {
            put(&mut b, OFF_LAYER_OFFSETS + 4 * i, s.offset);
            put(&mut b, OFF_LAYER_LENGTHS + 4 * i, s.length);
            put(&mut b, OFF_LAYER_CRCS + 4 * i, s.crc);
        }
        let crc = crate::format::crc::hash(&b[..HEADER_CRC_OFFSET]);
        put(&mut b, HEADER_CRC_OFFSET, crc);
        b
    }

    pub fn layer(&self, i: usize) -> Result<Section, FormatError> {
        if i < self.config.num_layers as usize {
            Ok(self.layers[i])
        } else {
            Err(FormatError::NoSuchLayer { index: i, num_layers: self.config.num_layers })
        }
    }

    /// Every present section with its id, in header order (layers last).
    pub fn sections(&self) -> impl Iterator<Item = (SectionId, Section)> + '_ {
        let fixed = [
            (SectionId::Tokenizer, self.tokenizer),
            (SectionId::Embed, self.embed),
            (SectionId::PosEmbed, self.pos_embed),
            (SectionId::FinalNorm, self.final_norm),
            (SectionId::Output, self.output),
        ];
        let tied = self.config.tied_output;
        fixed.into_iter().filter(move |(id, _)| !(tied && *id == SectionId::Output)).chain(
            self.layers[..(self.config.num_layers as usize).min(MAX_LAYERS)]
                .iter()
                .enumerate()
                .map(|(i, s)| (SectionId::Layer(i as u32), *s)),
        )
    }

    /// Cross-checks dimensions, section lengths and placement against the file length.
    pub fn validate(&self, actual_file_length: u64) -> Result<(), FormatError> {
        if self.file_length as u64 != actual_file_length {
            return Err(FormatError::FileLength { stored: self.file_length, actual: actual_file_length });
        }
        let c = &self.config;
        validate_config(c)?;
        // A size that overflows u64 names the dimension that made it too large.
        let size = |s: Option<u64>, what, value| s.ok_or(field(what, value));
        let embed = size(layout::embed_section_size(c), "vocab_size", c.vocab_size)?;
        let pos = size(layout::pos_embed_section_size(c), "n_ctx", c.n_ctx)?;
        let norm = size(layout::final_norm_section_size(c), "embed_dim", c.embed_dim)?;
        self.check_length(SectionId::Embed, self.embed, embed)?;
        self.check_length(SectionId::PosEmbed, self.pos_embed, pos)?;
        self.check_length(SectionId::FinalNorm, self.final_norm, norm)?;
        if c.tied_output {
            let o = self.output;
            if o.offset != self.embed.offset || o.length != 0 || o.crc != 0 {
                return Err(field("output_offset", o.offset));
            }
        } else {
            let out = size(layout::output_section_size(c), "vocab_size", c.vocab_size)?;
            self.check_length(SectionId::Output, self.output, out)?;
        }
        let layer_size = size(layout::layer_section_size(c), "ffn_dim", c.ffn_dim)?;
        for (i, s) in self.layers.iter().enumerate() {
            if i < c.num_layers as usize {
                self.check_length(SectionId::Layer(i as u32), *s, layer_size)?;
            } else if *s != Section::default() {
                return Err(field("layer_offsets (unused entry)", s.offset));
            }
        }
        self.check_placement()
    }

    fn check_length(&self, id: SectionId, s: Section, expected: u64) -> Result<(), FormatError> {
        if s.length as u64 != expected {
            return Err(FormatError::SectionLength { section: id, expected, stored: s.length });
        }
        Ok(())
    }

    /// Sections are 4-byte aligned, after the header, inside the file, and disjoint.
    fn check_placement(&self) -> Result<(), FormatError> {
        let mut all = [(0u64, 0u64, SectionId::Header); MAX_LAYERS + 5];
        let mut n = 0;
        for (id, s) in self.sections() {
            if s.offset % 4 != 0 || (s.offset as usize) < HEADER_SIZE || s.end() > self.file_length as u64 {
                let (offset, length) = (s.offset, s.length);
                return Err(FormatError::SectionBounds { section: id, offset, length });
            }
            all[n] = (s.offset as u64, s.end(), id);
            n += 1;
        }
        let all = &mut all[..n];
        all.sort_unstable_by_key(|&(start, end, _)| (start, end));
        // Empty sections (a 0-byte tokenizer) overlap nothing and are skipped.
        let mut prev: Option<(u64, SectionId)> = None;
        for &(start, end, id) in all.iter().filter(|(start, end, _)| start != end) {
            if let Some((prev_end, prev_id)) = prev {
                if start < prev_end {
                    return Err(FormatError::SectionOverlap { first: prev_id, second: id });
                }
            }
            prev = Some((end, id));
        }
        Ok(())
    }
}

fn check_identity(b: &[u8], actual: u64) -> Result<(), FormatError> {
    if b.len() < 8 {
        return Err(FormatError::TooShort { length: actual });
    }
    if b[..8] != SIGNATURE {
        return Err(FormatError::BadSignature);
    }
    if b.len() < 12 {
        return Err(FormatError::TooShort { length: actual });
    }
    let version = get(b, OFF_VERSION);
    if version != VERSION && version != VERSION_ROWS_ONLY {
        return Err(FormatError::UnsupportedVersion { found: version });
    }
    Ok(())
}

fn validate_config(c: &ModelConfig) -> Result<(), FormatError> {
    if c.num_layers == 0 || c.num_layers as usize > MAX_LAYERS {
        return Err(field("num_layers", c.num_layers));
    }
    for (name, v) in [
        ("embed_dim", c.embed_dim),
        ("vocab_size", c.vocab_size),
        ("num_heads", c.num_heads),
        ("n_ctx", c.n_ctx),
        ("ffn_dim", c.ffn_dim),
        ("group_size", c.group_size),
        ("layer_norm_eps", c.layer_norm_eps),
    ] {
        if v == 0 {
            return Err(field(name, 0));
        }
    }
    if !c.embed_dim.is_multiple_of(c.num_heads) {
        return Err(field("num_heads", c.num_heads));
    }
    if !c.embed_dim.is_multiple_of(c.group_size) || !c.ffn_dim.is_multiple_of(c.group_size) {
        return Err(field("group_size", c.group_size));
    }
    if c.weight_layout == Layout::Planes && !is_plane_group(c.group_size as usize) {
        return Err(field("group_size (bit planes)", c.group_size));
    }
    Ok(())
}
