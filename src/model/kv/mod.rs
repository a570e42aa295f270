//! K and V of every past token, per layer, as int8 rows with a mantissa per head and an
//! exponent per row (see `math::attention`): `dim + 2·heads + 1` bytes per row. Where
//! the rows live is the [`KvMode`]: all in memory; the int8 values in a file
//! ([`KvFile`]), read back a whole layer or a chunk of rows at a time (the same bits as
//! in memory); or only an attention sink and a window of recent blocks in memory
//! (block-sparse, an approximation).
mod file;
mod memory;
mod rows;
mod sparse;
mod spill;

pub use file::{KvFile, VecFile};

use crate::format::ModelConfig;
use crate::math::ActQ;
use crate::model::ModelError;
use alloc::boxed::Box;
use embedded_io::ErrorKind;
use memory::MemoryKv;
use sparse::SparseKv;
use spill::SpillKv;

/// What the cache holds per token: `layers` × (K and V rows of `dim` in `heads` heads).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KvShape {
    pub layers: usize,
    pub dim: usize,
    pub heads: usize,
}

impl KvShape {
    pub fn of(c: &ModelConfig) -> KvShape {
        KvShape { layers: c.num_layers as usize, dim: c.embed_dim as usize, heads: c.num_heads as usize }
    }
}

/// Where the cache rows live, and so how attention reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KvMode {
    /// Every row in memory.
    Memory,
    /// The int8 values in a file, a layer's K (then V) read in one piece.
    Spill,
    /// The int8 values in a file, read `rows` rows at a time.
    Chunked { rows: usize },
    /// In memory, only the first `sink_blocks` and the newest `window_blocks` blocks of
    /// `block` positions; each token attends to those only.
    BlockSparse { block: usize, sink_blocks: usize, window_blocks: usize },
}

impl KvMode {
    pub fn name(self) -> &'static str {
        match self {
            KvMode::Memory => "KV cache in memory, full attention",
            KvMode::Spill => "KV cache on disk, full attention (one read per layer)",
            KvMode::Chunked { .. } => "KV cache on disk, chunked attention",
            KvMode::BlockSparse { .. } => "block-sparse attention",
        }
    }

    /// Whether the int8 rows go to a file.
    pub fn uses_file(self) -> bool {
        matches!(self, KvMode::Spill | KvMode::Chunked { .. })
    }

    /// Memory the cache allocates for `capacity` tokens.
    pub fn ram_bytes(self, s: KvShape, capacity: usize) -> usize {
        match self {
            KvMode::Memory => MemoryKv::bytes(s, capacity),
            KvMode::Spill => SpillKv::bytes(s, capacity, capacity),
            KvMode::Chunked { rows } => SpillKv::bytes(s, capacity, rows.max(1)),
            KvMode::BlockSparse { block, sink_blocks, window_blocks } => {
                SparseKv::bytes(s, capacity, block, sink_blocks, window_blocks)
            }
        }
    }

    /// Bytes of the file when full.
    pub fn file_bytes(self, s: KvShape, capacity: usize) -> u64 {
        if self.uses_file() {
            SpillKv::file_bytes(s, capacity)
        } else {
            0
        }
    }
}

/// The name with the mode's sizes (for /STATS).
impl core::fmt::Display for KvMode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())?;
        match *self {
            KvMode::Chunked { rows } => write!(f, ", {rows} rows per read"),
            KvMode::BlockSparse { block, sink_blocks, window_blocks } => {
                write!(f, ", blocks of {block}: first {sink_blocks} + newest {window_blocks}")
            }
            _ => Ok(()),
        }
    }
}

enum Store {
    Memory(MemoryKv),
    Spill(SpillKv),
    Sparse(SparseKv),
}

pub struct KvCache {
    shape: KvShape,
    mode: KvMode,
    capacity: usize,
    len: usize,
    store: Store,
}

/// Bytes moved through a spilled cache's file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KvFileIo {
    pub read: u64,
    pub written: u64,
}

