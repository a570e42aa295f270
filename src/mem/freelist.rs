//! First-fit allocator over address ranges, with coalescing on free.
//!
//! It hands out *addresses* (u32), not pointers, so it is plain safe code tested on the
//! host; the DOS heap turns its addresses into flat pointers. Free ranges live in a
//! table sorted by address; a full table is an error, not a panic (the owner grows it
//! and tries again).

use super::Table;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub start: u32,
    pub len: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FreeListError {
    /// No free range is large enough.
    NoSpace,
    /// The table of free ranges is full (too fragmented).
    TableFull,
}

/// Free ranges in `N` inline slots, then in whatever larger table its owner gives it
/// (`grow`).
pub struct FreeList<const N: usize> {
    free: Table<Range, N>,
}

impl<const N: usize> Default for FreeList<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> FreeList<N> {
    pub const fn new() -> Self {
        FreeList { free: Table::new() }
    }

    /// Adds memory to manage (same as freeing a range that was never allocated).
    pub fn add(&mut self, start: u32, len: u32) -> Result<(), FreeListError> {
        self.free_range(start, len)
    }

    /// First fit: the lowest free range that holds `len` bytes at `align` (a power of 2).
    pub fn alloc(&mut self, len: u32, align: u32) -> Result<u32, FreeListError> {
        let len = len.max(1);
        let align = align.max(1);
        for i in 0..self.free.len() {
            let r = self.free[i];
            let start = match r.start.checked_add(align - 1) {
                Some(s) => s & !(align - 1),
                None => continue,
            };
            let pad = start - r.start;
            if pad as u64 + len as u64 > r.len as u64 {
                continue;
            }
            let tail = Range { start: start + len, len: r.len - pad - len };
            if pad > 0 && tail.len > 0 && self.free.is_full() {
                return Err(FreeListError::TableFull);
            }
            match (pad > 0, tail.len > 0) {
                (false, false) => {
                    self.free.remove(i);
                }
                (false, true) => self.free[i] = tail,
                (true, false) => self.free[i].len = pad,
                (true, true) => {
                    self.free[i].len = pad;
                    let _ = self.free.insert(i + 1, tail);
                }
            }
            return Ok(start);
        }
        Err(FreeListError::NoSpace)
    }

    /// Returns a range; merges it with its neighbours.
    pub fn free_range(&mut self, start: u32, len: u32) -> Result<(), FreeListError> {
        let len = len.max(1);
        let i = self.free.iter().position(|r| r.start > start).unwrap_or(self.free.len());
        let joins_prev = i > 0 && self.free[i - 1].start + self.free[i - 1].len == start;
        let joins_next = i < self.free.len() && start + len == self.free[i].start;
        match (joins_prev, joins_next) {
            (true, true) => {
                self.free[i - 1].len += len + self.free[i].len;
                self.free.remove(i);
            }
            (true, false) => self.free[i - 1].len += len,
            (false, true) => {
                self.free[i].start = start;
                self.free[i].len += len;
            }
            (false, false) => self.free.insert(i, Range { start, len }).map_err(|_| FreeListError::TableFull)?,
        }
        Ok(())
    }

    pub fn total_free(&self) -> u32 {
        self.free.iter().map(|r| r.len).sum()
    }

    pub fn largest_free(&self) -> u32 {
        self.free.iter().map(|r| r.len).max().unwrap_or(0)
    }

    /// Fragmentation in per mille: 0 when all free memory is one range.
    pub fn fragmentation_permille(&self) -> u32 {
        let total = self.total_free() as u64;
        if total == 0 {
            return 0;
        }
        (1000 - self.largest_free() as u64 * 1000 / total) as u32
    }

    pub fn ranges(&self) -> &[Range] {
        &self.free
    }

    /// Slots in the range table now.
    pub fn capacity(&self) -> usize {
        self.free.capacity()
    }

    pub fn is_full(&self) -> bool {
        self.free.is_full()
    }

    /// Moves the ranges into `bigger` (see `Table::grow`).
    pub fn grow(&mut self, bigger: &'static mut [Range]) -> Result<Option<&'static mut [Range]>, &'static mut [Range]> {
        self.free.grow(bigger)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alloc_free_coalesces_back_to_one_range() {
        let mut f = FreeList::<8>::new();
        f.add(0x1000, 0x1000).unwrap();
        let a = f.alloc(100, 16).unwrap();
        let b = f.alloc(200, 64).unwrap();
        let c = f.alloc(300, 4).unwrap();
        assert_eq!(a, 0x1000);
        assert_eq!(b % 64, 0);
        assert!(b >= a + 100 && c >= b + 200);
        f.free_range(b, 200).unwrap();
        f.free_range(a, 100).unwrap();
        f.free_range(c, 300).unwrap();
        assert_eq!(f.ranges(), &[Range { start: 0x1000, len: 0x1000 }]);
        assert_eq!(f.fragmentation_permille(), 0);
    }

    #[test]
    fn refuses_what_does_not_fit_and_reports_fragmentation() {
        let mut f = FreeList::<8>::new();
        f.add(0, 1000).unwrap();
        let blocks: heapless::Vec<u32, 10> = (0..10).map(|_| f.alloc(100, 1).unwrap()).collect();
        assert_eq!(f.alloc(1, 1), Err(FreeListError::NoSpace));
        for b in blocks.iter().step_by(2) {
            f.free_range(*b, 100).unwrap();
        }
        assert_eq!(f.total_free(), 500);
        assert_eq!(f.largest_free(), 100);
        assert_eq!(f.fragmentation_permille(), 800);
        assert_eq!(f.alloc(150, 1), Err(FreeListError::NoSpace));
    }

    #[test]
    fn full_table_is_an_error_not_a_panic() {
        let mut f = FreeList::<2>::new();
        f.add(0, 10).unwrap();
        f.add(20, 10).unwrap();
        assert_eq!(f.add(40, 10), Err(FreeListError::TableFull));
    }
}
