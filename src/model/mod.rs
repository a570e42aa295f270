//! The integer GPT-2: forward pass, KV cache (in memory, spilled to a file, or
//! block-sparse), layer sources (resident, or streamed by layers or by row chunks
//! through a matrix pool), generation with a sliding context window, and the memory plan.
mod error;
pub mod forward;
pub mod generate;
pub mod kv;
pub mod layers;
pub mod plan;
mod plan_kv;
mod row_chunks;
pub mod session;
pub mod state;
pub mod streamed;
pub mod timeline;

pub use error::ModelError;
pub use forward::Model;
pub use generate::Generator;
pub use kv::{KvCache, KvFile, KvFileIo, KvMode, KvShape, VecFile};
pub use layers::{Head, Resident, WeightSource};
pub use plan::{plan, DoesNotFit, MemoryPlan, Mode, PlanInput};
pub use row_chunks::{chunk_rows, row_bytes, rows_per_chunk};
pub use session::{plan_run, HookError, Hooks, Planned, Session, Setup, Stage, Weights};
pub use state::RunState;
pub use streamed::{StreamOptions, Streamed};
pub use timeline::{Mark, Timeline};
