//! Why a GPT2BSCM file was refused: one typed error, printable without `std`.

use core::fmt;

use super::layout::LayerPart;

/// A part of the file, named in error messages and in `gpt2bscm inspect`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SectionId {
    Header,
    Tokenizer,
    Embed,
    PosEmbed,
    FinalNorm,
    Output,
    Layer(u32),
}

impl SectionId {
    pub fn name(&self) -> &'static str {
        match self {
            SectionId::Header => "header",
            SectionId::Tokenizer => "tokenizer",
            SectionId::Embed => "token embedding",
            SectionId::PosEmbed => "position embedding",
            SectionId::FinalNorm => "final norm",
            SectionId::Output => "output head",
            SectionId::Layer(_) => "layer",
        }
    }
}

impl fmt::Display for SectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SectionId::Layer(i) => write!(f, "layer {i}"),
            other => f.write_str(other.name()),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatError {
    /// The underlying reader failed.
    Io(embedded_io::ErrorKind),
    /// The file ended inside `section` although the header said it would not.
    Truncated {
        section: SectionId,
    },
    /// The file is shorter than a GPT2BSCM header.
    TooShort {
        length: u64,
    },
    BadSignature,
    UnsupportedVersion {
        found: u32,
    },
    HeaderChecksum {
        stored: u32,
        computed: u32,
    },
    /// The header's file length is not the real one (truncated or appended to).
    FileLength {
        stored: u32,
        actual: u64,
    },
    /// A header field holds an impossible value.
    BadField {
        field: &'static str,
        value: u32,
    },
    /// A section lies outside the file, over the header, or is not 4-byte aligned.
    SectionBounds {
        section: SectionId,
        offset: u32,
        length: u32,
    },
    SectionOverlap {
        first: SectionId,
        second: SectionId,
    },
    /// A section's stored length is not what the model dimensions require.
    SectionLength {
        section: SectionId,
        expected: u64,
        stored: u32,
    },
    SectionChecksum {
        section: SectionId,
        stored: u32,
        computed: u32,
    },
    /// A layer table offset does not tile the layer section as documented.
    LayerTable {
        layer: u32,
        part: LayerPart,
        offset: u32,
    },
    /// A record header disagrees with the model dimensions.
    RecordShape {
        section: SectionId,
        field: &'static str,
        expected: u32,
        found: u32,
    },
    /// A value cannot be stored (writer side: e.g. a shape not matching the config).
    Unencodable {
        what: &'static str,
    },
    NoSuchLayer {
        index: usize,
        num_layers: u32,
    },
    RowRange {
        start: usize,
        end: usize,
        rows: usize,
    },
}

impl FormatError {
    /// One line for the user, without details (no formatting machinery needed).
    pub fn message(&self) -> &'static str {
        match self {
            FormatError::Io(_) => "read error",
            FormatError::Truncated { .. } => "file ends inside a section",
            FormatError::TooShort { .. } => "file too short to be a GPT2BSCM model",
            FormatError::BadSignature => "not a GPT2BSCM model file (bad signature)",
            FormatError::UnsupportedVersion { .. } => "unsupported GPT2BSCM version",
            FormatError::HeaderChecksum { .. } => "header checksum mismatch (corrupt file)",
            FormatError::FileLength { .. } => "file length differs from header (truncated?)",
            FormatError::BadField { .. } => "invalid header field",
            FormatError::SectionBounds { .. } => "section outside the file or misaligned",
            FormatError::SectionOverlap { .. } => "sections overlap",
            FormatError::SectionLength { .. } => "section length does not match model size",
            FormatError::SectionChecksum { .. } => "section checksum mismatch (corrupt file)",
            FormatError::LayerTable { .. } => "invalid layer table offset",
            FormatError::RecordShape { .. } => "record shape does not match model size",
            FormatError::Unencodable { .. } => "model cannot be written in this format",
            FormatError::NoSuchLayer { .. } => "layer index out of range",
            FormatError::RowRange { .. } => "row range out of range",
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())?;
        match *self {
            FormatError::Io(kind) => write!(f, ": {kind:?}"),
            FormatError::Truncated { section } => write!(f, ": {section}"),
            FormatError::TooShort { length } => write!(f, ": {length} bytes"),
            FormatError::BadSignature => Ok(()),
            FormatError::UnsupportedVersion { found } => {
                write!(f, ": file has version {found}, this reader knows version {}", super::header::VERSION)
            }
            FormatError::HeaderChecksum { stored, computed }
            | FormatError::SectionChecksum { stored, computed, .. } => {
                if let FormatError::SectionChecksum { section, .. } = self {
                    write!(f, ": {section}")?;
                }
                write!(f, ": stored {stored:08x}, computed {computed:08x}")
            }
            FormatError::FileLength { stored, actual } => {
                write!(f, ": header says {stored} bytes, file has {actual}")
            }
            FormatError::BadField { field, value } => write!(f, ": {field} = {value}"),
            FormatError::SectionBounds { section, offset, length } => {
                write!(f, ": {section} at {offset}, {length} bytes")
            }
            FormatError::SectionOverlap { first, second } => write!(f, ": {first} and {second}"),
            FormatError::SectionLength { section, expected, stored } => {
                write!(f, ": {section} has {stored} bytes, expected {expected}")
            }
            FormatError::LayerTable { layer, part, offset } => {
                write!(f, ": layer {layer} {} at {offset}", part.name())
            }
            FormatError::RecordShape { section, field, expected, found } => {
                write!(f, ": {section} {field} is {found}, expected {expected}")
            }
            FormatError::Unencodable { what } => write!(f, ": {what}"),
            FormatError::NoSuchLayer { index, num_layers } => {
                write!(f, ": {index} (model has {num_layers})")
            }
            FormatError::RowRange { start, end, rows } => {
                write!(f, ": {start}..{end} of {rows} rows")
            }
        }
    }
}

#[cfg(feature = "host")]
impl std::error::Error for FormatError {}
