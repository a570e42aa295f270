//! What a GPT2BSCM file holds, as plain structs (the writer's input, the reader's output).

use alloc::vec::Vec;

use super::header::ModelConfig;
use super::layout::{LayerPart, Matrix, Norm};
use crate::math::planes::is_plane_group;
use crate::math::{Layout, QMatrix};

/// LayerNorm parameters, Q16.16 (`VEC_FRAC_BITS`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NormParams {
    pub gain: Vec<i32>,
    pub bias: Vec<i32>,
}

/// One transformer block. Matrices are (out = rows, in = cols); vectors Q16.16.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerWeights {
    /// ln_1, before attention.
    pub norm1: NormParams,
    /// q, k, v stacked: (3*embed x embed), as HF `c_attn` transposed.
    pub attn_qkv: QMatrix,
    pub qkv_bias: Vec<i32>,
    pub attn_out: QMatrix,
    pub attn_out_bias: Vec<i32>,
    /// ln_2, before the FFN.
    pub norm2: NormParams,
    pub ffn_in: QMatrix,
    pub ffn_in_bias: Vec<i32>,
    pub ffn_out: QMatrix,
    pub ffn_out_bias: Vec<i32>,
}

/// A matrix with no rows: the starting point of a buffer that `read_layer_into` fills.
pub fn empty_matrix() -> QMatrix {
    QMatrix { rows: 0, cols: 0, group: 1, shift: 0, scales: Vec::new(), q: Vec::new(), layout: Layout::Rows }
}

pub(crate) fn matrix_heap_bytes(m: &QMatrix) -> usize {
    m.scales.capacity() * 2 + m.q.capacity()
}