impl KvCache {
    /// A cache of `capacity` tokens in `mode`. The file modes write their rows to
    /// `file` (an empty, writable file the caller deletes afterwards); without one they
    /// fail with `KvFile(NotFound)`. The other modes ignore it.
    pub fn new(
        shape: KvShape,
        capacity: usize,
        mode: KvMode,
        file: Option<Box<dyn KvFile>>,
    ) -> Result<KvCache, ModelError> {
        let store = match mode {
            KvMode::Memory => Store::Memory(MemoryKv::new(shape, capacity)),
            KvMode::Spill | KvMode::Chunked { .. } => {
                let file = file.ok_or(ModelError::KvFile(ErrorKind::NotFound))?;
                let rows = if let KvMode::Chunked { rows } = mode { rows } else { capacity };
                Store::Spill(SpillKv::new(file, shape, capacity, rows))
            }
            KvMode::BlockSparse { block, sink_blocks, window_blocks } => {
                Store::Sparse(SparseKv::new(shape, capacity, block, sink_blocks, window_blocks))
            }
        };
        Ok(Self::make(shape, mode, capacity, store))
    }

    fn make(shape: KvShape, mode: KvMode, capacity: usize, store: Store) -> KvCache {
        KvCache { shape, mode, capacity, len: 0, store }
    }

    pub fn mode(&self) -> KvMode {
        self.mode
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn capacity(&self) -> usize {
        self.capacity
    }
    pub fn layers(&self) -> usize {
        self.shape.layers
    }
    /// Forgets every token (the file, if any, is overwritten from the start).
    pub fn clear(&mut self) {
        self.len = 0;
    }
    /// Counts the token just written into every layer at position `len`.
    pub fn advance(&mut self) {
        self.advance_by(1);
    }
    /// Counts the `n` tokens just written into every layer at positions `len..len + n`.
    pub fn advance_by(&mut self, n: usize) {
        self.len = (self.len + n).min(self.capacity);
    }

    /// Bytes read from and written to the file so far (0 without one).
    pub fn file_io(&self) -> KvFileIo {
        match &self.store {
            Store::Spill(s) => KvFileIo { read: s.read, written: s.written },
            _ => KvFileIo::default(),
        }
    }

    /// Stores this token's `k` and `v` (Q16.16, `dim` each) for `layer` at position `len`.
    pub fn store(&mut self, layer: usize, k: &[i32], v: &[i32]) -> Result<(), ModelError> {
        self.store_at(layer, self.len, k, v)
    }

    /// [`KvCache::store`] for the token at position `pos` (at or past `len`, within the
    /// capacity): a prompt run layer by layer stores several tokens before it advances.
    pub fn store_at(&mut self, layer: usize, pos: usize, k: &[i32], v: &[i32]) -> Result<(), ModelError> {
        if pos < self.len || pos >= self.capacity {
            return Err(ModelError::Position(pos));
        }
        match &mut self.store {
            Store::Memory(m) => m.store(layer, pos, k, v)?,
            Store::Spill(s) => s.store(layer, pos, k, v)?,
            Store::Sparse(s) => s.store(layer, pos, k, v)?,
        }
        Ok(())
    }

    /// `out` (dim) = attention of the query `q` (scaled, quantized per head) of the
    /// token at position `len` over the positions of `layer` it sees, itself included.
    /// `scores` and `probs` are scratch of at least `len + 1` entries.
    pub fn attend(
        &mut self,
        layer: usize,
        q: &ActQ,
        scores: &mut [i32],
        probs: &mut [u32],
        out: &mut [i32],
    ) -> Result<(), ModelError> {
        self.attend_at(layer, self.len, q, scores, probs, out)
    }

    /// [`KvCache::attend`] for the token at position `pos` (its K/V of `layer` and those
    /// of every position before it stored).
    pub fn attend_at(
        &mut self,
        layer: usize,
        pos: usize,
        q: &ActQ,
        scores: &mut [i32],
        probs: &mut [u32],
        out: &mut [i32],
    ) -> Result<(), ModelError> {
        if pos < self.len || pos >= self.capacity {
            return Err(ModelError::Position(pos));
        }
        let n = pos + 1;
        match &mut self.store {
            Store::Memory(m) => m.attend(layer, n, q, scores, probs, out)?,
            Store::Spill(s) => s.attend(layer, n, q, out)?,
            Store::Sparse(s) => s.attend(layer, n, q, scores, probs, out)?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
