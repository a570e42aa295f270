//! An array of `u32` stored as `u16` when every value fits: halves the RAM of the
//! tokenizer tables for vocabularies up to 65 536 tokens (GPT-2 has 50 257).

use alloc::vec::Vec;

/// Read-only array of small unsigned integers, narrow when possible.
pub enum CompactArray {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

impl CompactArray {
    /// `len` zeros, as `u16` if `max` (the largest value ever stored) fits.
    pub fn zeroed(len: usize, max: u32) -> Self {
        if max <= u32::from(u16::MAX) {
            CompactArray::Narrow(alloc::vec![0; len])
        } else {
            CompactArray::Wide(alloc::vec![0; len])
        }
    }

    /// Stores `value`, which must not exceed the `max` given to `zeroed`.
    pub fn set(&mut self, i: usize, value: u32) {
        match self {
            CompactArray::Narrow(v) => v[i] = value as u16,
            CompactArray::Wide(v) => v[i] = value,
        }
    }

    #[inline]
    pub fn get(&self, i: usize) -> u32 {
        match self {
            CompactArray::Narrow(v) => u32::from(v[i]),
            CompactArray::Wide(v) => v[i],
        }
    }

    pub fn len(&self) -> usize {
        match self {
            CompactArray::Narrow(v) => v.len(),
            CompactArray::Wide(v) => v.len(),
        }
    }

    /// Bytes of heap this array holds.
    pub fn heap_bytes(&self) -> usize {
        match self {
            CompactArray::Narrow(v) => v.capacity() * 2,
            CompactArray::Wide(v) => v.capacity() * 4,
        }
    }

    /// First index in `lo..hi` whose value is >= `key`, the values there being sorted.
    #[inline]
    pub fn lower_bound(&self, lo: usize, hi: usize, key: u32) -> usize {
        match self {
            CompactArray::Narrow(v) => {
                // A key above u16::MAX is above every narrow value.
                match u16::try_from(key) {
                    Ok(k) => lo + v[lo..hi].partition_point(|&x| x < k),
                    Err(_) => hi,
                }
            }
            CompactArray::Wide(v) => lo + v[lo..hi].partition_point(|&x| x < key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroed_then_set() {
        let mut a = CompactArray::zeroed(3, 1000);
        a.set(1, 1000);
        assert!(matches!(a, CompactArray::Narrow(_)));
        assert_eq!((a.get(0), a.get(1), a.heap_bytes()), (0, 1000, 6));
        let mut b = CompactArray::zeroed(2, 1 << 20);
        b.set(0, 1 << 20);
        assert_eq!((b.get(0), b.heap_bytes()), (1 << 20, 8));
    }

    #[test]
    fn lower_bound_in_both_widths() {
        let mut narrow = CompactArray::zeroed(3, 65535);
        let mut wide = CompactArray::zeroed(3, 70000);
        for (i, v) in [3, 7, 65535].into_iter().enumerate() {
            narrow.set(i, v);
            wide.set(i, v);
        }
        for a in [&narrow, &wide] {
            assert_eq!(a.lower_bound(0, 3, 7), 1);
            assert_eq!(a.lower_bound(0, 3, 8), 2);
            assert_eq!(a.lower_bound(1, 2, 0), 1);
            assert_eq!(a.lower_bound(0, 3, 70000), 3);
            assert_eq!(a.len(), 3);
        }
    }
}
