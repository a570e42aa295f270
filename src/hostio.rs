//! Host side of the engine's I/O traits: `std::io` files through `embedded-io-adapters`'
//! `FromStd`, opening a model file by path, and a KV scratch file.

use std::boxed::Box;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

pub use embedded_io_adapters::std::FromStd;

use crate::error::{host_file_error, Error};
use crate::format::ModelReader;
use crate::model::{KvFile, ModelError};

pub type ModelFile = ModelReader<FromStd<BufReader<File>>>;

/// The bytes of a path, for the error type's file names.
pub fn path_bytes(path: &Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
}

/// Opens a GPT2BSCM file and validates its header.
pub fn open_model(path: &Path) -> Result<ModelFile, Error<'_>> {
    let file = File::open(path).map_err(|e| host_file_error(path, e))?;
    ModelReader::open(FromStd::new(BufReader::new(file))).map_err(|e| Error::Model {
        name: path_bytes(path),
        scratch: b"",
        error: ModelError::Format(e),
    })
}

/// A scratch file for a spilled KV cache, removed at once (it stays readable while open
/// on Unix; elsewhere it is left for the OS to clean).
pub fn scratch_file(path: &Path) -> Result<Box<dyn KvFile>, std::io::Error> {
    let f = File::options().read(true).write(true).create(true).truncate(true).open(path)?;
    let _ = std::fs::remove_file(path);
    Ok(Box::new(FromStd::new(f)))
}
