//! Where a forward pass gets its weights. It asks its source for each matvec, each
//! LayerNorm's parameters, the token embedding row and the output head, so a source may
//! hold every weight (`Resident`), one layer, or only a layer's norms and biases with its
//! matrices read by rows (`Streamed`).
use super::ModelError;
use crate::format::{Header, LayerWeights, Matrix, Norm, NormParams, SectionId};
use crate::math::{matvec, ActQ, QMatrix};
use crate::mem::PoolStats;
use alloc::vec::Vec;

pub trait WeightSource {
    /// LayerNorm `n` of layer `layer`.
    fn norm(&mut self, layer: usize, n: Norm) -> Result<&NormParams, ModelError>;
    /// `out = W · x + b` for matrix `m` of layer `layer`, with that matrix's bias (the
    /// source adds it: the kernel rounds once with the bias in, and the caller could not
    /// borrow the bias from a source it lends mutably).
    fn matvec(&mut self, layer: usize, m: Matrix, x: &ActQ, out: &mut [i32]) -> Result<(), ModelError>;
    /// Row `token` of the token embedding, Q16.16.
    fn embed_row(&mut self, token: usize, out: &mut [i32]) -> Result<(), ModelError>;
    /// `out = W_head · x` (the untied head, else the token embedding).
    fn head_matvec(&mut self, x: &ActQ, out: &mut [i32]) -> Result<(), ModelError>;
    /// Bytes read from the file so far for weights (0 when resident).
    fn bytes_streamed(&self) -> u64 {
        0
    }
    /// Reuse of streamed weight buffers (None when nothing streams).
    fn pool_stats(&self) -> Option<PoolStats> {
        None
    }
}

/// The token embedding and output head, in memory.
pub struct Head {
    /// wte (vocab, dim); also the output head when tied.
    pub embed: QMatrix,
    /// The untied output head (None when tied).
    pub output: Option<QMatrix>,
}

impl Head {
    pub fn embed_row(&self, token: usize, out: &mut [i32]) -> Result<(), ModelError> {
        Ok(self.embed.view().row_q16(token, out)?)
    }

    pub fn matvec(&self, x: &ActQ, out: &mut [i32]) -> Result<(), ModelError> {
        Ok(matvec(self.output.as_ref().unwrap_or(&self.embed).view(), x, None, out)?)
    }
}

/// Every weight loaded once.
pub struct Resident {
    pub layers: Vec<LayerWeights>,
    pub head: Head,
}

impl Resident {
    /// Bytes every weight takes in memory: the section lengths (record headers and
    /// padding included) bound what the reader allocates for them; and the table of
    /// layers itself.
    pub fn bytes(h: &Header) -> u64 {
        let sections: u64 =
            h.sections().filter(|(id, _)| *id != SectionId::Tokenizer).map(|(_, s)| s.length as u64).sum();
        sections + h.config.num_layers as u64 * core::mem::size_of::<LayerWeights>() as u64
    }
}

impl WeightSource for Resident {
    fn norm(&mut self, layer: usize, n: Norm) -> Result<&NormParams, ModelError> {
        Ok(self.layers[layer].norm(n))
    }

    fn matvec(&mut self, layer: usize, m: Matrix, x: &ActQ, out: &mut [i32]) -> Result<(), ModelError> {
        layer_matvec(&self.layers[layer], m, x, out)
    }

    fn embed_row(&mut self, token: usize, out: &mut [i32]) -> Result<(), ModelError> {
        self.head.embed_row(token, out)
    }

    fn head_matvec(&mut self, x: &ActQ, out: &mut [i32]) -> Result<(), ModelError> {
        self.head.matvec(x, out)
    }
}

/// Matrix `m` of a layer in memory, times `x`, plus its bias.
pub(crate) fn layer_matvec(w: &LayerWeights, m: Matrix, x: &ActQ, out: &mut [i32]) -> Result<(), ModelError> {
    Ok(matvec(w.matrix(m).view(), x, Some(w.bias(m)), out)?)
}
