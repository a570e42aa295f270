//! Byte accounting: every buffer the engine holds is a record here, with its tag and the
//! line that asked for it. Requests past the limit are refused with a named error, and
//! whatever is still recorded at exit is a leak.
use super::Table;
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

/// Records live blocks in `N` inline slots, then in whatever larger table its owner
/// gives it (`grow`): no fixed ceiling on how many blocks a run holds.
pub struct Tracker<const N: usize> {
    records: Table<Record, N>,
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
            records: Table::new(),
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

    /// Records a grant of `bytes` for `tag` under `id` (an allocator uses the address),
    /// with the call site it knows; refuses it past the limit, or when the table is full
    /// (then the owner grows the table and tries again).
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
        for r in self.records.iter() {
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

    /// Slots in the record table now.
    pub fn capacity(&self) -> usize {
        self.records.capacity()
    }

    /// Moves the records into `bigger` (see `Table::grow`).
    pub fn grow(
        &mut self,
        bigger: &'static mut [Record],
    ) -> Result<Option<&'static mut [Record]>, &'static mut [Record]> {
        self.records.grow(bigger)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::boxed::Box;
    use alloc::vec;

    #[track_caller]
    fn grant<const N: usize>(t: &mut Tracker<N>, id: u32, tag: &'static str, bytes: u32) -> Result<(), TrackError> {
        t.record(id, tag, bytes, Location::caller())
    }

    #[test]
    fn counts_peak_and_releases() {
        let mut t = Tracker::<8>::new(1000);
        grant(&mut t, 1, "kv", 300).unwrap();
        grant(&mut t, 2, "weights", 400).unwrap();
        assert_eq!((t.in_use(), t.peak(), t.grants()), (700, 700, 2));
        assert_eq!(t.release_id(1), Some(300));
        assert_eq!(t.in_use(), 400);
        grant(&mut t, 3, "scratch", 100).unwrap();
        assert_eq!(t.peak(), 700);
        let top = t.top::<1>();
        assert_eq!(top[0].tag, "weights");
        t.release_id(2);
        t.release_id(3);
        assert!(t.outstanding().is_empty());
        assert_eq!(t.release_id(3), None);
    }

    #[test]
    fn refuses_past_the_limit_and_names_it() {
        let mut t = Tracker::<8>::new(1000);
        grant(&mut t, 1, "weights", 900).unwrap();
        let e = grant(&mut t, 2, "kv", 51).unwrap_err();
        assert_eq!(e, TrackError::OverBudget { tag: "kv", bytes: 51, in_use: 900, limit: 950 });
        assert!(t.take_warning());
        assert!(!t.take_warning());
    }

    #[test]
    fn leak_report_names_the_call_site() {
        let mut t = Tracker::<8>::new(1000);
        grant(&mut t, 1, "lost", 10).unwrap();
        let leak = t.outstanding()[0];
        assert_eq!(leak.tag, "lost");
        assert!(leak.site.file().ends_with("tracker.rs"));
    }

    #[test]
    fn a_full_table_refuses_until_it_grows() {
        let mut t = Tracker::<1>::new(1000);
        grant(&mut t, 1, "a", 1).unwrap();
        assert_eq!(grant(&mut t, 2, "b", 1), Err(TrackError::TableFull { tag: "b", bytes: 1 }));
        let filler = t.outstanding()[0];
        assert!(t.grow(Box::leak(vec![filler; 4].into_boxed_slice())).unwrap().is_none());
        grant(&mut t, 2, "b", 1).unwrap();
        assert_eq!((t.capacity(), t.outstanding().len(), t.in_use()), (4, 2, 2));
    }
}
