//! GEN.EXE: GPT-2 text generation under MS-DOS.
//!
//! Generates text (/P or /F) and proves the platform (/INFO /SELFTEST /CRC:file).
#![no_std]
#![no_main]

extern crate alloc;

mod config;
mod crc_file;
mod generate;
mod info;
mod selftest;
mod usage;

use gpt2dos::cli;
use gpt2dos::dos::{self, exit_code};

gpt2dos::dos_main!(run);

fn run() -> u8 {
    let line = config::command_line(&dos::args::command_tail());
    let opts = match cli::parse(&line) {
        Ok(o) => o,
        Err(e) => return usage::bad_usage(&e),
    };
    if opts.help {
        usage::print();
        return exit_code::OK;
    }
    if opts.info {
        info::print(&opts);
    }
    if opts.selftest {
        let code = selftest::run();
        if code != exit_code::OK {
            return code;
        }
    }
    if let Some(name) = opts.crc {
        return crc_file::run(name);
    }
    if opts.prompt.is_some() || opts.prompt_file.is_some() {
        return generate::run(&opts);
    }
    if !(opts.info || opts.selftest) {
        usage::print();
    }
    exit_code::OK
}
