//! A byte buffer outside our 64 KB segment: an XMS block when there is a driver, else a
//! conventional block. Freed on drop (and by the exit path, for XMS).
use super::{conv, flat, xms};

enum Backing {
    Xms(xms::Block),
    Conventional(u16),
}

pub struct FarBuf {
    backing: Option<Backing>,
    linear: u32,
    len: usize,
}

impl FarBuf {
    /// `kb` KB (at most 512 KB from conventional memory).
    pub fn new(kb: u32) -> Option<FarBuf> {
        if xms::driver().is_some() {
            if let Ok(b) = xms::alloc(kb) {
                let linear = b.linear;
                return Some(FarBuf { backing: Some(Backing::Xms(b)), linear, len: kb as usize * 1024 });
            }
        }
        let paragraphs = u16::try_from(kb * 64).ok()?;
        let seg = conv::alloc(paragraphs).ok()?;
        Some(FarBuf { backing: Some(Backing::Conventional(seg)), linear: (seg as u32) << 4, len: kb as usize * 1024 })
    }

    pub fn is_xms(&self) -> bool {
        matches!(self.backing, Some(Backing::Xms(_)))
    }

    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: the block is ours until drop, `len` bytes long, and reachable from DS
        // through the 4 GB data segment; `&mut self` guarantees no other slice of it is alive.
        unsafe { core::slice::from_raw_parts_mut(flat::pointer(self.linear), self.len) }
    }
}

impl Drop for FarBuf {
    fn drop(&mut self) {
        match self.backing.take() {
            Some(Backing::Xms(b)) => xms::free(b),
            Some(Backing::Conventional(seg)) => conv::free(seg),
            None => {}
        }
    }
}
