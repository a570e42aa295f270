//! Instruction profiles of GEN's code on the DOS build's own code (not a test).
//!
//! Built for GEN.EXE's target and profile (same codegen, no DOS platform) as a static
//! i386 Linux program, so valgrind's callgrind counts the instructions DOSBox would
//! execute (DOSBox's normal core at fixed cycles spends one cycle per instruction):
//!   prof386                  GEN's token loop on the default model (scripts/profile-386.sh)
//!   prof386 list             the kernel cases: name and MACs per run
//!   prof386 kernel NAME      one hot kernel on one shape (scripts/kernels-386.sh)
#![no_std]
#![no_main]

extern crate alloc;

mod kernels;
mod linux;
mod tokens;

#[no_mangle]
extern "C" fn prof_main(sp: *const usize) -> ! {
    let args = linux::args(sp);
    match args.first().copied() {
        None => tokens::run(),
        Some(b"list") => kernels::list(),
        Some(b"kernel") => kernels::run(args.get(1).copied().unwrap_or(b"")),
        Some(_) => linux::fail(b"usage: prof386 [list | kernel NAME]\n"),
    }
}
