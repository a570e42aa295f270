//! Progress on long waits: a line on the console (stderr, never the redirected stdout
//! text, nor %GENERR%) that rewrites itself, shown only once a wait passes ~2 s; and
//! the model file wrapped so that loading it shows progress and any read stops on Ctrl-C.
use core::fmt::Write as _;
use core::sync::atomic::{AtomicBool, Ordering};
use embedded_io::{ErrorKind, ErrorType, Read, Seek, SeekFrom};
use gpt2dos::dos::{brk, console, timer, DosError, Handle};

/// Ticks (~55 ms) a wait lasts before its progress shows, and between updates.
const SHOW_AFTER: u32 = 36;
const UPDATE_EVERY: u32 = 9;
/// Bytes read between two Ctrl-C checks.
const CHECK_EVERY: u64 = 64 << 10;

/// Whether a status line is on the screen (one console, so one line for all waits).
static SHOWN: AtomicBool = AtomicBool::new(false);
/// Whether model reads are the model loading (their progress shows) or a token's.
static LOADING: AtomicBool = AtomicBool::new(false);

/// Model reads from now on are (or are no longer) the load.
pub fn set_loading(loading: bool) {
    LOADING.store(loading, Ordering::Relaxed);
    if !loading {
        clear();
    }
}

/// Erases the status line, if one is shown.
pub fn clear() {
    if SHOWN.swap(false, Ordering::Relaxed) {
        let _ = write!(console::status(), "\r{:78}\r", "");
    }
}

/// The timing of one wait: its status line shows once it has lasted ~2 s.
pub struct Status {
    start: u32,
    last: u32,
}

impl Status {
    pub fn new() -> Status {
        let now = timer::ticks();
        Status { start: now, last: now }
    }

    /// Starts timing a new wait.
    pub fn restart(&mut self) {
        self.start = timer::ticks();
    }

    /// Shows `line` if the wait has lasted long enough and the last update is old.
    pub fn update(&mut self, line: core::fmt::Arguments) {
        let shown = SHOWN.load(Ordering::Relaxed);
        if timer::since(self.start) < SHOW_AFTER || (shown && timer::since(self.last) < UPDATE_EVERY) {
            return;
        }
        let _ = write!(console::status(), "\rGEN: {line}    ");
        SHOWN.store(true, Ordering::Relaxed);
        self.last = timer::ticks();
    }
}

/// Why a read of the model stopped.
#[derive(Clone, Copy, Debug)]
pub enum ReadError {
    Dos(DosError),
    Interrupted,
}

impl embedded_io::Error for ReadError {
    fn kind(&self) -> ErrorKind {
        match self {
            ReadError::Dos(e) => e.kind(),
            ReadError::Interrupted => ErrorKind::Interrupted,
        }
    }
}

/// The model file: counts what is read, shows it while the model loads (or a token's
/// layers stream), and checks Ctrl-C every `CHECK_EVERY` bytes.
pub struct ModelFile {
    file: Handle,
    length: u64,
    read: u64,
    unchecked: u64,
    status: Status,
}

impl ModelFile {
    pub fn new(file: Handle) -> Result<ModelFile, DosError> {
        let length = file.seek_raw(2, 0)? as u64;
        file.seek_raw(0, 0)?;
        Ok(ModelFile { file, length, read: 0, unchecked: 0, status: Status::new() })
    }
}

impl ErrorType for ModelFile {
    type Error = ReadError;
}

impl Read for ModelFile {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ReadError> {
        let n = self.file.read(buf).map_err(ReadError::Dos)?;
        self.read += n as u64;
        self.unchecked += n as u64;
        if self.unchecked >= CHECK_EVERY {
            self.unchecked = 0;
            if brk::requested() {
                return Err(ReadError::Interrupted);
            }
            if LOADING.load(Ordering::Relaxed) {
                let (mb, pct) = (self.read >> 20, (self.read * 100).checked_div(self.length).unwrap_or(0));
                self.status.update(format_args!("loading the model: {mb} MB read ({pct} % of the file)"));
            }
        }
        Ok(n)
    }
}

impl Seek for ModelFile {
    fn seek(&mut self, pos: SeekFrom) -> Result<u64, ReadError> {
        self.file.seek(pos).map_err(ReadError::Dos)
    }
}
