//! Where a forward pass gets its weights. It asks its source for each matvec and for
//! each LayerNorm's parameters, so a source may hold every weight (`Resident`), one layer,
//! or only a layer's norms and biases with its matrices read by rows (`Streamed`).
use super::ModelError;
use crate::format::{LayerPart, LayerRecord, LayerWeights, NormParams};
use crate::math::{matvec, ActQ, QMatrix};
use crate::mem::PoolStats;
use alloc::vec::Vec;

/// The four matrices of a layer; `part as usize` is their index here.
pub const MATRIX_PARTS: [LayerPart; 4] = [LayerPart::AttnQkv, LayerPart::AttnOut, LayerPart::FfnIn, LayerPart::FfnOut];

pub trait LayerSource {
    /// LayerNorm `part` (`Norm1` or `Norm2`) of layer `layer`.
    fn norm(&mut self, layer: usize, part: LayerPart) -> Result<&NormParams, ModelError>;
    /// `out = W · x + b` for matrix `part` of layer `layer`, with that matrix's bias (the
    /// source adds it: the kernel rounds once with the bias in, and the caller could not
    /// borrow the bias from a source it lends mutably).
    fn matvec(&mut self, layer: usize, part: LayerPart, x: &ActQ, out: &mut [i32]) -> Result<(), ModelError>;
    /// Bytes read from the file so far for weights (0 when resident).
    fn bytes_streamed(&self) -> u64 {
        0
    }
    /// Reuse of streamed weight buffers (None when nothing streams).
    fn pool_stats(&self) -> Option<PoolStats> {
        None
    }
    /// Row `token` of the token embedding, when it is not in memory.
    fn embed_row(&mut self, _token: usize, _out: &mut [i32]) -> Result<(), ModelError> {
        Err(ModelError::NotStreamed)
    }
    /// `out = W_head · x`, when the output head is not in memory.
    fn head_matvec(&mut self, _x: &ActQ, _out: &mut [i32]) -> Result<(), ModelError> {
        Err(ModelError::NotStreamed)
    }
}

/// Every layer loaded once.
pub struct Resident(pub Vec<LayerWeights>);

impl LayerSource for Resident {
    fn norm(&mut self, layer: usize, part: LayerPart) -> Result<&NormParams, ModelError> {
        norm_of(&self.0[layer], part)
    }

    fn matvec(&mut self, layer: usize, part: LayerPart, x: &ActQ, out: &mut [i32]) -> Result<(), ModelError> {
        layer_matvec(&self.0[layer], part, x, out)
    }
}

pub(crate) fn norm_of(w: &LayerWeights, part: LayerPart) -> Result<&NormParams, ModelError> {
    match w.record(part) {
        LayerRecord::Norm(n) => Ok(n),
        _ => Err(ModelError::WrongPart(part)),
    }
}

/// The bias added to the output of matrix `part`.
pub(crate) fn bias_of(w: &LayerWeights, part: LayerPart) -> Result<&[i32], ModelError> {
    let bias = match part {
        LayerPart::AttnQkv => &w.qkv_bias,
        LayerPart::AttnOut => &w.attn_out_bias,
        LayerPart::FfnIn => &w.ffn_in_bias,
        LayerPart::FfnOut => &w.ffn_out_bias,
        _ => return Err(ModelError::WrongPart(part)),
    };
    Ok(bias)
}

pub(crate) fn matrix_mut(w: &mut LayerWeights, part: LayerPart) -> Result<&mut QMatrix, ModelError> {
    match part {
        LayerPart::AttnQkv => Ok(&mut w.attn_qkv),
        LayerPart::AttnOut => Ok(&mut w.attn_out),
        LayerPart::FfnIn => Ok(&mut w.ffn_in),
        LayerPart::FfnOut => Ok(&mut w.ffn_out),
        _ => Err(ModelError::WrongPart(part)),
    }
}

/// Matrix `part` of a layer in memory, times `x`, plus its bias.
pub(crate) fn layer_matvec(w: &LayerWeights, part: LayerPart, x: &ActQ, out: &mut [i32]) -> Result<(), ModelError> {
    let LayerRecord::Matrix(m) = w.record(part) else {
        return Err(ModelError::WrongPart(part));
    };
    Ok(matvec(m.view(), x, Some(bias_of(w, part)?), out)?)
}
