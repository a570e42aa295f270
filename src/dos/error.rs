//! DOS error codes mapped to errors a user can act on.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DosError {
    FileNotFound,
    PathNotFound,
    TooManyOpenFiles,
    AccessDenied,
    BadName,
    DiskFull,
    Seek,
    Other(u16),
}

impl DosError {
    pub fn from_code(code: u16) -> DosError {
        match code {
            2 => DosError::FileNotFound,
            3 => DosError::PathNotFound,
            4 => DosError::TooManyOpenFiles,
            5 => DosError::AccessDenied,
            _ => DosError::Other(code),
        }
    }

    pub fn message(&self) -> &'static str {
        match self {
            DosError::FileNotFound => "file not found",
            DosError::PathNotFound => "path not found",
            DosError::TooManyOpenFiles => "too many open files (raise FILES= in CONFIG.SYS)",
            DosError::AccessDenied => "access denied",
            DosError::BadName => "bad file name",
            DosError::DiskFull => "disk full",
            DosError::Seek => "seek out of range",
            DosError::Other(_) => "DOS I/O error",
        }
    }
}

impl embedded_io::Error for DosError {
    fn kind(&self) -> embedded_io::ErrorKind {
        use embedded_io::ErrorKind;
        match self {
            DosError::FileNotFound | DosError::PathNotFound => ErrorKind::NotFound,
            DosError::AccessDenied => ErrorKind::PermissionDenied,
            DosError::BadName | DosError::Seek => ErrorKind::InvalidInput,
            DosError::TooManyOpenFiles => ErrorKind::OutOfMemory,
            DosError::DiskFull => ErrorKind::WriteZero,
            DosError::Other(_) => ErrorKind::Other,
        }
    }
}
