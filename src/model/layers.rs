//! Where a forward pass gets its weights: all in memory, or read from the file into
//! reused buffers when RAM is short — one layer at a time, and, when even the token
//! embedding / output head does not fit, their rows (one row per lookup, chunks of rows
//! for the logits).
use super::ModelError;
use crate::format::{LayerWeights, MatrixId, MatrixInfo, ModelReader, SectionId};
use crate::math::{matvec, ActQ, QMatrix};
use alloc::vec::Vec;
use embedded_io::{Read, Seek};

/// Output-head rows read per chunk when the head streams.
pub const HEAD_CHUNK_ROWS: usize = 512;

pub trait LayerSource {
    fn layer(&mut self, i: usize) -> Result<&LayerWeights, ModelError>;
    /// Bytes read from the file so far for weights (0 when resident).
    fn bytes_streamed(&self) -> u64 {
        0
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
    fn layer(&mut self, i: usize) -> Result<&LayerWeights, ModelError> {
        Ok(&self.0[i])
    }
}

/// Layers read on demand into one buffer (each layer's CRC checked on every read);
/// optionally the embedding and output head too, by rows.
pub struct Streamed<R> {
    reader: ModelReader<R>,
    buf: LayerWeights,
    loaded: Option<usize>,
    streamed: u64,
    head: Option<HeadStream>,
}

struct HeadStream {
    embed: MatrixInfo,
    output: MatrixInfo,
    rows: QMatrix,
}

impl<R: Read + Seek> Streamed<R> {
    /// `stream_head`: also leave the token embedding and output head on disk (their
    /// sections are CRC-checked once here, rows are read per token).
    pub fn new(mut reader: ModelReader<R>, stream_head: bool) -> Result<Self, ModelError> {
        let head = if stream_head {
            let h = reader.header().clone();
            reader.verify_section(SectionId::Embed, h.embed)?;
            let embed = reader.matrix_info(MatrixId::Embed)?;
            let output = if h.config.tied_output {
                embed
            } else {
                reader.verify_section(SectionId::Output, h.output)?;
                reader.matrix_info(MatrixId::Output)?
            };
            Some(HeadStream { embed, output, rows: crate::format::weights::empty_matrix() })
        } else {
            None
        };
        Ok(Streamed { reader, buf: LayerWeights::empty(), loaded: None, streamed: 0, head })
    }

    pub fn reader(&mut self) -> &mut ModelReader<R> {
        &mut self.reader
    }

    fn read_rows(&mut self, which: Which, rows: core::ops::Range<usize>) -> Result<(), ModelError> {
        let h = self.head.as_mut().ok_or(ModelError::NotStreamed)?;
        let info = match which {
            Which::Embed => h.embed,
            Which::Output => h.output,
        };
        self.reader.read_matrix_rows(&info, rows, &mut h.rows)?;
        self.streamed += (h.rows.q.len() + 2 * h.rows.scales.len()) as u64;
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Which {
    Embed,
    Output,
}

impl<R: Read + Seek> LayerSource for Streamed<R> {
    fn layer(&mut self, i: usize) -> Result<&LayerWeights, ModelError> {
        if self.loaded != Some(i) {
            self.loaded = None;
            self.reader.read_layer_into(i, &mut self.buf)?;
            self.streamed += self.reader.header().layer(i)?.length as u64;
            self.loaded = Some(i);
        }
        Ok(&self.buf)
    }

    fn bytes_streamed(&self) -> u64 {
        self.streamed
    }

    fn embed_row(&mut self, token: usize, out: &mut [i32]) -> Result<(), ModelError> {
        self.read_rows(Which::Embed, token..token + 1)?;
        let h = self.head.as_ref().ok_or(ModelError::NotStreamed)?;
        Ok(h.rows.view().row_q16(0, out)?)
    }

    fn head_matvec(&mut self, x: &ActQ, out: &mut [i32]) -> Result<(), ModelError> {
        let total = out.len();
        let mut start = 0;
        while start < total {
            let end = (start + HEAD_CHUNK_ROWS).min(total);
            self.read_rows(Which::Output, start..end)?;
            let h = self.head.as_ref().ok_or(ModelError::NotStreamed)?;
            matvec(h.rows.view(), x, None, &mut out[start..end])?;
            start = end;
        }
        Ok(())
    }
}
