//! The plan counts a KV cache's memory with `KvMode::ram_bytes`: it must be what
//! building the cache allocates (counted per thread by a wrapping allocator).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use gpt2dos::model::{KvCache, KvFile, KvMode, KvShape, VecFile};

struct Counting;

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.with(|a| a.set(a.get() + layout.size()));
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn allocated_by(f: impl FnOnce() -> KvCache) -> (usize, KvCache) {
    let before = ALLOCATED.with(|a| a.get());
    let cache = f();
    (ALLOCATED.with(|a| a.get()) - before, cache)
}

#[test]
fn ram_bytes_is_what_the_cache_allocates() {
    let sparse = |block, sink_blocks, window_blocks| KvMode::BlockSparse { block, sink_blocks, window_blocks };
    for shape in [KvShape { layers: 4, dim: 128, heads: 4 }, KvShape { layers: 12, dim: 768, heads: 12 }] {
        for ctx in [16, 100, 256] {
            for mode in [
                KvMode::Memory,
                KvMode::Spill,
                KvMode::Chunked { rows: 16 },
                KvMode::Chunked { rows: 1000 },
                sparse(16, 1, 4),
                sparse(16, 0, 1),
                sparse(8, 2, 100),
            ] {
                let file: Option<Box<dyn KvFile>> = mode.uses_file().then(|| Box::new(VecFile::new()) as Box<dyn KvFile>);
                let (bytes, cache) = allocated_by(|| KvCache::with_mode(shape, ctx, mode, file).unwrap());
                assert_eq!(bytes, mode.ram_bytes(shape, ctx), "{shape:?} ctx {ctx} {mode:?}");
                assert_eq!(cache.capacity(), ctx);
            }
        }
    }
}
