//! GEN.EXE: GPT-2 text generation under MS-DOS.
//!
//! Generates text (/P or /F) and proves the platform (/INFO /SELFTEST /CRC:file). This
//! binary parses switches, wires DOS into the engine's `Session` and prints; every
//! error comes back here and is reported once.
#![no_std]
#![no_main]

extern crate alloc;

mod config;
mod crc_file;
mod generate;
mod hooks;
mod info;
mod progress;
mod selftest;
mod stats;
mod usage;

use core::fmt::Write as _;
use gpt2dos::cli::{self, UsageError};
use gpt2dos::dos::{self, console};
use gpt2dos::{Error, ExitCode};

gpt2dos::dos_main!(run);

/// DOS keeps at most 127 bytes of a command line; a tail this long may have been cut.
const TAIL_FULL: usize = 126;

fn run() -> u8 {
    let tail = dos::args::command_tail();
    let mut config = [0u8; config::LIMIT];
    let mut scratch = generate::ScratchName::new();
    match main(&tail, &mut config, &mut scratch) {
        Ok(()) => ExitCode::Ok.code(),
        Err(e) => report(&e),
    }
}

fn main<'a>(
    tail: &'a [u8],
    config: &'a mut [u8; config::LIMIT],
    scratch: &'a mut generate::ScratchName,
) -> Result<(), Error<'a>> {
    let defaults = config::read(config)?;
    let opts = cli::parse_with_defaults(defaults, tail)?;
    if opts.help {
        usage::print();
        return Ok(());
    }
    if tail.len() >= TAIL_FULL && opts.prompt.is_some() {
        return Err(UsageError::LineFull.into());
    }
    if opts.info {
        info::print(&opts);
    }
    if opts.selftest {
        selftest::run()?;
    }
    if let Some(name) = opts.crc {
        return crc_file::run(name);
    }
    if opts.prompt.is_some() || opts.prompt_file.is_some() {
        return generate::run(&opts, scratch);
    }
    if opts.info || opts.selftest {
        return Ok(());
    }
    Err(UsageError::NoPrompt.into())
}

/// The one place an error is printed: `GEN: <line>` on stderr (and %GENERR%).
fn report(e: &Error) -> u8 {
    let mut err = console::stderr();
    let _ = write!(err, "GEN: {e}\r\n");
    if let Error::Usage(_) = e {
        err.bytes(b"Type GEN /? for help.\r\n");
    }
    e.exit_code().code()
}
