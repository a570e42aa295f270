//! The global allocator: conventional and XMS regions carved by `mem::FreeList`, every
//! live block recorded in a `mem::Tracker` under the current tag (strict accounting:
//! current, peak, count, per-tag totals, top-10, leaks at exit).
//!
//! Regions are added by `init`; the allocator deals in linear addresses and hands out
//! flat pointers (the 4 GB data segment reaches all of them).
use super::flat;
use crate::mem::{FreeList, Record, TrackError, Tracker};
use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::panic::Location;

/// Live blocks the tracker can hold (each record costs 20 bytes of the 64 KB segment).
pub const RECORDS: usize = 256;

struct State {
    free: FreeList<64>,
    tracker: Tracker<RECORDS>,
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
    let Ok(linear) = s.free.alloc(len, layout.align() as u32) else {
        s.failed = Some(TrackError::OverBudget {
            tag: s.tag,
            bytes: len,
            in_use: s.tracker.in_use(),
            limit: s.tracker.limit(),
        });
        return core::ptr::null_mut();
    };
    if let Err(e) = s.tracker.record(linear, s.tag, len, s.site) {
        let _ = s.free.free_range(linear, len);
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
    let _ = s.free.free_range(linear, layout.size() as u32);
}

/// Where the heap's memory came from.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeapInfo {
    pub conventional_bytes: u32,
    pub xms_bytes: u32,
}

impl HeapInfo {
    pub fn total(&self) -> u32 {
        self.conventional_bytes + self.xms_bytes
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
        xms_kb &= !3; // whole pages
        page_tables = (xms_kb.div_ceil(4096) as u16 + 1) * 256;
    }
    let left = max_bytes - xms_kb * 1024;
    let paragraphs = super::conv::largest_free().saturating_sub(DOS_RESERVE_PARAGRAPHS + page_tables);
    let paragraphs = paragraphs.min((left / 16).min(0xFFFF) as u16);
    HeapInfo { conventional_bytes: paragraphs as u32 * 16, xms_bytes: xms_kb * 1024 }
}

/// Gives the heap up to `max_bytes` (see `available`); the tracker's budget becomes
/// what was found. Called once, before the engine allocates.
pub fn init(max_bytes: u32) -> HeapInfo {
    let want = available(max_bytes);
    let mut info = HeapInfo::default();
    if want.xms_bytes > 0 {
        // The block stays locked for the whole run; the exit path frees it.
        if let Ok(block) = super::extmem::alloc(want.xms_bytes / 1024) {
            if add_pool(pool_name(), block.linear, want.xms_bytes) {
                info.xms_bytes = want.xms_bytes;
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
fn pool_name() -> &'static str {
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
