//! CRC-32 (IEEE 802.3, as zlib computes it) with one 1 KB table: small enough for
//! GEN.EXE, which checks every section it reads.

static CRC32: crc::Crc<u32, crc::Table<1>> = crc::Crc::<u32, crc::Table<1>>::new(&crc::CRC_32_ISO_HDLC);

pub fn hash(bytes: &[u8]) -> u32 {
    CRC32.checksum(bytes)
}

/// An incremental CRC-32.
pub struct Hasher(crc::Digest<'static, u32, crc::Table<1>>);

impl Hasher {
    pub fn new() -> Hasher {
        Hasher(CRC32.digest())
    }
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    pub fn finalize(self) -> u32 {
        self.0.finalize()
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Hasher::new()
    }
}
