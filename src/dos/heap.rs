//! The global allocator: conventional and XMS regions carved by `mem::FreeList`, every
//! live block recorded in a `mem::Tracker` under the current tag (strict accounting:
//! current, peak, count, per-tag totals, top-10, leaks at exit).
//!
//! Regions are added by `init`; the allocator deals in linear addresses and hands out
//! flat pointers (the 4 GB data segment reaches all of them).
use super::flat;
use crate::mem::FreeListError;
use crate::mem::{FreeList, Range, Record, TrackError, Tracker};
use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::mem::{align_of, size_of};
use core::panic::Location;

/// Live blocks the tracker holds in the program's data (20 bytes each); past that, both
/// accounting tables move into heap memory twice their size (`grow_tables`).
pub const RECORDS: usize = 256;

struct State {
    free: FreeList<64>,
    tracker: Tracker<RECORDS>,
    /// Bytes the grown accounting tables take from the pools (not counted against the
    /// budget, which is the program's; shown by `/STATS`).
    table_bytes: u32,
    /// Freed bytes the free list could not take back (0 unless even growing failed).
    lost_bytes: u32,
    tag: &'static str,
    site: &'static Location<'static>,
    /// The request that failed last (for the out-of-memory message).
    failed: Option<TrackError>,
    pools: heapless::Vec<Pool, 2>,
    /// Print the leak check at exit even when it is clean (`/STATS`).
    report_clean_exit: bool,
}

/// One region the heap carves (XMS or conventional), with its own use and peak.
#[derive(Clone, Copy, Debug)]
pub struct Pool {
    pub name: &'static str,
    pub start: u32,
    pub bytes: u32,
    pub in_use: u32,
    pub peak: u32,
}

impl Pool {
    fn holds(&self, linear: u32) -> bool {
        linear >= self.start && linear - self.start < self.bytes
    }
}

pub struct DosHeap {
    state: UnsafeCell<State>,
}

// SAFETY: GEN.EXE is single-threaded and interrupt handlers never allocate.
unsafe impl Sync for DosHeap {}

#[global_allocator]
static HEAP: DosHeap = DosHeap {
    state: UnsafeCell::new(State {
        free: FreeList::new(),
        tracker: Tracker::new(0),
        table_bytes: 0,
        lost_bytes: 0,
        tag: "untagged",
        site: Location::caller(),
        failed: None,
        pools: heapless::Vec::new(),
        report_clean_exit: false,
    }),
};

/// Runs `f` on the heap's state: the one way in, so no two references to it ever live
/// at once. Everything outside gets copies (`Usage`, `pools`, `top`).
fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    // SAFETY: single-threaded, interrupt handlers never allocate, and no `f` here
    // allocates or calls `with`: the reference lives only while `f` runs.
    f(unsafe { &mut *HEAP.state.get() })
}

/// Tags the allocations that follow (until the next call) with `tag` and this call site.
#[track_caller]
pub fn set_tag(tag: &'static str) {
    let site = Location::caller();
    with(|s| {
        s.tag = tag;
        s.site = site;
    })
}

/// The tracker's figures now.
#[derive(Clone, Copy, Debug)]
pub struct Usage {
    pub in_use: u32,
    pub peak: u32,
    pub limit: u32,
    pub budget: u32,
    pub grants: u32,
    pub warn_permille: u32,
}

pub fn usage() -> Usage {
    with(|s| {
        let t = &s.tracker;
        Usage {
            in_use: t.in_use(),
            peak: t.peak(),
            limit: t.limit(),
            budget: t.budget(),
            grants: t.grants(),
            warn_permille: t.warn_permille(),
        }
    })
}

/// The accounting tables: record slots now, the bytes grown tables take from the pools,
/// and freed bytes the free list could not take back (0 unless even growing failed).
#[derive(Clone, Copy, Debug)]
pub struct Accounting {
    pub record_slots: usize,
    pub table_bytes: u32,
    pub lost_bytes: u32,
}

pub fn accounting() -> Accounting {
    with(|s| Accounting { record_slots: s.tracker.capacity(), table_bytes: s.table_bytes, lost_bytes: s.lost_bytes })
}

/// The `M` largest live blocks, largest first.
pub fn top<const M: usize>() -> heapless::Vec<Record, M> {
    with(|s| s.tracker.top::<M>())
}

pub fn fragmentation_permille() -> u32 {
    with(|s| s.free.fragmentation_permille())
}

/// The last refused request, if any.
pub fn last_failure() -> Option<TrackError> {
    with(|s| s.failed)
}

unsafe impl GlobalAlloc for DosHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        with(|s| alloc_in(s, layout))
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        with(|s| dealloc_in(s, ptr, layout))
    }
}