/// One record of a layer, by `LayerPart`.
pub enum LayerRecord<'a> {
    Matrix(&'a QMatrix),
    Vector(&'a [i32]),
    Norm(&'a NormParams),
}

pub(crate) enum LayerRecordMut<'a> {
    Matrix(&'a mut QMatrix),
    Vector(&'a mut Vec<i32>),
    Norm(&'a mut NormParams),
}

impl LayerWeights {
    pub fn record(&self, part: LayerPart) -> LayerRecord<'_> {
        match part {
            LayerPart::AttnQkv => LayerRecord::Matrix(&self.attn_qkv),
            LayerPart::AttnOut => LayerRecord::Matrix(&self.attn_out),
            LayerPart::FfnIn => LayerRecord::Matrix(&self.ffn_in),
            LayerPart::FfnOut => LayerRecord::Matrix(&self.ffn_out),
            LayerPart::Norm1 => LayerRecord::Norm(&self.norm1),
            LayerPart::Norm2 => LayerRecord::Norm(&self.norm2),
            LayerPart::QkvBias => LayerRecord::Vector(&self.qkv_bias),
            LayerPart::AttnOutBias => LayerRecord::Vector(&self.attn_out_bias),
            LayerPart::FfnInBias => LayerRecord::Vector(&self.ffn_in_bias),
            LayerPart::FfnOutBias => LayerRecord::Vector(&self.ffn_out_bias),
        }
    }

    pub fn matrix(&self, m: Matrix) -> &QMatrix {
        match m {
            Matrix::Qkv => &self.attn_qkv,
            Matrix::AttnOut => &self.attn_out,
            Matrix::FfnIn => &self.ffn_in,
            Matrix::FfnOut => &self.ffn_out,
        }
    }

    pub fn matrix_mut(&mut self, m: Matrix) -> &mut QMatrix {
        match m {
            Matrix::Qkv => &mut self.attn_qkv,
            Matrix::AttnOut => &mut self.attn_out,
            Matrix::FfnIn => &mut self.ffn_in,
            Matrix::FfnOut => &mut self.ffn_out,
        }
    }

    /// The bias added to the output of matrix `m`.
    pub fn bias(&self, m: Matrix) -> &[i32] {
        match m {
            Matrix::Qkv => &self.qkv_bias,
            Matrix::AttnOut => &self.attn_out_bias,
            Matrix::FfnIn => &self.ffn_in_bias,
            Matrix::FfnOut => &self.ffn_out_bias,
        }
    }

    pub fn norm(&self, n: Norm) -> &NormParams {
        match n {
            Norm::Ln1 => &self.norm1,
            Norm::Ln2 => &self.norm2,
        }
    }

    pub(crate) fn record_mut(&mut self, part: LayerPart) -> LayerRecordMut<'_> {
        match part {
            LayerPart::AttnQkv => LayerRecordMut::Matrix(&mut self.attn_qkv),
            LayerPart::AttnOut => LayerRecordMut::Matrix(&mut self.attn_out),
            LayerPart::FfnIn => LayerRecordMut::Matrix(&mut self.ffn_in),
            LayerPart::FfnOut => LayerRecordMut::Matrix(&mut self.ffn_out),
            LayerPart::Norm1 => LayerRecordMut::Norm(&mut self.norm1),
            LayerPart::Norm2 => LayerRecordMut::Norm(&mut self.norm2),
            LayerPart::QkvBias => LayerRecordMut::Vector(&mut self.qkv_bias),
            LayerPart::AttnOutBias => LayerRecordMut::Vector(&mut self.attn_out_bias),
            LayerPart::FfnInBias => LayerRecordMut::Vector(&mut self.ffn_in_bias),
            LayerPart::FfnOutBias => LayerRecordMut::Vector(&mut self.ffn_out_bias),
        }
    }

    /// An empty layer, to be filled (and later refilled) by `ModelReader::read_layer_into`.
    pub fn empty() -> LayerWeights {
        LayerWeights {
            norm1: NormParams::default(),
            attn_qkv: empty_matrix(),
            qkv_bias: Vec::new(),
            attn_out: empty_matrix(),
            attn_out_bias: Vec::new(),
            norm2: NormParams::default(),
            ffn_in: empty_matrix(),
            ffn_in_bias: Vec::new(),
            ffn_out: empty_matrix(),
            ffn_out_bias: Vec::new(),
        }
    }

    /// Bytes of heap this layer holds (capacities, not lengths).
    pub fn heap_bytes(&self) -> usize {
        let vecs = [
            &self.norm1.gain,
            &self.norm1.bias,
            &self.qkv_bias,
            &self.attn_out_bias,
            &self.norm2.gain,
            &self.norm2.bias,
            &self.ffn_in_bias,
            &self.ffn_out_bias,
        ];
        let mats = [&self.attn_qkv, &self.attn_out, &self.ffn_in, &self.ffn_out];
        vecs.iter().map(|v| v.capacity() * 4).sum::<usize>() + mats.iter().map(|m| matrix_heap_bytes(m)).sum::<usize>()
    }
}

/// A whole model file's contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelWeights {
    /// `tied_output` must agree with `output.is_none()`.
    pub config: ModelConfig,
    /// Opaque tokenizer section (parsed by `tokenizer`, not here).
    pub tokenizer: Vec<u8>,
    /// wte: (vocab x embed).
    pub embed: QMatrix,
    /// wpe: (n_ctx x embed).
    pub pos_embed: QMatrix,
    pub layers: Vec<LayerWeights>,
    /// ln_f.
    pub final_norm: NormParams,
    /// Untied lm_head (vocab x embed); `None` when the head is `embed`.
    pub output: Option<QMatrix>,
}

impl ModelWeights {
    /// The layout a file written today gives these weights: bit planes when the group
    /// size has multiply-free kernels, else int8 rows.
    pub fn preferred_layout(group: usize) -> Layout {
        if is_plane_group(group) {
            Layout::Planes
        } else {
            Layout::Rows
        }
    }

    /// The same weights with every matrix in `layout` (a lossless re-layout), and the
    /// header saying so.
    pub fn with_layout(mut self, layout: Layout) -> ModelWeights {
        let to = |m: QMatrix| match layout {
            Layout::Rows => m.to_rows(),
            Layout::Planes => m.to_planes(),
        };
        let take = |m: &mut QMatrix| *m = to(core::mem::replace(m, empty_matrix()));
        take(&mut self.embed);
        take(&mut self.pos_embed);
        for l in &mut self.layers {
            for m in [&mut l.attn_qkv, &mut l.attn_out, &mut l.ffn_in, &mut l.ffn_out] {
                take(m);
            }
        }
        if let Some(m) = &mut self.output {
            take(m);
        }
        self.config.weight_layout = layout;
        self
    }

    /// The output head: the untied matrix, or the token embedding.
    pub fn output_head(&self) -> &QMatrix {
        self.output.as_ref().unwrap_or(&self.embed)
    }

    /// Heap bytes of the payload (vectors and matrices; not the `layers` spine, which is
    /// at most `MAX_LAYERS` structs).
    pub fn heap_bytes(&self) -> usize {
        self.tokenizer.capacity()
            + matrix_heap_bytes(&self.embed)
            + matrix_heap_bytes(&self.pos_embed)
            + self.layers.iter().map(|l| l.heap_bytes()).sum::<usize>()
            + (self.final_norm.gain.capacity() + self.final_norm.bias.capacity()) * 4
            + self.output.as_ref().map_or(0, matrix_heap_bytes)
    }
}
