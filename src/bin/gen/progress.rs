//! Progress on long waits: a line on the console (stderr, never the redirected stdout
//! text, nor %GENERR%) that rewrites itself, shown only once a wait passes ~2 s; and
//! the model file wrapped so that loading it shows progress and any read stops on Ctrl-C.
use core::fmt::Write as _;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
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

/// While text is on the screen a status line would overwrite it, so a long token (a
/// streamed model reads its weights again for each) shows a spinner after the text
/// instead: when the token's wait began, whether the text goes to the screen, and the
/// spinner's state.
static TOKEN_START: AtomicU32 = AtomicU32::new(0);
static TEXT_ON_SCREEN: AtomicBool = AtomicBool::new(false);
static SPIN: AtomicU32 = AtomicU32::new(0);
static SPIN_LAST: AtomicU32 = AtomicU32::new(0);
/// KB of the model read so far, and when the current token began.
static READ_KB: AtomicU32 = AtomicU32::new(0);
static TOKEN_READ_KB: AtomicU32 = AtomicU32::new(0);

/// Generation begins: the text goes to the screen (spinner) or not (status line).
pub fn text_on_screen(on_screen: bool) {
    TEXT_ON_SCREEN.store(on_screen, Ordering::Relaxed);
}

/// A token's wait begins (after its text is out): erases the spinner, if shown.
pub fn token_started() {
    before_text();
    TOKEN_START.store(timer::ticks(), Ordering::Relaxed);
    TOKEN_READ_KB.store(READ_KB.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// Erases the spinner before text is printed.
pub fn before_text() {
    if SPIN.swap(0, Ordering::Relaxed) != 0 {
        let _ = write!(console::status(), "\x08 \x08");
    }
}

/// A read during a token: after ~2 s, turn the spinner (text on the screen) or show
/// how much this token has read (text redirected).
fn token_wait() {
    let start = TOKEN_START.load(Ordering::Relaxed);
    if timer::since(start) < SHOW_AFTER || timer::since(SPIN_LAST.load(Ordering::Relaxed)) < UPDATE_EVERY {
        return;
    }
    SPIN_LAST.store(timer::ticks(), Ordering::Relaxed);
    if TEXT_ON_SCREEN.load(Ordering::Relaxed) {
        let n = SPIN.load(Ordering::Relaxed);
        let c = [b'|', b'/', b'-', b'\\'][(n % 4) as usize] as char;
        let _ = if n == 0 { write!(console::status(), "{c}") } else { write!(console::status(), "\x08{c}") };
        SPIN.store(n + 1, Ordering::Relaxed);
    } else {
        let kb = READ_KB.load(Ordering::Relaxed) - TOKEN_READ_KB.load(Ordering::Relaxed);
        let _ = write!(console::status(), "\rGEN: working: {} KB of weights read for this token    ", kb);
        SHOWN.store(true, Ordering::Relaxed);
    }
}

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
            } else {
                READ_KB.store((self.read >> 10) as u32, Ordering::Relaxed);
                token_wait();
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
