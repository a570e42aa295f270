use crate::format::FormatError;
use crate::math::MathError;
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
            ModelError::KvFile(kind) => write!(f, "KV cache file: {kind:?}"),
        }
    }
}
