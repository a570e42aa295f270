//! A pool of freed weight buffers (whole `QMatrix` shells: int8 weights and u16 scales),
//! so that streamed layers and row chunks reuse memory instead of asking the heap again.
//!
//! A request takes the exact fit if one is cached, else the best fit (the smallest that
//! is large enough). A miss allocates fallibly; if that fails, the pool drops everything
//! it caches (so the allocator can coalesce the freed ranges) and tries once more — a
//! "compaction". The number of cached buffers is bounded by `N`.
use crate::math::QMatrix;
use alloc::collections::TryReserveError;
use alloc::vec::Vec;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Requests served by a cached buffer of exactly the asked capacities.
    pub exact_hits: u64,
    /// Requests served by the smallest larger cached buffer.
    pub best_fit_hits: u64,
    /// Requests that had to allocate.
    pub misses: u64,
    /// Times the cache was dropped because an allocation failed.
    pub compactions: u64,
    /// Buffers dropped on release because the pool was full.
    pub evictions: u64,
    pub cached_bytes: usize,
    pub peak_cached_bytes: usize,
}

impl PoolStats {
    pub fn hits(&self) -> u64 {
        self.exact_hits + self.best_fit_hits
    }

    /// Hits per hundred requests (0 before the first request).
    pub fn hit_rate_percent(&self) -> u64 {
        let total = self.hits() + self.misses;
        (self.hits() * 100).checked_div(total).unwrap_or(0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolError {
    /// Even with the cache dropped, `bytes` could not be allocated.
    OutOfMemory { bytes: usize },
}

impl core::fmt::Display for PoolError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PoolError::OutOfMemory { bytes } => write!(f, "out of memory for a {bytes}-byte weight buffer"),
        }
    }
}

pub struct MatrixPool<const N: usize> {
    free: heapless::Vec<QMatrix, N>,
    stats: PoolStats,
}

impl<const N: usize> Default for MatrixPool<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// Heap bytes a matrix holds (capacities, not lengths).
pub fn buffer_bytes(m: &QMatrix) -> usize {
    m.q.capacity() + 2 * m.scales.capacity()
}

impl<const N: usize> MatrixPool<N> {
    pub const fn new() -> Self {
        let stats = PoolStats {
            exact_hits: 0,
            best_fit_hits: 0,
            misses: 0,
            compactions: 0,
            evictions: 0,
            cached_bytes: 0,
            peak_cached_bytes: 0,
        };
        MatrixPool { free: heapless::Vec::new(), stats }
    }

    pub fn stats(&self) -> PoolStats {
        self.stats
    }

    /// Buffers cached now.
    pub fn len(&self) -> usize {
        self.free.len()
    }

    pub fn is_empty(&self) -> bool {
        self.free.is_empty()
    }

    /// A matrix of no rows whose buffers hold at least `weights` int8 values and `scales`
    /// mantissas, so filling it up to that size allocates nothing. A reused buffer keeps
    /// what it held until the reader overwrites it.
    pub fn acquire(&mut self, weights: usize, scales: usize) -> Result<QMatrix, PoolError> {
        self.acquire_with(weights, scales, allocate)
    }

    /// Gives a buffer back for reuse. When the pool is full, the smallest buffer goes
    /// (a large one can serve small requests too).
    pub fn release(&mut self, m: QMatrix) {
        let bytes = buffer_bytes(&m);
        if bytes == 0 {
            return;
        }
        let m = match self.free.push(m) {
            Ok(()) => return self.cached(bytes, 0),
            Err(m) => m,
        };
        self.stats.evictions += 1;
        let smallest = (0..self.free.len()).min_by_key(|&i| buffer_bytes(&self.free[i]));
        if let Some(i) = smallest.filter(|&i| buffer_bytes(&self.free[i]) < bytes) {
            let old = core::mem::replace(&mut self.free[i], m);
            self.cached(bytes, buffer_bytes(&old));
        }
    }

    /// Drops every cached buffer.
    pub fn clear(&mut self) {
        self.free.clear();
        self.stats.cached_bytes = 0;
    }

    fn cached(&mut self, added: usize, removed: usize) {
        self.stats.cached_bytes = self.stats.cached_bytes + added - removed;
        self.stats.peak_cached_bytes = self.stats.peak_cached_bytes.max(self.stats.cached_bytes);
    }

    fn acquire_with(
        &mut self,
        weights: usize,
        scales: usize,
        mut alloc: impl FnMut(usize, usize) -> Result<QMatrix, TryReserveError>,
    ) -> Result<QMatrix, PoolError> {
        let fits = |m: &QMatrix| m.q.capacity() >= weights && m.scales.capacity() >= scales;
        let best = (0..self.free.len()).filter(|&i| fits(&self.free[i])).min_by_key(|&i| buffer_bytes(&self.free[i]));
        if let Some(i) = best {
            let mut m = self.free.swap_remove(i);
            self.cached(0, buffer_bytes(&m));
            if m.q.capacity() == weights && m.scales.capacity() == scales {
                self.stats.exact_hits += 1;
            } else {
                self.stats.best_fit_hits += 1;
            }
            // The contents stay: the reader overwrites them whole, and a buffer of the
            // same size then costs no zero-fill.
            m.rows = 0;
            return Ok(m);
        }
        self.stats.misses += 1;
        let bytes = weights.saturating_add(scales.saturating_mul(2));
        match alloc(weights, scales) {
            Ok(m) => Ok(m),
            // What the pool holds may be what keeps the heap from having room.
            Err(_) if !self.free.is_empty() => {
                self.clear();
                self.stats.compactions += 1;
                alloc(weights, scales).map_err(|_| PoolError::OutOfMemory { bytes })
            }
            Err(_) => Err(PoolError::OutOfMemory { bytes }),
        }
    }
}

const EMPTY: QMatrix = QMatrix {
    rows: 0,
    cols: 0,
    group: 1,
    shift: 0,
    scales: Vec::new(),
    q: Vec::new(),
    layout: crate::math::Layout::Rows,
};

fn allocate(weights: usize, scales: usize) -> Result<QMatrix, TryReserveError> {
    let mut m = EMPTY;
    m.q.try_reserve_exact(weights)?;
    m.scales.try_reserve_exact(scales)?;
    Ok(m)
}

#[cfg(test)]
mod tests;
