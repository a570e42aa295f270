//! Host side of the engine's I/O traits: any `std::io` reader (or writer) as an
//! `embedded-io` one, and opening a model file by path.

use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use crate::format::{FormatError, ModelReader};

/// Wraps a `std::io` reader/seeker so the engine can read from it.
pub struct StdIo<T>(pub T);

impl<T> embedded_io::ErrorType for StdIo<T> {
    type Error = std::io::Error;
}

impl<T: std::io::Read> embedded_io::Read for StdIo<T> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, std::io::Error> {
        self.0.read(buf)
    }
}

impl<T: std::io::Write> embedded_io::Write for StdIo<T> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, std::io::Error> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> Result<(), std::io::Error> {
        self.0.flush()
    }
}

impl<T: std::io::Seek> embedded_io::Seek for StdIo<T> {
    fn seek(&mut self, pos: embedded_io::SeekFrom) -> Result<u64, std::io::Error> {
        self.0.seek(pos.into())
    }
}

pub type ModelFile = ModelReader<StdIo<BufReader<File>>>;

#[derive(Debug)]
pub enum OpenError {
    Io { path: PathBuf, error: std::io::Error },
    Format { path: PathBuf, error: FormatError },
}

impl OpenError {
    /// Exit codes shared with GEN.EXE: 2 file not found / I/O, 3 bad model file.
    pub fn exit_code(&self) -> i32 {
        match self {
            OpenError::Io { .. } => 2,
            OpenError::Format { .. } => 3,
        }
    }
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            OpenError::Format { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for OpenError {}

/// Opens a GPT2BSCM file and validates its header.
pub fn open_model(path: &Path) -> Result<ModelFile, OpenError> {
    let file = File::open(path).map_err(|error| OpenError::Io { path: path.into(), error })?;
    ModelReader::open(StdIo(BufReader::new(file))).map_err(|error| OpenError::Format { path: path.into(), error })
}
