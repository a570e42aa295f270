//! The integer GPT-2: forward pass, KV cache (in memory, spilled to a file, or
//! block-sparse), layer sources (resident or streamed), generation with a sliding
//! context window, and the memory plan.
mod error;
pub mod forward;
pub mod generate;
pub mod kv;
pub mod layers;
pub mod plan;
mod plan_kv;
pub mod state;

pub use error::ModelError;
pub use forward::Model;
pub use generate::Generator;
pub use kv::{KvCache, KvFile, KvFileIo, KvMode, KvShape, VecFile};
pub use layers::{LayerSource, Resident, Streamed};
pub use plan::{plan, DoesNotFit, MemoryPlan, Mode, PlanInput};
pub use state::RunState;
