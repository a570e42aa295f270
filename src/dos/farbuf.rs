//! A byte buffer outside our 64 KB segment: an extended memory block when there is a
//! source, else a conventional block. Freed on drop (and by the exit path, for extended
//! memory).
use super::{conv, extmem, flat};

enum Backing {
    Extended(extmem::Block),
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
        if let Ok(b) = extmem::alloc(kb) {
            let linear = b.linear;
            return Some(FarBuf { backing: Some(Backing::Extended(b)), linear, len: kb as usize * 1024 });
        }
        let paragraphs = u16::try_from(kb * 64).ok()?;
        let seg = conv::alloc(paragraphs).ok()?;
        Some(FarBuf { backing: Some(Backing::Conventional(seg)), linear: (seg as u32) << 4, len: kb as usize * 1024 })
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
            Some(Backing::Extended(b)) => extmem::free(b),
            Some(Backing::Conventional(seg)) => conv::free(seg),
            None => {}
        }
    }
}
