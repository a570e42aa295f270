//! The integer GPT-2: forward pass, KV cache, layer sources (resident or streamed),
//! generation with a sliding context window, and the memory plan.
mod error;
pub mod forward;
pub mod generate;
pub mod kv_cache;
pub mod layers;
pub mod plan;
pub mod state;

pub use error::ModelError;
pub use forward::Model;
pub use generate::Generator;
pub use kv_cache::KvCache;
pub use layers::{LayerSource, Resident, Streamed};
pub use plan::{plan, DoesNotFit, MemoryPlan, Mode, PlanInput};
pub use state::RunState;
