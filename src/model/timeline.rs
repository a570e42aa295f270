//! A per-op memory timeline for one token (`/STATS`): after each step of the forward
//! pass, the bytes the allocator has in use, read through a probe the platform gives
//! (the engine never asks the allocator itself).
/// Marks a timeline holds: embed + 5 per layer + head for up to 25 layers.
pub const MAX_MARKS: usize = 128;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    /// The layer, or None for the embedding and the head.
    pub layer: Option<u16>,
    pub op: &'static str,
    /// Bytes in use after the op.
    pub bytes: u32,
}

pub struct Timeline {
    probe: fn() -> u32,
    marks: heapless::Vec<Mark, MAX_MARKS>,
    /// Marks that did not fit (reported, not hidden).
    pub dropped: u32,
}

impl Timeline {
    pub fn new(probe: fn() -> u32) -> Timeline {
        Timeline { probe, marks: heapless::Vec::new(), dropped: 0 }
    }

    pub fn mark(&mut self, layer: Option<usize>, op: &'static str) {
        let mark = Mark { layer: layer.map(|l| l as u16), op, bytes: (self.probe)() };
        if self.marks.push(mark).is_err() {
            self.dropped += 1;
        }
    }

    pub fn marks(&self) -> &[Mark] {
        &self.marks
    }

    /// Smallest and largest bytes in use over the marks.
    pub fn range(&self) -> (u32, u32) {
        let min = self.marks.iter().map(|m| m.bytes).min().unwrap_or(0);
        let max = self.marks.iter().map(|m| m.bytes).max().unwrap_or(0);
        (min, max)
    }
}
