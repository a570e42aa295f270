//! A table of `Copy` entries that starts in `N` inline slots and can move to a larger
//! slice its owner hands over (`grow`): the accounting tables of the DOS heap start in
//! the program's data and, when a model needs more live blocks than they hold, move into
//! memory the heap carves for them, so the model's depth has no fixed ceiling.
//! Safe code: the owner makes the slice; the table only copies into it.

pub struct Table<T: Copy + 'static, const N: usize> {
    inline: heapless::Vec<T, N>,
    /// The larger storage, once grown, and how many of its slots are used.
    outer: Option<(&'static mut [T], usize)>,
}

impl<T: Copy + 'static, const N: usize> Default for Table<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy + 'static, const N: usize> Table<T, N> {
    pub const fn new() -> Self {
        Table { inline: heapless::Vec::new(), outer: None }
    }

    pub fn len(&self) -> usize {
        match &self.outer {
            Some((_, len)) => *len,
            None => self.inline.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn capacity(&self) -> usize {
        match &self.outer {
            Some((slots, _)) => slots.len(),
            None => N,
        }
    }

    pub fn is_full(&self) -> bool {
        self.len() == self.capacity()
    }

    pub fn as_slice(&self) -> &[T] {
        match &self.outer {
            Some((slots, len)) => &slots[..*len],
            None => &self.inline,
        }
    }

    pub fn as_mut_slice(&mut self) -> &mut [T] {
        match &mut self.outer {
            Some((slots, len)) => &mut slots[..*len],
            None => &mut self.inline,
        }
    }

    /// Appends `v`; gives it back when the table is full.
    pub fn push(&mut self, v: T) -> Result<(), T> {
        self.insert(self.len(), v)
    }

    /// Inserts `v` at `i` (≤ len), shifting the rest up; gives it back when full.
    pub fn insert(&mut self, i: usize, v: T) -> Result<(), T> {
        match &mut self.outer {
            Some((slots, len)) => {
                if *len == slots.len() {
                    return Err(v);
                }
                slots.copy_within(i..*len, i + 1);
                slots[i] = v;
                *len += 1;
                Ok(())
            }
            None => self.inline.insert(i, v),
        }
    }

    /// Removes entry `i`, shifting the rest down.
    pub fn remove(&mut self, i: usize) -> T {
        match &mut self.outer {
            Some((slots, len)) => {
                let v = slots[i];
                slots.copy_within(i + 1..*len, i);
                *len -= 1;
                v
            }
            None => self.inline.remove(i),
        }
    }

    /// Removes entry `i`, putting the last one in its place.
    pub fn swap_remove(&mut self, i: usize) -> T {
        match &mut self.outer {
            Some((slots, len)) => {
                let v = slots[i];
                slots[i] = slots[*len - 1];
                *len -= 1;
                v
            }
            None => self.inline.swap_remove(i),
        }
    }

    /// Moves every entry into `bigger` (which must hold more than `capacity()`; else it
    /// is handed back as `Err`) and returns the storage it used before, if it was one
    /// handed over earlier (the owner frees it).
    pub fn grow(&mut self, bigger: &'static mut [T]) -> Result<Option<&'static mut [T]>, &'static mut [T]> {
        if bigger.len() <= self.capacity() {
            return Err(bigger);
        }
        let len = self.len();
        bigger[..len].copy_from_slice(self.as_slice());
        self.inline.clear();
        Ok(self.outer.replace((bigger, len)).map(|(old, _)| old))
    }
}

impl<T: Copy + 'static, const N: usize> core::ops::Deref for Table<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: Copy + 'static, const N: usize> core::ops::DerefMut for Table<T, N> {
    fn deref_mut(&mut self) -> &mut [T] {
        self.as_mut_slice()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::boxed::Box;
    use alloc::vec;

    fn slots(n: usize) -> &'static mut [u32] {
        Box::leak(vec![0u32; n].into_boxed_slice())
    }

    #[test]
    fn grows_past_its_inline_slots_and_keeps_order() {
        let mut t = Table::<u32, 2>::new();
        t.push(1).unwrap();
        t.push(3).unwrap();
        assert_eq!(t.push(4), Err(4));
        assert!(t.grow(slots(2)).is_err(), "not larger");
        assert!(t.grow(slots(4)).unwrap().is_none(), "the inline slots are nobody's to free");
        t.insert(1, 2).unwrap();
        t.push(4).unwrap();
        assert_eq!(t.as_slice(), &[1, 2, 3, 4]);
        assert!(t.is_full());
        let old = t.grow(slots(8)).unwrap().unwrap();
        assert_eq!(old.len(), 4);
        assert_eq!(t.remove(0), 1);
        assert_eq!(t.swap_remove(0), 2);
        assert_eq!(t.as_slice(), &[4, 3]);
        assert_eq!(t.capacity(), 8);
    }
}
