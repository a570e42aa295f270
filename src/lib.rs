//! GPT-2 on MS-DOS: the engine (no_std) shared by GEN.EXE and the host tools.
//!
//! The engine modules never call DOS; they talk to `embedded-io` traits and to the
//! accounted buffers of `mem`. Only `dos` touches hardware, and only with feature `dos`.
#![no_std]

extern crate alloc;
#[cfg(any(test, feature = "host"))]
extern crate std;

pub mod cli;
pub mod error;
pub mod format;
pub mod math;
pub mod mem;
pub mod model;
pub mod sample;
pub mod tokenizer;

// Host-only: std, files, the converter and the float reference.
#[cfg(feature = "host")]
pub mod convert;
#[cfg(feature = "host")]
pub mod hostio;
#[cfg(feature = "host")]
pub mod reference;

#[cfg(feature = "dos")]
pub mod dos;
pub use error::{Error, ExitCode};