fn alloc_in(s: &mut State, layout: Layout) -> *mut u8 {
    let Ok(len) = u32::try_from(layout.size()) else { return core::ptr::null_mut() };
    let mut carved = s.free.alloc(len, layout.align() as u32);
    if carved == Err(FreeListError::TableFull) && grow_tables(s) {
        carved = s.free.alloc(len, layout.align() as u32);
    }
    let Ok(linear) = carved else {
        s.failed = Some(TrackError::OverBudget {
            tag: s.tag,
            bytes: len,
            in_use: s.tracker.in_use(),
            limit: s.tracker.limit(),
        });
        return core::ptr::null_mut();
    };
    let mut recorded = s.tracker.record(linear, s.tag, len, s.site);
    if let Err(TrackError::TableFull { .. }) = recorded {
        if grow_tables(s) {
            recorded = s.tracker.record(linear, s.tag, len, s.site);
        }
    }
    if let Err(e) = recorded {
        free_range(s, linear, len);
        s.failed = Some(e);
        return core::ptr::null_mut();
    }
    if let Some(p) = s.pools.iter_mut().find(|p| p.holds(linear)) {
        p.in_use += len;
        p.peak = p.peak.max(p.in_use);
    }
    flat::pointer(linear)
}

fn dealloc_in(s: &mut State, ptr: *mut u8, layout: Layout) {
    let linear = flat::linear(ptr);
    s.tracker.release_id(linear);
    if let Some(p) = s.pools.iter_mut().find(|p| p.holds(linear)) {
        p.in_use -= layout.size() as u32;
    }
    free_range(s, linear, layout.size() as u32);
}

/// Gives a range back to the free list, growing its table when full; what still cannot
/// be taken back is counted (`lost_bytes`, in `/STATS`), never dropped silently.
fn free_range(s: &mut State, linear: u32, len: u32) {
    if s.free.free_range(linear, len).is_ok() {
        return;
    }
    if !(grow_tables(s) && s.free.free_range(linear, len).is_ok()) {
        s.lost_bytes += len;
    }
}

/// Moves both accounting tables into heap memory with twice the record slots (and as
/// many range slots, plus the pools': there is at most one free range between two live
/// blocks). False when the pools have no room for them.
fn grow_tables(s: &mut State) -> bool {
    let records = s.tracker.capacity() * 2;
    let ranges = records + 8;
    let record_bytes = (records * size_of::<Record>()) as u32;
    let range_bytes = (ranges * size_of::<Range>()) as u32;
    let Ok(at) = s.free.alloc(record_bytes + range_bytes, align_of::<Record>().max(align_of::<Range>()) as u32) else {
        return false;
    };
    let blank = Record { id: 0, tag: "", bytes: 0, site: Location::caller() };
    let new_ranges = table_at(at + record_bytes, ranges, Range { start: 0, len: 0 });
    let new_records = table_at(at, records, blank);
    // Ranges first: freeing the old tables below needs the room.
    let old_ranges = s.free.grow(new_ranges).ok().flatten().map(|t| (flat::linear(t.as_mut_ptr().cast()), t.len()));
    let old_records =
        s.tracker.grow(new_records).ok().flatten().map(|t| (flat::linear(t.as_mut_ptr().cast()), t.len()));
    s.table_bytes += record_bytes + range_bytes;
    // The old tables were carved together, records first.
    if let (Some((records_at, n)), Some((_, m))) = (old_records, old_ranges) {
        let bytes = (n * size_of::<Record>() + m * size_of::<Range>()) as u32;
        s.table_bytes -= bytes;
        free_range(s, records_at, bytes);
    }
    true
}

/// A table of `n` entries, each `blank`, in the pool memory at `linear` that `grow_tables`
/// just carved for it.
fn table_at<T: Copy>(linear: u32, n: usize, blank: T) -> &'static mut [T] {
    let p = flat::pointer(linear).cast::<T>();
    // SAFETY: [linear, linear + n·size_of::<T>()) was carved from the heap's free list
    // for this table alone, aligned for T; it stays allocated until a larger table
    // replaces this one and it is freed (after the last use of this slice). Every entry
    // is written before the slice is made, so the slice holds initialised values.
    unsafe {
        for i in 0..n {
            p.add(i).write(blank);
        }
        core::slice::from_raw_parts_mut(p, n)
    }
}

/// Where the heap's memory came from.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeapInfo {
    pub conventional_bytes: u32,
    pub extended_bytes: u32,
}

impl HeapInfo {
    pub fn total(&self) -> u32 {
        self.conventional_bytes + self.extended_bytes
    }
}

