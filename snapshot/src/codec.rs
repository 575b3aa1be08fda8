//! Optional compression of a snapshot's memory sections (`--compress`).
//!
//! A compressed file stores each section as blocks, one per `BLOCK` bytes
//! of VM memory (the last one shorter), written straight from VM memory
//! and read straight back into it through one block-sized buffer, so
//! compression costs no memory beyond that buffer. A block is a
//! little-endian `u32` word and the bytes it counts: the low 31 bits are
//! the stored length, the top bit says the block is stored raw (it did
//! not shrink). The header flag names the codec; the table records each
//! section's stored length beside its length and CRC-32C, which is of the
//! uncompressed bytes, so a corrupt or hostile block is caught twice: by
//! the decoder, which must produce exactly the block's length, and by the
//! checksum.

use crate::header::{FLAG_LZ4, FLAG_ZSTD};

/// VM memory bytes per block.
pub const BLOCK: usize = 2 << 20;
/// The top bit of a block's word: stored raw.
const RAW: u32 = 1 << 31;
/// The size of a block's word.
pub const WORD: u64 = 4;

/// How memory sections are stored.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub enum Codec {
    /// Raw, each section at a file offset congruent to its VM address
    /// modulo 4096 (the file can be mapped).
    #[default]
    None,
    /// LZ4 blocks (`lz4_flex`'s block format).
    Lz4,
    /// Zstandard frames, at this compression level.
    Zstd(i32),
}

/// The Zstandard level `--compress zstd` uses: fast enough to keep up
/// with a disk.
pub const ZSTD_DEFAULT_LEVEL: i32 = 1;

impl Codec {
    /// `none`, `lz4`, `zstd` or `zstd:LEVEL` (1 to 19).
    pub fn parse(s: &str) -> Result<Codec, String> {
        match s {
            "none" => Ok(Codec::None),
            "lz4" => Ok(Codec::Lz4),
            "zstd" => Ok(Codec::Zstd(ZSTD_DEFAULT_LEVEL)),
            _ => match s.strip_prefix("zstd:").map(str::parse::<i32>) {
                Some(Ok(l)) if (1..=19).contains(&l) => Ok(Codec::Zstd(l)),
                Some(_) => Err(format!(
                    "bad zstd level in '{s}': give a level from 1 to 19"
                )),
                None => Err(format!(
                    "unknown compression '{s}': use none, lz4, zstd or zstd:LEVEL"
                )),
            },
        }
    }

    /// How `pivm inspect` names the storage of memory.
    pub fn name(self) -> &'static str {
        match self {
            Codec::None => "raw",
            Codec::Lz4 => "lz4",
            Codec::Zstd(_) => "zstd",
        }
    }

    /// The header flag naming the codec (0 for none).
    pub fn flag(self) -> u32 {
        match self {
            Codec::None => 0,
            Codec::Lz4 => FLAG_LZ4,
            Codec::Zstd(_) => FLAG_ZSTD,
        }
    }

    /// The codec a header's flags name (the level is the writer's affair:
    /// any level decodes alike). `Header::decode` refuses flags naming two.
    pub fn from_flags(flags: u32) -> Codec {
        if flags & FLAG_ZSTD != 0 {
            Codec::Zstd(ZSTD_DEFAULT_LEVEL)
        } else if flags & FLAG_LZ4 != 0 {
            Codec::Lz4
        } else {
            Codec::None
        }
    }

    /// The largest stored length of a block of `len` bytes, word excluded:
    /// a block that would not shrink is stored raw.
    pub fn max_stored(len: usize) -> usize {
        len
    }

    /// The number of blocks of a section of `len` bytes.
    pub fn blocks(len: u64) -> u64 {
        len.div_ceil(BLOCK as u64)
    }
}

/// Compresses blocks into one reused buffer.
pub struct Compressor {
    codec: Codec,
    zstd: Option<zstd::bulk::Compressor<'static>>,
    buf: Vec<u8>,
}

impl Compressor {
    pub fn new(codec: Codec) -> std::io::Result<Compressor> {
        let (zstd, bound) = match codec {
            Codec::None => (None, 0),
            Codec::Lz4 => (None, lz4_flex::block::get_maximum_output_size(BLOCK)),
            Codec::Zstd(level) => (
                Some(zstd::bulk::Compressor::new(level)?),
                zstd::zstd_safe::compress_bound(BLOCK),
            ),
        };
        Ok(Compressor {
            codec,
            zstd,
            buf: vec![0; bound],
        })
    }

    /// The word and the stored bytes of one block (at most `BLOCK` bytes):
    /// compressed if that shrinks it, else `block` itself.
    pub fn block<'a>(&'a mut self, block: &'a [u8]) -> std::io::Result<([u8; 4], &'a [u8])> {
        debug_assert!(block.len() <= BLOCK);
        let n = match (self.codec, &mut self.zstd) {
            (Codec::Lz4, _) => lz4_flex::block::compress_into(block, &mut self.buf)
                .map_err(|e| std::io::Error::other(format!("lz4: {e}")))?,
            (Codec::Zstd(_), Some(z)) => z.compress_to_buffer(block, &mut self.buf[..])?,
            _ => block.len(),
        };
        if n < block.len() {
            Ok(((n as u32).to_le_bytes(), &self.buf[..n]))
        } else {
            Ok(((block.len() as u32 | RAW).to_le_bytes(), block))
        }
    }
}

/// Decompresses blocks straight into their place in VM memory.
pub struct Decompressor {
    codec: Codec,
    zstd: Option<zstd::bulk::Decompressor<'static>>,
}

impl Decompressor {
    pub fn new(codec: Codec) -> std::io::Result<Decompressor> {
        let zstd = match codec {
            Codec::Zstd(_) => Some(zstd::bulk::Decompressor::new()?),
            _ => None,
        };
        Ok(Decompressor { codec, zstd })
    }

    /// A block's word: its stored length and whether it is raw, or why the
    /// word is impossible for a block of `len` bytes.
    pub fn word(word: [u8; 4], len: usize) -> Result<(usize, bool), String> {
        let w = u32::from_le_bytes(word);
        let (n, raw) = ((w & !RAW) as usize, w & RAW != 0);
        if raw && n != len {
            return Err(format!("a raw block holds {n} bytes instead of {len}"));
        }
        if n == 0 || n > Codec::max_stored(len) {
            return Err(format!(
                "a compressed block of {len} bytes claims {n} stored bytes"
            ));
        }
        Ok((n, raw))
    }

    /// Decodes a compressed block `stored` into `dst`, which it must fill
    /// exactly.
    pub fn block(&mut self, stored: &[u8], dst: &mut [u8]) -> Result<(), String> {
        let n = match (self.codec, &mut self.zstd) {
            (Codec::Lz4, _) => {
                lz4_flex::block::decompress_into(stored, dst).map_err(|e| format!("lz4: {e}"))?
            }
            (Codec::Zstd(_), Some(z)) => z
                .decompress_to_buffer(stored, dst)
                .map_err(|e| format!("zstd: {e}"))?,
            _ => return Err("the file is not compressed".to_string()),
        };
        if n != dst.len() {
            return Err(format!(
                "a block decodes to {n} bytes instead of {}",
                dst.len()
            ));
        }
        Ok(())
    }
}
