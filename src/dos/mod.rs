//! The DOS platform: the only module with `unsafe` and assembly (our cortex-m-rt).
//!
//! Startup (CPU checks, protected mode, .bss), calls down to real mode, INT 21h files/console/args, conventional and
//! XMS memory, the BIOS timer, Ctrl-C, and the one exit path that frees everything.
//! The engine never names anything here: the GEN.EXE binary wires these to its traits.

pub mod args;
pub mod brk;
pub mod console;
pub mod conv;
pub mod cpu;
pub mod dpmi;
pub mod env;
pub mod error;
pub mod extmem;
pub mod farbuf;
pub mod flat;
pub mod handle;
pub mod heap;
pub mod mode;
mod realmode;
pub mod regs;
pub mod stack;
mod startup;
pub mod tempfile;
pub mod timer;
pub mod vcpi;
pub mod xfer;
pub mod xms;

pub use error::DosError;
pub use handle::Handle;

use core::fmt::Write as _;

/// ERRORLEVELs for the platform's own exits, from the one error type's `ExitCode`.
pub mod exit_code {
    use crate::ExitCode;
    pub const OK: u8 = ExitCode::Ok.code();
    pub const USAGE: u8 = ExitCode::Usage.code();
    pub const IO: u8 = ExitCode::Io.code();
    pub const BAD_MODEL: u8 = ExitCode::BadModel.code();
    pub const OUT_OF_MEMORY: u8 = ExitCode::OutOfMemory.code();
    pub const UNSUPPORTED: u8 = ExitCode::Unsupported.code();
    pub const INTERRUPTED: u8 = ExitCode::Interrupted.code();
    pub const INTERNAL: u8 = ExitCode::Internal.code();
}

extern "C" {
    /// The program's main, defined by the binary with `dos_main!`.
    fn dos_main() -> u8;
}

/// Defines the program's main: `gpt2dos::dos_main!(run);` with `fn run() -> u8`.
#[macro_export]
macro_rules! dos_main {
    ($f:path) => {
        #[no_mangle]
        extern "C" fn dos_main() -> u8 {
            $f()
        }
    };
}

/// Called by the startup code once GEN runs in 32-bit protected mode (raw, VCPI or DPMI).
#[no_mangle]
extern "C" fn dos_entry() -> ! {
    stack::arm();
    if mode::current() == mode::Mode::Dpmi {
        dpmi::install_fault_handlers();
    }
    brk::install();
    if !xfer::init() {
        fail(exit_code::OUT_OF_MEMORY, "not enough conventional memory for the 32 KB transfer buffer");
    }
    // A DPMI client takes extended memory from its host, never from XMS. `GENXMS=OFF`
    // ignores the XMS driver (a test hook: VCPI's own pages, or conventional memory only).
    let xms_off = env::get(b"GENXMS").is_some_and(|v| v.eq_ignore_ascii_case(b"OFF"));
    if mode::current() != mode::Mode::Dpmi && !xms_off {
        xms::init();
    }
    // SAFETY: `dos_main` is defined by the binary through `dos_main!` with this signature.
    let code = unsafe { dos_main() };
    // The program's values are dropped by now: whatever the heap still holds leaked.
    heap::leak_report();
    exit(code)
}

/// A CPU exception in our code (a bug, or a panic's `ud2`): leave cleanly.
#[no_mangle]
extern "C" fn dos_cpu_exception(vector: u32) -> ! {
    let _ = writeln!(console::stderr(), "GEN: internal error (CPU exception {vector}), please report\r");
    exit(exit_code::INTERNAL)
}

/// The one exit path: deletes the scratch file, frees every XMS handle, DPMI block and
/// VCPI page, restores vectors, returns to DOS.
pub fn exit(code: u8) -> ! {
    tempfile::remove_live();
    extmem::release_all();
    brk::restore();
    terminate(code)
}

/// Returns to DOS with ERRORLEVEL `code`, nothing else.
fn terminate(code: u8) -> ! {
    if mode::current() == mode::Mode::Dpmi {
        dpmi::exit(code);
    }
    let mut r = regs::Regs::ax(0x4C00 | code as u16);
    regs::int21(&mut r);
    // DOS does not come back from AH=4Ch; should it, stop here rather than run on.
    loop {
        core::hint::spin_loop()
    }
}

/// Set by the first panic: a panic inside the exit path must not start it again.
static PANICKING: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Prints `GEN: <message>` to stderr and exits with `code`.
pub fn fail(code: u8, message: &str) -> ! {
    let _ = writeln!(console::stderr(), "GEN: {message}\r");
    exit(code)
}

/// A panic is a bug, except when an allocation was refused: the allocator remembers
/// that, and it becomes the out-of-memory exit with the tag, size and budget.
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    if PANICKING.swap(true, core::sync::atomic::Ordering::Relaxed) {
        terminate(exit_code::INTERNAL);
    }
    match heap::last_failure() {
        Some(crate::mem::TrackError::OverBudget { tag, bytes, in_use, limit }) => {
            let _ = writeln!(
                console::stderr(),
                "GEN: out of memory: {tag} needs {} KB, {} of {} KB in use\r",
                bytes.div_ceil(1024),
                in_use / 1024,
                limit / 1024
            );
            exit(exit_code::OUT_OF_MEMORY)
        }
        Some(crate::mem::TrackError::TableFull { tag, bytes }) => {
            let _ = writeln!(
                console::stderr(),
                "GEN: out of memory: the accounting table is full ({} live blocks) and no room to grow it; {tag} asked for {bytes} bytes\r",
                heap::accounting().record_slots
            );
            exit(exit_code::OUT_OF_MEMORY)
        }
        None => {}
    }
    fail(exit_code::INTERNAL, "internal error (please report)")
}
