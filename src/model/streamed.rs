//! Weights read from the file when RAM is short, into buffers from the matrix pool:
//! whole layers, or — when one layer does not fit — a layer's norms and biases with its
//! matrices by chunks of rows (`row_chunks`); and optionally the token embedding (a row
//! per lookup) and output head (chunks of rows). Every section read again per token is
//! CRC-checked once, when the stream opens.
use super::layers::{layer_matvec, Head, WeightSource};
use super::row_chunks::{chunk_rows, row_bytes, verify_layers, PooledReader, RowLayers};
use super::ModelError;
use crate::format::weights::empty_matrix;
use crate::format::{Header, LayerWeights, Matrix, MatrixId, MatrixInfo, ModelReader, Norm, NormParams, SectionId};
use crate::math::{ActQ, QMatrix};
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

impl StreamOptions {
    /// Bytes the weights hold in memory when streamed with these options: what stays
    /// loaded (the position embedding and final norm; the head unless it streams) and
    /// the largest set of buffers the stream keeps (one layer; or a layer's norms and
    /// biases, the matrix locations and one chunk buffer per row width; a head chunk and
    /// an embedding row). Section lengths bound the in-memory sizes from above.
    pub fn ram_bytes(self, h: &Header) -> u64 {
        let c = h.config;
        let (d, f, g) = (c.embed_dim as usize, c.ffn_dim as usize, c.group_size as usize);
        let loaded = h.pos_embed.length as u64 + h.final_norm.length as u64;
        let head = match (self.head, self.row_chunk_bytes) {
            (false, _) => h.embed.length as u64 + if c.tied_output { 0 } else { h.output.length as u64 },
            (true, None) => ((HEAD_CHUNK_ROWS + 1) * row_bytes(d, g)) as u64,
            // Head chunks share the layers' chunk buffer of width d; one embedding row.
            (true, Some(_)) => row_bytes(d, g) as u64,
        };
        let layers = match self.row_chunk_bytes {
            None => largest_layer(h),
            Some(bound) => {
                let chunks = chunk_rows(bound, d, &c) * row_bytes(d, g) + chunk_rows(bound, f, &c) * row_bytes(f, g);
                RowLayers::bytes(&c) + chunks as u64
            }
        };
        loaded + head + layers
    }
}

fn largest_layer(h: &Header) -> u64 {
    h.layers[..h.config.num_layers as usize].iter().map(|s| s.length as u64).max().unwrap_or(0)
}

pub struct Streamed<R> {
    file: PooledReader<R>,
    layers: LayerStream,
    head: HeadSource,
    verified: u64,
}

enum LayerStream {
    Whole(WholeLayer),
    Rows(RowLayers),
}

enum HeadSource {
    Loaded(Head),
    Rows(HeadStream),
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
    /// Loads the head unless it streams; sections read again for every token (layers,
    /// and the head when it streams) are CRC-checked once here and read unchecked later.
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
            HeadSource::Rows(HeadStream { embed, output, chunk_rows })
        } else {
            HeadSource::Loaded(Head { embed: reader.read_embed()?, output: reader.read_output()? })
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
}

impl<R> Streamed<R> {
    /// Bytes CRC-checked when the stream opened.
    pub fn bytes_verified(&self) -> u64 {
        self.verified
    }
}

impl WholeLayer {
    /// Layer `i`, read (its CRC was checked at open) unless it is the one in memory. Its
    /// matrices go back to the pool and come out again at the next layer's sizes.
    fn load<R: Read + Seek>(&mut self, file: &mut PooledReader<R>, i: usize) -> Result<&LayerWeights, ModelError> {
        if self.loaded == Some(i) {
            return Ok(&self.buf);
        }
        self.loaded = None;
        let c = *file.reader.config();
        for m in Matrix::ALL {
            file.pool.release(core::mem::replace(self.buf.matrix_mut(m), empty_matrix()));
        }
        for m in Matrix::ALL {
            let (rows, cols) = m.shape(&c);
            let weights = rows as usize * cols as usize;
            *self.buf.matrix_mut(m) = file.pool.acquire(weights, weights / c.group_size.max(1) as usize)?;
        }
        file.reader.read_layer_into_unchecked(i, &mut self.buf)?;
        file.streamed += file.reader.header().layer(i)?.length as u64;
        self.loaded = Some(i);
        Ok(&self.buf)
    }
}

impl<R: Read + Seek> WeightSource for Streamed<R> {
    fn norm(&mut self, layer: usize, n: Norm) -> Result<&NormParams, ModelError> {
        let w = match &mut self.layers {
            LayerStream::Whole(s) => s.load(&mut self.file, layer)?,
            LayerStream::Rows(s) => s.vectors(&mut self.file, layer)?,
        };
        Ok(w.norm(n))
    }

    fn matvec(&mut self, layer: usize, m: Matrix, x: &ActQ, out: &mut [i32]) -> Result<(), ModelError> {
        match &mut self.layers {
            LayerStream::Whole(s) => layer_matvec(s.load(&mut self.file, layer)?, m, x, out),
            LayerStream::Rows(s) => s.matvec(&mut self.file, layer, m, x, out),
        }
    }

    fn embed_row(&mut self, token: usize, out: &mut [i32]) -> Result<(), ModelError> {
        match &self.head {
            HeadSource::Loaded(h) => h.embed_row(token, out),
            HeadSource::Rows(h) => {
                let m: QMatrix = self.file.read_rows(&h.embed, token..token + 1, 1)?;
                let done = m.view().row_q16(0, out);
                self.file.pool.release(m);
                Ok(done?)
            }
        }
    }

    fn head_matvec(&mut self, x: &ActQ, out: &mut [i32]) -> Result<(), ModelError> {
        match &self.head {
            HeadSource::Loaded(h) => h.matvec(x, out),
            HeadSource::Rows(h) => self.file.chunked_matvec(&h.output, h.chunk_rows, x, None, out),
        }
    }

    fn bytes_streamed(&self) -> u64 {
        self.file.streamed
    }

    fn pool_stats(&self) -> Option<PoolStats> {
        Some(self.file.pool.stats())
    }
}