/// Conventional memory left to DOS (for COMMAND.COM reload, file buffers).
const DOS_RESERVE_PARAGRAPHS: u16 = 0x400;

/// What `init(max_bytes)` would take, without taking it (for `/INFO`): the largest
/// extended memory block first (flat, large), then the largest conventional block less
/// DOS's reserve (and, under VCPI, less the page tables that map the extended block).
pub fn available(max_bytes: u32) -> HeapInfo {
    let mut xms_kb = super::extmem::query_free().largest_kb.min(max_bytes / 1024);
    let mut page_tables = 0;
    if super::mode::current() == super::mode::Mode::Vcpi && xms_kb > 0 {
        // Whole pages, and the tables that map them (one more: an XMS block need not
        // start on a page).
        xms_kb &= !3;
        page_tables = ((xms_kb + 4).div_ceil(4096) as u16 + 1) * 256;
    }
    let left = max_bytes - xms_kb * 1024;
    let paragraphs = super::conv::largest_free().saturating_sub(DOS_RESERVE_PARAGRAPHS + page_tables);
    let paragraphs = paragraphs.min((left / 16).min(0xFFFF) as u16);
    HeapInfo { conventional_bytes: paragraphs as u32 * 16, extended_bytes: xms_kb * 1024 }
}

/// Gives the heap up to `max_bytes` (see `available`); the tracker's budget becomes
/// what was found. Called once, before the engine allocates.
pub fn init(max_bytes: u32) -> HeapInfo {
    let want = available(max_bytes);
    let mut info = HeapInfo::default();
    if want.extended_bytes > 0 {
        // The block stays locked for the whole run; the exit path frees it.
        if let Ok(block) = super::extmem::alloc(want.extended_bytes / 1024) {
            if add_pool(pool_name(), block.linear, want.extended_bytes) {
                info.extended_bytes = want.extended_bytes;
            }
        }
    }
    let paragraphs = (want.conventional_bytes / 16) as u16;
    if paragraphs > 0 {
        if let Ok(seg) = super::conv::alloc(paragraphs) {
            if add_pool("conventional", (seg as u32) << 4, want.conventional_bytes) {
                info.conventional_bytes = want.conventional_bytes;
            }
        }
    }
    with(|s| s.tracker.set_budget(info.total()));
    info
}

/// The extended pool's name in `/STATS`, after its source.
pub fn pool_name() -> &'static str {
    match super::extmem::source() {
        Some(super::extmem::Source::Dpmi(_)) => "DPMI",
        Some(super::extmem::Source::VcpiPages) => "VCPI",
        _ => "XMS",
    }
}

fn add_pool(name: &'static str, start: u32, bytes: u32) -> bool {
    let pool = Pool { name, start, bytes, in_use: 0, peak: 0 };
    with(|s| s.pools.push(pool).is_ok() && s.free.add(start, bytes).is_ok())
}

/// The regions the heap carves, with their use.
pub fn pools() -> heapless::Vec<Pool, 2> {
    with(|s| s.pools.clone())
}

/// Asks for the leak check line at exit even when nothing leaked.
pub fn report_clean_exit() {
    with(|s| s.report_clean_exit = true)
}

/// At exit, after the program's own values are dropped: every record still held is a
/// leak. Leaks are reported on stderr (a bug); a clean check only when asked.
pub fn leak_report() {
    use core::fmt::Write as _;
    let (count, bytes, report_clean) = with(|s| {
        let leaks = s.tracker.outstanding();
        (leaks.len(), leaks.iter().map(|r| r.bytes).sum::<u32>(), s.report_clean_exit)
    });
    if count == 0 {
        if report_clean {
            let _ = write!(super::console::stdout(), "memory: leak check at exit: 0 blocks held, no leaks\r\n");
        }
        return;
    }
    let first: heapless::Vec<Record, 10> = with(|s| s.tracker.outstanding().iter().take(10).copied().collect());
    let mut e = super::console::stderr();
    let _ = write!(e, "GEN: leak: {} blocks, {} bytes still held at exit\r\n", count, bytes);
    for r in first.iter() {
        let _ = write!(e, "GEN: leak: {} bytes {} {}:{}\r\n", r.bytes, r.tag, r.site.file(), r.site.line());
    }
}

/// Sets the monitor's thresholds (per mille of the budget): warn, refuse.
pub fn set_thresholds(warn_permille: u32, refuse_permille: u32) {
    with(|s| s.tracker.set_thresholds(warn_permille, refuse_permille))
}

/// True once, when use first passes the warning threshold (85 % of the budget).
pub fn take_warning() -> bool {
    with(|s| s.tracker.take_warning())
}
