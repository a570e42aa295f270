//! Memory: byte accounting, pools and budgets. Everything here is plain safe code; the
//! DOS heap turns the addresses it hands out into pointers.
pub mod freelist;
pub mod matrix_pool;
pub mod table;
pub mod tracker;

pub use freelist::{FreeList, FreeListError, Range};
pub use matrix_pool::{MatrixPool, PoolError, PoolStats};
pub use table::Table;
pub use tracker::{Record, TrackError, Tracker};
