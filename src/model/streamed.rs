//! Weights read from the file when RAM is short, into buffers from the matrix pool:
//! whole layers (each CRC-checked on every read), or — when one layer does not fit — a
//! layer's norms and biases with its matrices by chunks of rows (`row_chunks`); and
//! optionally the token embedding (a row per lookup) and output head (chunks of rows).
use super::layers::{layer_matvec, matrix_mut, norm_of, LayerSource, MATRIX_PARTS};
use super::row_chunks::{chunk_rows, verify_layers, PooledReader, RowLayers};
use super::ModelError;
use crate::format::layout::RecordShape;
use crate::format::weights::empty_matrix;
use crate::format::{LayerPart, LayerWeights, MatrixId, MatrixInfo, ModelReader, NormParams, SectionId};
use crate::math::ActQ;
use crate::mem::{MatrixPool, PoolStats};
use embedded_io::{Read, Seek};

/// Output-head rows read per chunk when the head streams and the layers stream whole.
pub const HEAD_CHUNK_ROWS: usize = 512;

/// What a `Streamed` source leaves on disk (from the memory plan's `Mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamOptions {
    /// The token embedding and output head too (their rows are read per token).
    pub head: bool,
    /// Layer matrices by chunks of rows of at most this many bytes (at least one row)
    /// instead of whole layers; head chunks then keep to the same bound.
    pub row_chunk_bytes: Option<usize>,
}

pub struct Streamed<R> {
    file: PooledReader<R>,
    layers: LayerStream,
    head: Option<HeadStream>,
    verified: u64,
}

enum LayerStream {
    Whole(WholeLayer),
    Rows(RowLayers),
}

/// One whole layer in memory, its matrices in pooled buffers.
struct WholeLayer {
    buf: LayerWeights,
    loaded: Option<usize>,
}

struct HeadStream {
    embed: MatrixInfo,
    output: MatrixInfo,
    chunk_rows: usize,
}

impl<R: Read + Seek> Streamed<R> {
    /// Sections read again for every token (layers, and the head when it streams) are
    /// CRC-checked once here; the per-token reads skip the CRC.
    pub fn new(mut reader: ModelReader<R>, opts: StreamOptions) -> Result<Self, ModelError> {
        let mut verified = 0u64;
        let head = if opts.head {
            let h = reader.header().clone();
            reader.verify_section(SectionId::Embed, h.embed)?;
            verified += h.embed.length as u64;
            let embed = reader.matrix_info(MatrixId::Embed)?;
            let output = if h.config.tied_output {
                embed
            } else {
                reader.verify_section(SectionId::Output, h.output)?;
                verified += h.output.length as u64;
                reader.matrix_info(MatrixId::Output)?
            };
            let d = h.config.embed_dim as usize;
            let chunk_rows = opts.row_chunk_bytes.map_or(HEAD_CHUNK_ROWS, |b| chunk_rows(b, d, &h.config));
            Some(HeadStream { embed, output, chunk_rows })
        } else {
            None
        };
        let layers = match opts.row_chunk_bytes {
            None => {
                verified += verify_layers(&mut reader)?;
                LayerStream::Whole(WholeLayer { buf: LayerWeights::empty(), loaded: None })
            }
            Some(bound) => {
                let (rows, bytes) = RowLayers::open(&mut reader, bound)?;
                verified += bytes;
                LayerStream::Rows(rows)
            }
        };
        let file = PooledReader { reader, pool: MatrixPool::new(), streamed: 0 };
        Ok(Streamed { file, layers, head, verified })
    }

    pub fn reader(&mut self) -> &mut ModelReader<R> {
        &mut self.file.reader
    }

    /// Bytes CRC-checked when the stream opened.
    pub fn bytes_verified(&self) -> u64 {
        self.verified
    }
}

impl WholeLayer {
    /// Layer `i`, read (its CRC was checked at open) unless it is the one in memory. Its matrices go
    /// back to the pool and come out again at the next layer's sizes.
    fn load<R: Read + Seek>(&mut self, file: &mut PooledReader<R>, i: usize) -> Result<&LayerWeights, ModelError> {
        if self.loaded == Some(i) {
            return Ok(&self.buf);
        }
        self.loaded = None;
        let c = *file.reader.config();
        for part in MATRIX_PARTS {
            file.pool.release(core::mem::replace(matrix_mut(&mut self.buf, part)?, empty_matrix()));
        }
        for part in MATRIX_PARTS {
            let RecordShape::Matrix { rows, cols } = part.shape(&c) else {
                return Err(ModelError::WrongPart(part));
            };
            let weights = rows as usize * cols as usize;
            let m = file.pool.acquire(weights, weights / c.group_size.max(1) as usize)?;
            *matrix_mut(&mut self.buf, part)? = m;
        }
        file.reader.read_layer_into_checked(i, &mut self.buf)?;
        file.streamed += file.reader.header().layer(i)?.length as u64;
        self.loaded = Some(i);
        Ok(&self.buf)
    }
}

impl<R: Read + Seek> LayerSource for Streamed<R> {
    fn norm(&mut self, layer: usize, part: LayerPart) -> Result<&NormParams, ModelError> {
        let w = match &mut self.layers {
            LayerStream::Whole(s) => s.load(&mut self.file, layer)?,
            LayerStream::Rows(s) => s.vectors(&mut self.file, layer)?,
        };
        norm_of(w, part)
    }

    fn matvec(&mut self, layer: usize, part: LayerPart, x: &ActQ, out: &mut [i32]) -> Result<(), ModelError> {
        match &mut self.layers {
            LayerStream::Whole(s) => layer_matvec(s.load(&mut self.file, layer)?, part, x, out),
            LayerStream::Rows(s) => s.matvec(&mut self.file, layer, part, x, out),
        }
    }

    fn bytes_streamed(&self) -> u64 {
        self.file.streamed
    }

    fn pool_stats(&self) -> Option<PoolStats> {
        Some(self.file.pool.stats())
    }

    fn embed_row(&mut self, token: usize, out: &mut [i32]) -> Result<(), ModelError> {
        let h = self.head.as_ref().ok_or(ModelError::NotStreamed)?;
        let m = self.file.read_rows(&h.embed, token..token + 1, 1)?;
        let done = m.view().row_q16(0, out);
        self.file.pool.release(m);
        Ok(done?)
    }

    fn head_matvec(&mut self, x: &ActQ, out: &mut [i32]) -> Result<(), ModelError> {
        let h = self.head.as_ref().ok_or(ModelError::NotStreamed)?;
        self.file.chunked_matvec(&h.output, h.chunk_rows, x, None, out)
    }
}
