//! Byte accounting: every buffer the engine holds is a record here, with its tag and the
//! line that asked for it. Requests past the limit are refused with a named error, and
//! whatever is still recorded at exit is a leak.
use core::panic::Location;

#[derive(Clone, Copy, Debug)]
pub struct Record {
    pub id: u32,
    pub tag: &'static str,
    pub bytes: u32,
    pub site: &'static Location<'static>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrackError {
    /// Granting `bytes` for `tag` would pass the refusal limit of the budget.
    OverBudget { tag: &'static str, bytes: u32, in_use: u32, limit: u32 },
    /// The record table is full: accounting would be incomplete, so we refuse.
    TableFull { tag: &'static str, bytes: u32 },
}

/// Identifies one grant; give it back with `release`.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a grant that is never released is a leak"]
pub struct Grant {
    id: u32,
    bytes: u32,
}

impl Grant {
    pub fn bytes(&self) -> u32 {
        self.bytes
    }
}

pub struct Tracker<const N: usize> {
    records: heapless::Vec<Record, N>,
    next_id: u32,
    in_use: u32,
    peak: u32,
    grants: u32,
    budget: u32,
    warn_permille: u32,
    refuse_permille: u32,
    warned: bool,
}

impl<const N: usize> Tracker<N> {
    /// A tracker for `budget` bytes that warns at 85 % and refuses past 95 %.
    pub const fn new(budget: u32) -> Self {
        Tracker {
            records: heapless::Vec::new(),
            next_id: 1,
            in_use: 0,
            peak: 0,
            grants: 0,
            budget,
            warn_permille: 850,
            refuse_permille: 950,
            warned: false,
        }
    }

    pub fn set_thresholds(&mut self, warn_permille: u32, refuse_permille: u32) {
        self.warn_permille = warn_permille;
        self.refuse_permille = refuse_permille;
    }

    pub fn warn_permille(&self) -> u32 {
        self.warn_permille
    }

    pub fn limit(&self) -> u32 {
        (self.budget as u64 * self.refuse_permille as u64 / 1000) as u32
    }

    /// Records `bytes` for `tag`, or refuses if it would pass the limit.
    #[track_caller]
    pub fn reserve(&mut self, tag: &'static str, bytes: u32) -> Result<Grant, TrackError> {
        let id = self.next_id;
        self.record(id, tag, bytes, Location::caller())?;
        self.next_id += 1;
        Ok(Grant { id, bytes })
    }

    pub fn release(&mut self, grant: Grant) {
        self.release_id(grant.id);
    }

    /// Records a grant the caller names itself (an allocator uses the address), with
    /// the call site it knows. Same limit and table checks as `reserve`.
    pub fn record(
        &mut self,
        id: u32,
        tag: &'static str,
        bytes: u32,
        site: &'static Location<'static>,
    ) -> Result<(), TrackError> {
        let limit = self.limit();
        if self.in_use as u64 + bytes as u64 > limit as u64 {
            return Err(TrackError::OverBudget { tag, bytes, in_use: self.in_use, limit });
        }
        let record = Record { id, tag, bytes, site };
        self.records.push(record).map_err(|_| TrackError::TableFull { tag, bytes })?;
        self.grants += 1;
        self.in_use += bytes;
        self.peak = self.peak.max(self.in_use);
        Ok(())
    }

    /// Forgets the record `id`; returns its size.
    pub fn release_id(&mut self, id: u32) -> Option<u32> {
        let i = self.records.iter().position(|r| r.id == id)?;
        let bytes = self.records[i].bytes;
        self.in_use -= bytes;
        self.records.swap_remove(i);
        Some(bytes)
    }

    /// Changes the budget (the DOS heap learns it only after it has found its memory).
    pub fn set_budget(&mut self, budget: u32) {
        self.budget = budget;
    }

    /// True once, the first time use passes the warning threshold.
    pub fn take_warning(&mut self) -> bool {
        let over = self.in_use as u64 * 1000 > self.budget as u64 * self.warn_permille as u64;
        if over && !self.warned {
            self.warned = true;
            return true;
        }
        false
    }

    pub fn in_use(&self) -> u32 {
        self.in_use
    }
    pub fn peak(&self) -> u32 {
        self.peak
    }
    pub fn grants(&self) -> u32 {
        self.grants
    }
    pub fn budget(&self) -> u32 {
        self.budget
    }

    /// Records still held: at exit, these are leaks.
    pub fn outstanding(&self) -> &[Record] {
        &self.records
    }

    /// The `M` largest records, largest first.
    pub fn top<const M: usize>(&self) -> heapless::Vec<Record, M> {
        let mut top: heapless::Vec<Record, M> = heapless::Vec::new();
        for r in &self.records {
            let pos = top.iter().position(|t| t.bytes < r.bytes).unwrap_or(top.len());
            if pos < M {
                if top.is_full() {
                    top.pop();
                }
                let _ = top.insert(pos, *r);
            }
        }
        top
    }

    /// Bytes held under `tag`.
    pub fn tag_total(&self, tag: &str) -> u32 {
        self.records.iter().filter(|r| r.tag == tag).map(|r| r.bytes).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_peak_and_releases() {
        let mut t = Tracker::<8>::new(1000);
        let a = t.reserve("kv", 300).unwrap();
        let b = t.reserve("weights", 400).unwrap();
        assert_eq!((t.in_use(), t.peak(), t.grants()), (700, 700, 2));
        t.release(a);
        assert_eq!(t.in_use(), 400);
        let c = t.reserve("scratch", 100).unwrap();
        assert_eq!(t.peak(), 700);
        assert_eq!(t.tag_total("weights"), 400);
        let top = t.top::<1>();
        assert_eq!(top[0].tag, "weights");
        t.release(b);
        t.release(c);
        assert!(t.outstanding().is_empty());
    }

    #[test]
    fn refuses_past_the_limit_and_names_it() {
        let mut t = Tracker::<8>::new(1000);
        let _a = t.reserve("weights", 900).unwrap();
        let e = t.reserve("kv", 51).unwrap_err();
        assert_eq!(e, TrackError::OverBudget { tag: "kv", bytes: 51, in_use: 900, limit: 950 });
        assert!(t.take_warning());
        assert!(!t.take_warning());
    }

    #[test]
    fn leak_report_names_the_call_site() {
        let mut t = Tracker::<8>::new(1000);
        let _g = t.reserve("lost", 10).unwrap();
        let leak = t.outstanding()[0];
        assert_eq!(leak.tag, "lost");
        assert!(leak.site.file().ends_with("tracker.rs"));
    }

    #[test]
    fn full_table_refuses() {
        let mut t = Tracker::<1>::new(1000);
        let _a = t.reserve("a", 1).unwrap();
        assert_eq!(t.reserve("b", 1), Err(TrackError::TableFull { tag: "b", bytes: 1 }));
    }
}
