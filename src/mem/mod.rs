//! Memory: byte accounting, pools and budgets. Everything here is plain safe code; the
//! DOS heap turns the addresses it hands out into pointers.
pub mod freelist;

pub use freelist::{FreeList, FreeListError, Range};
