use crate::format::{FormatError, LayerPart};
use crate::math::MathError;
use crate::mem::PoolError;
use crate::sample::SampleError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelError {
    Format(FormatError),
    Math(MathError),
    Sample(SampleError),
    /// A token id outside the vocabulary.
    Token(u32),
    /// A position at or past the context length (the generator slides before this).
    Position(usize),
    /// A weight was asked of the stream that the plan keeps in memory (a bug).
    NotStreamed,
    /// A layer part asked for as the wrong kind (a matrix that is a norm...: a bug).
    WrongPart(LayerPart),
    /// A streamed weight buffer could not be allocated, even after dropping the pool.
    OutOfMemory(PoolError),
    /// The spilled K/V cache's file failed (or, NotFound, a file mode got no file).
    KvFile(embedded_io::ErrorKind),
}

impl From<FormatError> for ModelError {
    fn from(e: FormatError) -> Self {
        ModelError::Format(e)
    }
}
impl From<MathError> for ModelError {
    fn from(e: MathError) -> Self {
        ModelError::Math(e)
    }
}
impl From<PoolError> for ModelError {
    fn from(e: PoolError) -> Self {
        ModelError::OutOfMemory(e)
    }
}
impl From<SampleError> for ModelError {
    fn from(e: SampleError) -> Self {
        ModelError::Sample(e)
    }
}

impl core::fmt::Display for ModelError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ModelError::Format(e) => write!(f, "{e}"),
            ModelError::Math(e) => write!(f, "{e}"),
            ModelError::Sample(e) => write!(f, "{e}"),
            ModelError::Token(t) => write!(f, "token id {t} outside the vocabulary"),
            ModelError::Position(p) => write!(f, "position {p} past the context length"),
            ModelError::NotStreamed => write!(f, "weights not streamed"),
            ModelError::WrongPart(p) => write!(f, "layer part {} asked as the wrong kind", p.name()),
            ModelError::OutOfMemory(e) => write!(f, "{e}"),
            ModelError::KvFile(kind) => write!(f, "KV cache file: {kind:?}"),
        }
    }
}
