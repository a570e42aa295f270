//! The one error type of GEN.EXE and `gpt2bscm`: what went wrong, the exit code
//! (ERRORLEVEL) it stands for, and one line for the user. Functions return it; each
//! binary reports it once, at the top, and exits with `exit_code()`. No other place
//! holds an exit code number.
use core::fmt;

use crate::cli::{Name, UsageError};
use crate::format::FormatError;
use crate::model::ModelError;
use embedded_io::ErrorKind;

/// The exit codes (ERRORLEVEL) of both binaries (docs/USAGE.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitCode {
    Ok = 0,
    Usage = 1,
    /// File not found, or any read or write error.
    Io = 2,
    BadModel = 3,
    OutOfMemory = 4,
    /// CPU or mode unsupported (8086/286, V86 mode).
    Unsupported = 5,
    /// Ctrl-C or Ctrl-Break.
    Interrupted = 6,
    /// A bug in GEN.
    Internal = 7,
}

impl ExitCode {
    pub const fn code(self) -> u8 {
        self as u8
    }
}

#[derive(Debug)]
pub enum Error<'a> {
    /// A bad command line or switch value.
    Usage(UsageError<'a>),
    /// A file could not be opened, read or written; `cause` says why in a few words.
    File {
        name: &'a [u8],
        cause: &'static str,
    },
    /// The model file `name` is unusable, or running it failed; the exit code follows
    /// the cause (a read error is I/O, a bad record a bad model, ...). `scratch` names
    /// the KV cache's scratch file, if there is one.
    Model {
        name: &'a [u8],
        scratch: &'a [u8],
        error: ModelError,
    },
    /// No memory plan fits: the smallest needs `needed` bytes, `usable` of `total` may be used.
    DoesNotFit {
        needed: u64,
        usable: u64,
        total: u64,
    },
    /// An allocation was refused (the platform's heap says which and why).
    OutOfMemory(&'static str),
    /// The machine cannot run GEN.
    Unsupported(&'static str),
    Interrupted,
    /// A bug: "please report".
    Internal(&'static str),
    /// An input other than a model (a text to score, ...) cannot be used.
    BadInput {
        name: &'a [u8],
        what: &'static str,
    },
    /// `gpt2bscm inspect` found `count` problems in the model file `name`.
    Problems {
        name: &'a [u8],
        count: usize,
    },
    /// A Hugging Face checkpoint could not be converted.
    #[cfg(feature = "host")]
    Convert(crate::convert::ConvertError),
}

impl Error<'_> {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Usage(_) => ExitCode::Usage,
            Error::File { .. } => ExitCode::Io,
            Error::Model { error, .. } => model_exit_code(error),
            Error::DoesNotFit { .. } | Error::OutOfMemory(_) => ExitCode::OutOfMemory,
            Error::Unsupported(_) => ExitCode::Unsupported,
            Error::Interrupted => ExitCode::Interrupted,
            Error::Internal(_) => ExitCode::Internal,
            Error::BadInput { .. } => ExitCode::Usage,
            Error::Problems { .. } => ExitCode::BadModel,
            #[cfg(feature = "host")]
            Error::Convert(e) => match e {
                crate::convert::ConvertError::MissingFile { .. } | crate::convert::ConvertError::Io { .. } => {
                    ExitCode::Io
                }
                _ => ExitCode::BadModel,
            },
        }
    }
}

fn model_exit_code(e: &ModelError) -> ExitCode {
    match e {
        ModelError::Interrupted | ModelError::Format(FormatError::Io(ErrorKind::Interrupted)) => ExitCode::Interrupted,
        ModelError::Format(FormatError::Io(_)) | ModelError::KvFile(_) => ExitCode::Io,
        ModelError::Format(_) | ModelError::Tokenizer(_) | ModelError::Invalid { .. } => ExitCode::BadModel,
        ModelError::OutOfMemory(_) => ExitCode::OutOfMemory,
        ModelError::Math(_) | ModelError::Sample(_) | ModelError::Token(_) | ModelError::Position(_) => {
            ExitCode::Internal
        }
    }
}

/// A few words for an I/O error kind (host and DOS name the same things alike).
pub fn io_cause(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::NotFound => "file not found",
        ErrorKind::PermissionDenied => "access denied",
        ErrorKind::WriteZero => "disk full",
        ErrorKind::InvalidInput => "bad file name or position",
        // Read back short: what was written is not there (a full disk can do that).
        ErrorKind::InvalidData => "written data missing (disk full?)",
        ErrorKind::OutOfMemory => "too many open files",
        ErrorKind::Interrupted => "interrupted",
        _ => "I/O error",
    }
}

impl fmt::Display for Error<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(e) => write!(f, "{e}"),
            Error::File { name, cause } => write!(f, "{}: {cause}", Name(name)),
            Error::Model { name, scratch, error } => match error {
                ModelError::Interrupted | ModelError::Format(FormatError::Io(ErrorKind::Interrupted)) => {
                    f.write_str("interrupted")
                }
                ModelError::Format(FormatError::Io(kind)) => {
                    write!(f, "{}: read error: {}", Name(name), io_cause(*kind))
                }
                ModelError::KvFile(kind) if scratch.is_empty() => {
                    write!(f, "KV cache scratch file: {}", io_cause(*kind))
                }
                ModelError::KvFile(kind) => write!(f, "KV cache scratch file {}: {}", Name(scratch), io_cause(*kind)),
                ModelError::OutOfMemory(e) => write!(f, "out of memory: {e}"),
                e if model_exit_code(e) == ExitCode::Internal => write!(f, "internal error: {e} (please report)"),
                e => write!(f, "{}: {e}", Name(name)),
            },
            Error::DoesNotFit { needed, usable, total } => write!(
                f,
                "model needs {} KB, {} KB available (80 % of {} KB)",
                needed.div_ceil(1024),
                usable / 1024,
                total / 1024
            ),
            Error::OutOfMemory(what) => write!(f, "out of memory: {what}"),
            Error::Unsupported(what) => f.write_str(what),
            Error::Interrupted => f.write_str("interrupted"),
            Error::Internal(what) => write!(f, "internal error: {what} (please report)"),
            Error::BadInput { name, what } => write!(f, "{}: {what}", Name(name)),
            Error::Problems { name, count } => write!(f, "{}: {count} problem(s) found", Name(name)),
            #[cfg(feature = "host")]
            Error::Convert(e) => write!(f, "{e}"),
        }
    }
}

impl<'a> From<UsageError<'a>> for Error<'a> {
    fn from(e: UsageError<'a>) -> Self {
        Error::Usage(e)
    }
}

#[cfg(feature = "host")]
impl std::error::Error for Error<'_> {}

#[cfg(feature = "host")]
impl From<crate::convert::ConvertError> for Error<'_> {
    fn from(e: crate::convert::ConvertError) -> Self {
        Error::Convert(e)
    }
}

/// A host I/O error on `path`, as the one error type.
#[cfg(feature = "host")]
pub fn host_file_error(path: &std::path::Path, e: std::io::Error) -> Error<'_> {
    Error::File { name: path.as_os_str().as_encoded_bytes(), cause: io_cause(embedded_io::Error::kind(&e)) }
}

#[cfg(test)]
mod tests;
