use crate::format::FormatError;
use crate::math::MathError;
use crate::mem::PoolError;
use crate::sample::SampleError;
use crate::tokenizer::TokenizerError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelError {
    /// The model file is malformed, or reading it failed.
    Format(FormatError),
    /// The tokenizer section is malformed.
    Tokenizer(TokenizerError),
    /// The file is well-formed but cannot be run: `field` has `value` (checked at open).
    Invalid {
        field: &'static str,
        value: u32,
    },
    /// A streamed weight buffer could not be allocated, even after dropping the pool.
    OutOfMemory(PoolError),
    /// The spilled K/V cache's file failed (or, NotFound, a file mode got no file).
    KvFile(embedded_io::ErrorKind),
    /// The platform asked to stop (Ctrl-C).
    Interrupted,
    // Bugs: the checks at open and on the command line keep these from happening.
    Math(MathError),
    Sample(SampleError),
    /// A token id outside the vocabulary.
    Token(u32),
    /// A position at or past the context length (the generator slides before this).
    Position(usize),
}

impl From<FormatError> for ModelError {
    fn from(e: FormatError) -> Self {
        ModelError::Format(e)
    }
}
impl From<TokenizerError> for ModelError {
    fn from(e: TokenizerError) -> Self {
        ModelError::Tokenizer(e)
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
            ModelError::Tokenizer(e) => write!(f, "tokenizer: {e}"),
            ModelError::Invalid { field, value } => write!(f, "cannot run this model: {field} = {value}"),
            ModelError::OutOfMemory(e) => write!(f, "{e}"),
            ModelError::KvFile(kind) => write!(f, "KV cache file: {kind:?}"),
            ModelError::Interrupted => write!(f, "interrupted"),
            ModelError::Math(e) => write!(f, "{e}"),
            ModelError::Sample(e) => write!(f, "{e}"),
            ModelError::Token(t) => write!(f, "token id {t} outside the vocabulary"),
            ModelError::Position(p) => write!(f, "position {p} past the context length"),
        }
    }
}
