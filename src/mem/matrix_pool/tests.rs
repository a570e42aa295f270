use super::*;
use alloc::collections::TryReserveError;
use core::cell::Cell;

/// A buffer of exactly these capacities.
fn buffer(weights: usize, scales: usize) -> QMatrix {
    let mut m = EMPTY;
    m.q.reserve_exact(weights);
    m.scales.reserve_exact(scales);
    assert_eq!((m.q.capacity(), m.scales.capacity()), (weights, scales));
    m
}

fn caps(m: &QMatrix) -> (usize, usize) {
    (m.q.capacity(), m.scales.capacity())
}

#[test]
fn exact_fit_first_then_the_smallest_that_is_large_enough() {
    let mut pool = MatrixPool::<4>::new();
    pool.release(buffer(100, 10));
    pool.release(buffer(300, 30));
    pool.release(buffer(200, 20));
    pool.release(buffer(150, 5));
    // (150, 5) is exact even though (200, 20) would also fit.
    assert_eq!(caps(&pool.acquire(150, 5).unwrap()), (150, 5));
    // (120, 12): (100, 10) is too small; (200, 20) is the smallest that fits.
    assert_eq!(caps(&pool.acquire(120, 12).unwrap()), (200, 20));
    // Weights fit in (100, 10) but scales do not: (300, 30).
    assert_eq!(caps(&pool.acquire(50, 11).unwrap()), (300, 30));
    let s = pool.stats();
    assert_eq!((s.exact_hits, s.best_fit_hits, s.misses), (1, 2, 0));
    assert_eq!(pool.len(), 1);
    assert_eq!(s.cached_bytes, 100 + 2 * 10);
}

#[test]
fn a_hit_keeps_its_contents_and_fills_without_moving() {
    let mut pool = MatrixPool::<2>::new();
    let mut m = buffer(64, 2);
    m.q.extend([1i8; 64]);
    m.scales.extend([7u16; 2]);
    m.rows = 2;
    pool.release(m);
    let mut m = pool.acquire(32, 1).unwrap();
    assert_eq!((m.q.len(), m.scales.len(), m.rows), (64, 2, 0), "no zero-fill, no rows");
    let before = m.q.as_ptr();
    let bytes = crate::format::records::sized_for_read(&mut m.q, 64);
    bytes.fill(3);
    assert_eq!(m.q, [3i8; 64]);
    assert_eq!(m.q.as_ptr(), before);
}

#[test]
fn a_miss_allocates_at_least_the_request() {
    let mut pool = MatrixPool::<2>::new();
    pool.release(buffer(10, 1));
    let m = pool.acquire(4096, 128).unwrap();
    assert!(m.q.capacity() >= 4096 && m.scales.capacity() >= 128);
    let s = pool.stats();
    assert_eq!((s.hits(), s.misses, s.compactions), (0, 1, 0));
    assert_eq!(pool.len(), 1, "the too-small buffer stays cached");
}

#[test]
fn cached_bytes_now_and_peak() {
    let mut pool = MatrixPool::<4>::new();
    pool.release(buffer(1000, 100));
    pool.release(buffer(500, 0));
    assert_eq!(pool.stats().cached_bytes, 1700);
    let a = pool.acquire(1000, 100).unwrap();
    assert_eq!(pool.stats().cached_bytes, 500);
    pool.release(a);
    pool.clear();
    let s = pool.stats();
    assert_eq!((s.cached_bytes, s.peak_cached_bytes), (0, 1700));
}

#[test]
fn a_full_pool_keeps_the_largest_buffers() {
    let mut pool = MatrixPool::<2>::new();
    pool.release(buffer(200, 0));
    pool.release(buffer(100, 0));
    pool.release(buffer(300, 0)); // evicts 100
    pool.release(buffer(50, 0)); // dropped: smaller than all
    let s = pool.stats();
    assert_eq!((pool.len(), s.evictions, s.cached_bytes), (2, 2, 500));
    assert_eq!(caps(&pool.acquire(1, 0).unwrap()), (200, 0));
}

#[test]
fn empty_buffers_are_not_cached() {
    let mut pool = MatrixPool::<2>::new();
    pool.release(EMPTY);
    assert!(pool.is_empty());
}

/// An allocator that fails its first `failures` calls.
fn flaky(failures: usize, calls: &Cell<usize>) -> impl FnMut(usize, usize) -> Result<QMatrix, TryReserveError> + '_ {
    move |w, s| {
        calls.set(calls.get() + 1);
        if calls.get() <= failures {
            // A real allocation error, not a made-up one.
            Err(Vec::<u8>::new().try_reserve_exact(usize::MAX).unwrap_err())
        } else {
            allocate(w, s)
        }
    }
}

#[test]
fn a_failed_allocation_drops_the_cache_and_retries_once() {
    let mut pool = MatrixPool::<4>::new();
    pool.release(buffer(10, 1));
    let calls = Cell::new(0);
    let m = pool.acquire_with(100, 4, flaky(1, &calls)).unwrap();
    assert!(m.q.capacity() >= 100);
    assert_eq!(calls.get(), 2);
    let s = pool.stats();
    assert_eq!((s.misses, s.compactions, s.cached_bytes), (1, 1, 0));
    assert!(pool.is_empty());
}

#[test]
fn out_of_memory_after_one_retry() {
    let mut pool = MatrixPool::<4>::new();
    pool.release(buffer(10, 1));
    let calls = Cell::new(0);
    let e = pool.acquire_with(100, 4, flaky(usize::MAX, &calls)).unwrap_err();
    assert_eq!(e, PoolError::OutOfMemory { bytes: 108 });
    assert_eq!(calls.get(), 2);
    // With nothing cached there is nothing to drop: no retry, no compaction.
    let calls = Cell::new(0);
    assert!(pool.acquire_with(100, 4, flaky(usize::MAX, &calls)).is_err());
    assert_eq!((calls.get(), pool.stats().compactions), (1, 1));
}

#[test]
fn the_real_allocator_refusing_is_an_error_not_an_abort() {
    let mut pool = MatrixPool::<4>::new();
    pool.release(buffer(10, 1));
    assert!(pool.acquire(usize::MAX / 2, 0).is_err());
    assert_eq!(pool.stats().compactions, 1);
    assert!(pool.is_empty());
}

#[test]
fn hit_rate() {
    let mut pool = MatrixPool::<4>::new();
    assert_eq!(pool.stats().hit_rate_percent(), 0);
    let m = pool.acquire(10, 1).unwrap();
    pool.release(m);
    for _ in 0..3 {
        let m = pool.acquire(10, 1).unwrap();
        pool.release(m);
    }
    let s = pool.stats();
    assert_eq!((s.exact_hits, s.misses, s.hit_rate_percent()), (3, 1, 75));
}
