//! Why a conversion failed: one line for the user (its exit code is `crate::Error`'s).

use std::fmt;
use std::path::PathBuf;
use std::string::String;
use std::vec::Vec;

use crate::format::FormatError;

#[derive(Debug)]
pub enum ConvertError {
    MissingFile {
        path: PathBuf,
    },
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    BadJson {
        path: PathBuf,
        detail: String,
    },
    /// A config.json key is missing or has an impossible value.
    BadConfig {
        key: &'static str,
        detail: String,
    },
    /// A valid checkpoint this converter cannot represent.
    Unsupported {
        what: String,
    },
    BadSafetensors {
        path: PathBuf,
        detail: String,
    },
    MissingTensor {
        name: String,
    },
    TensorShape {
        name: String,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    TensorDtype {
        name: String,
        dtype: String,
    },
    /// A vector value outside the Q16.16 range, or a non-finite weight.
    ValueRange {
        name: String,
        value: f32,
    },
    BadTokenizer {
        path: PathBuf,
        detail: String,
    },
    Format(FormatError),
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConvertError::MissingFile { path } => write!(f, "missing file {}", path.display()),
            ConvertError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            ConvertError::BadJson { path, detail } => {
                write!(f, "{}: invalid JSON: {detail}", path.display())
            }
            ConvertError::BadConfig { key, detail } => write!(f, "config.json: {key}: {detail}"),
            ConvertError::Unsupported { what } => write!(f, "unsupported checkpoint: {what}"),
            ConvertError::BadSafetensors { path, detail } => {
                write!(f, "{}: invalid safetensors file: {detail}", path.display())
            }
            ConvertError::MissingTensor { name } => write!(f, "missing tensor {name}"),
            ConvertError::TensorShape { name, expected, found } => {
                write!(f, "tensor {name} has shape {found:?}, expected {expected:?}")
            }
            ConvertError::TensorDtype { name, dtype } => {
                write!(f, "tensor {name} has dtype {dtype}, expected F32, F16 or BF16")
            }
            ConvertError::ValueRange { name, value } => {
                write!(f, "{name}: value {value} cannot be stored (Q16.16 range or not finite)")
            }
            ConvertError::BadTokenizer { path, detail } => {
                write!(f, "{}: {detail}", path.display())
            }
            ConvertError::Format(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ConvertError {}

impl From<FormatError> for ConvertError {
    fn from(e: FormatError) -> Self {
        ConvertError::Format(e)
    }
}

/// Reads a file of the checkpoint, naming it when it is missing.
pub(crate) fn read_file(path: &std::path::Path) -> Result<Vec<u8>, ConvertError> {
    std::fs::read(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => ConvertError::MissingFile { path: path.into() },
        _ => ConvertError::Io { path: path.into(), error },
    })
}
