//! Sizes of every record and section, computed from the model dimensions alone.
//!
//! The reader compares the header's stored lengths with these before reading anything,
//! so a corrupt dimension can never size an allocation beyond what the file holds.
//! All arithmetic is checked u64: `None` means "too large to be a valid file".

use super::header::ModelConfig;

/// Bytes before a matrix record's scales: rows, cols, group, shift (u32 each).
pub const MATRIX_RECORD_HEADER: u64 = 16;
/// Bytes before a vector record's values: its length (u32).
pub const VECTOR_RECORD_HEADER: u64 = 4;
/// Entries in a layer table (u32 file offsets), see `LayerPart`.
pub const LAYER_TABLE_ENTRIES: usize = 10;
pub const LAYER_TABLE_SIZE: u64 = 4 * LAYER_TABLE_ENTRIES as u64;

pub fn align4(n: u64) -> u64 {
    (n + 3) & !3
}

/// A matrix record: header, `rows*cols/group` u16 scales, `rows*cols` i8, zero padding to 4.
pub fn matrix_record_size(rows: u64, cols: u64, group: u64) -> Option<u64> {
    if group == 0 || !cols.is_multiple_of(group) {
        return None;
    }
    let weights = rows.checked_mul(cols)?;
    let scales = (weights / group).checked_mul(2)?;
    let body = scales.checked_add(weights)?.checked_add(MATRIX_RECORD_HEADER)?;
    // Checked so that align4 cannot wrap.
    body.checked_add(3).map(|_| align4(body))
}

/// A vector record: length, then `len` i32 Q16.16 values.
pub fn vector_record_size(len: u64) -> Option<u64> {
    len.checked_mul(4)?.checked_add(VECTOR_RECORD_HEADER)
}

/// A norm record: the gain vector record, then the bias vector record.
pub fn norm_record_size(len: u64) -> Option<u64> {
    vector_record_size(len)?.checked_mul(2)
}

/// What a record must look like, given the model dimensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordShape {
    Matrix { rows: u32, cols: u32 },
    Vector { len: u32 },
    Norm { len: u32 },
}

impl RecordShape {
    pub fn size(&self, group: u32) -> Option<u64> {
        match *self {
            RecordShape::Matrix { rows, cols } => matrix_record_size(rows as u64, cols as u64, group as u64),
            RecordShape::Vector { len } => vector_record_size(len as u64),
            RecordShape::Norm { len } => norm_record_size(len as u64),
        }
    }
}

/// The entries of a layer table, in table order (the seed's six, then the biases).
/// Declaration order is table order: `part as usize` indexes the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayerPart {
    AttnQkv,
    AttnOut,
    FfnIn,
    FfnOut,
    Norm1,
    Norm2,
    QkvBias,
    AttnOutBias,
    FfnInBias,
    FfnOutBias,
}

impl LayerPart {
    pub const ALL: [LayerPart; LAYER_TABLE_ENTRIES] = [
        LayerPart::AttnQkv,
        LayerPart::AttnOut,
        LayerPart::FfnIn,
        LayerPart::FfnOut,
        LayerPart::Norm1,
        LayerPart::Norm2,
        LayerPart::QkvBias,
        LayerPart::AttnOutBias,
        LayerPart::FfnInBias,
        LayerPart::FfnOutBias,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            LayerPart::AttnQkv => "attn_qkv",
            LayerPart::AttnOut => "attn_out",
            LayerPart::FfnIn => "ffn_in",
            LayerPart::FfnOut => "ffn_out",
            LayerPart::Norm1 => "norm1",
            LayerPart::Norm2 => "norm2",
            LayerPart::QkvBias => "qkv_bias",
            LayerPart::AttnOutBias => "attn_out_bias",
            LayerPart::FfnInBias => "ffn_in_bias",
            LayerPart::FfnOutBias => "ffn_out_bias",
        }
    }

    /// Shapes follow GPT-2 with weights as (out = rows, in = cols).
    pub fn shape(&self, c: &ModelConfig) -> RecordShape {
        let (e, f) = (c.embed_dim, c.ffn_dim);
        // 3*e cannot overflow for a validated config (e*e must fit in the file).
        let e3 = e.saturating_mul(3);
        match self {
            LayerPart::AttnQkv => RecordShape::Matrix { rows: e3, cols: e },
            LayerPart::AttnOut => RecordShape::Matrix { rows: e, cols: e },
            LayerPart::FfnIn => RecordShape::Matrix { rows: f, cols: e },
            LayerPart::FfnOut => RecordShape::Matrix { rows: e, cols: f },
            LayerPart::Norm1 | LayerPart::Norm2 => RecordShape::Norm { len: e },
            LayerPart::QkvBias => RecordShape::Vector { len: e3 },
            LayerPart::AttnOutBias | LayerPart::FfnOutBias => RecordShape::Vector { len: e },
            LayerPart::FfnInBias => RecordShape::Vector { len: f },
        }
    }

    pub fn record_size(&self, c: &ModelConfig) -> Option<u64> {
        self.shape(c).size(c.group_size)
    }
}

/// The four matrices of a layer (weights as (out = rows, in = cols)), each with its bias.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Matrix {
    Qkv,
    AttnOut,
    FfnIn,
    FfnOut,
}

impl Matrix {
    pub const ALL: [Matrix; 4] = [Matrix::Qkv, Matrix::AttnOut, Matrix::FfnIn, Matrix::FfnOut];

    /// The layer table entry of the matrix.
    pub fn part(self) -> LayerPart {
        match self {
            Matrix::Qkv => LayerPart::AttnQkv,
            Matrix::AttnOut => LayerPart::AttnOut,
            Matrix::FfnIn => LayerPart::FfnIn,
            Matrix::FfnOut => LayerPart::FfnOut,
        }
    }

    /// (rows, cols) for the model dimensions.
    pub fn shape(self, c: &ModelConfig) -> (u32, u32) {
        let (e, f) = (c.embed_dim, c.ffn_dim);
        match self {
            Matrix::Qkv => (e.saturating_mul(3), e),
            Matrix::AttnOut => (e, e),
            Matrix::FfnIn => (f, e),
            Matrix::FfnOut => (e, f),
        }
    }
}

/// The two LayerNorms of a layer: before attention and before the FFN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Norm {
    Ln1,
    Ln2,
}

/// One layer section: the table, then the ten records.
pub fn layer_section_size(c: &ModelConfig) -> Option<u64> {
    LayerPart::ALL.iter().try_fold(LAYER_TABLE_SIZE, |acc, p| acc.checked_add(p.record_size(c)?))
}

pub fn embed_section_size(c: &ModelConfig) -> Option<u64> {
    matrix_record_size(c.vocab_size as u64, c.embed_dim as u64, c.group_size as u64)
}

pub fn pos_embed_section_size(c: &ModelConfig) -> Option<u64> {
    matrix_record_size(c.n_ctx as u64, c.embed_dim as u64, c.group_size as u64)
}

pub fn final_norm_section_size(c: &ModelConfig) -> Option<u64> {
    norm_record_size(c.embed_dim as u64)
}

/// The untied output head has the token embedding's shape (vocab x embed).
pub fn output_section_size(c: &ModelConfig) -> Option<u64> {
    embed_section_size(c)
}
