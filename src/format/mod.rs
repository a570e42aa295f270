//! GPT2BSCM model files: header, sections, records; the reader (engine) and the writer.
//!
//! `docs/FORMAT.md` is the single truth for the byte layout; each file here matches one
//! part of it: `header` (§2), `layout` (sizes, §3–§6), `records` (§4–§5), `reader`,
//! `writer`. The engine reads through `embedded-io` `Read + Seek`, so the same code runs
//! on DOS (INT 21h handles), on the host (`crate::hostio::FromStd`) and in tests (`MemFile`).

pub mod crc;
pub mod error;
pub mod header;
mod io;
pub mod layout;
pub mod mem_file;
pub mod reader;
pub mod records;
pub mod weights;
pub mod writer;

#[cfg(test)]
mod tests;

pub use error::{FormatError, SectionId};
pub use header::{Header, ModelConfig, Section, HEADER_SIZE, MAX_LAYERS, VERSION};
pub use layout::{LayerPart, Matrix, Norm};
pub use mem_file::MemFile;
pub use reader::{LayerTable, MatrixId, ModelReader};
pub use records::MatrixInfo;
pub use weights::{LayerRecord, LayerWeights, ModelWeights, NormParams};
pub use writer::write_model;
