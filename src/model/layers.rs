//! Where a forward pass gets each layer's weights: all in memory, or read from the file
//! one layer at a time into one reused buffer (when RAM is short).
use super::ModelError;
use crate::format::{LayerWeights, ModelReader};
use alloc::vec::Vec;
use embedded_io::{Read, Seek};

pub trait LayerSource {
    fn layer(&mut self, i: usize) -> Result<&LayerWeights, ModelError>;
    /// Bytes read from the file so far for layers (0 when resident).
    fn bytes_streamed(&self) -> u64 {
        0
    }
}

/// Every layer loaded once.
pub struct Resident(pub Vec<LayerWeights>);

impl LayerSource for Resident {
    fn layer(&mut self, i: usize) -> Result<&LayerWeights, ModelError> {
        Ok(&self.0[i])
    }
}

/// Layers read on demand into one buffer; the file's CRC of each layer section is
/// checked on every read.
pub struct Streamed<R> {
    reader: ModelReader<R>,
    buf: LayerWeights,
    loaded: Option<usize>,
    streamed: u64,
}

impl<R: Read + Seek> Streamed<R> {
    pub fn new(reader: ModelReader<R>) -> Self {
        Streamed { reader, buf: LayerWeights::empty(), loaded: None, streamed: 0 }
    }
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
}
