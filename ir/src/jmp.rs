//! `setjmp`/`longjmp`: the rules every engine and the snapshot keep, so a
//! `jmp_buf` set on one engine and host is jumped to on another.
//!
//! A `jmp_buf` is VM memory holding no host address: the target frame's
//! call depth, function, shadow-stack base and serial number, and which
//! `setjmp` of that function set it (`JmpBuf`, laid out at the `OFF_*`
//! offsets, little-endian like all VM memory).
//!
//! - **Sites.** The calls to the `setjmp` builtin of a function are its
//!   setjmp sites, numbered from 0 in layout order (`setjmp_sites`), as
//!   resume points are: "site 1 of `f`" means the same on every engine.
//!   A site is not a resume point: a frame is never stopped at one.
//! - **Serials.** The shadow-stack frame of a function that calls `setjmp`
//!   starts with an 8-byte header (`HEADER`, `frame::FrameLayout`) where
//!   every activation, when it is entered (not when it is rewound), stores
//!   a serial number one above the last one given (the counter is
//!   runtime state, kept in the snapshot). `setjmp` copies it into the
//!   buffer, so a buffer whose frame has returned no longer matches
//!   whatever frame runs at that depth now.
//! - **longjmp** checks the buffer at the call (`check_buf`: set, and its
//!   depth at most the caller's), then every frame above the target is
//!   discarded and the target frame lands (`lands`): the frame at the
//!   buffer's depth must be the buffer's function at its stack base with
//!   its serial, and the site must exist. Execution continues right after
//!   that site's call, whose result is the value passed (1 for 0). Both
//!   checks fail with `TrapKind::BadLongjmp` at the `longjmp` call.
//! - **Locals** keep the values they had when the target frame made the
//!   call that led to the `longjmp` (C promises this only for `volatile`
//!   ones; pivm gives every local the same, on both engines). So a local
//!   live right after a site is live at every call that may `longjmp`
//!   (`may_longjmp`): liveness (`liveness::frame_liveness`) adds those
//!   edges, and a frame saved at any call keeps what a landing reads.

use crate::builtins::Builtin;
use crate::entities::Block;
use crate::module::{Callee, Function, InstKind, Module};

/// Bytes of the frame header of a function that calls `setjmp` (the
/// serial, then padding to the stack alignment).
pub const HEADER: u64 = 16;

/// `jmp_buf` layout: byte offsets of the fields `setjmp` writes.
pub const OFF_SERIAL: u64 = 0;
pub const OFF_STACK_BASE: u64 = 8;
pub const OFF_DEPTH: u64 = 16;
pub const OFF_FUNC: u64 = 20;
pub const OFF_SITE: u64 = 24;
/// The bytes `setjmp` writes (the C type may be larger).
pub const JMP_BUF_SIZE: u64 = 32;

/// What a `jmp_buf` holds.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct JmpBuf {
    /// The target activation's serial; 0 in a buffer never set.
    pub serial: u64,
    pub stack_base: u64,
    /// Call depth of the target frame (`main` is 1).
    pub depth: u32,
    pub func: u32,
    /// The setjmp site of `func`.
    pub site: u32,
}

impl JmpBuf {
    /// The buffer's bytes.
    pub fn to_bytes(&self) -> [u8; JMP_BUF_SIZE as usize] {
        let mut b = [0u8; JMP_BUF_SIZE as usize];
        b[0..8].copy_from_slice(&self.serial.to_le_bytes());
        b[8..16].copy_from_slice(&self.stack_base.to_le_bytes());
        b[16..20].copy_from_slice(&self.depth.to_le_bytes());
        b[20..24].copy_from_slice(&self.func.to_le_bytes());
        b[24..28].copy_from_slice(&self.site.to_le_bytes());
        b
    }

    /// A buffer read back from its bytes.
    pub fn from_bytes(b: &[u8; JMP_BUF_SIZE as usize]) -> JmpBuf {
        let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().expect("8 bytes"));
        let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().expect("4 bytes"));
        JmpBuf {
            serial: u64_at(OFF_SERIAL as usize),
            stack_base: u64_at(OFF_STACK_BASE as usize),
            depth: u32_at(OFF_DEPTH as usize),
            func: u32_at(OFF_FUNC as usize),
            site: u32_at(OFF_SITE as usize),
        }
    }

    /// The check at the `longjmp` call, made by `depth`'s frame: the
    /// buffer was set and its frame can still be running.
    pub fn check_at_call(&self, depth: u32) -> bool {
        self.serial != 0 && self.depth >= 1 && self.depth <= depth
    }

    /// The check at the target: whether the frame at the buffer's depth,
    /// of function `func` at `stack_base` whose header holds `serial`, is
    /// the one the buffer was set in, with `sites` setjmp sites.
    pub fn lands(&self, func: u32, stack_base: u64, serial: u64, sites: usize) -> bool {
        self.func == func
            && self.stack_base == stack_base
            && self.serial == serial
            && (self.site as usize) < sites
    }
}

/// Whether `k` calls the `setjmp` builtin.
pub fn is_setjmp(m: &Module, k: &InstKind) -> bool {
    matches!(k, InstKind::Call { callee: Callee::Builtin(b), .. } if m.builtin(*b) == Some(Builtin::Setjmp))
}

/// Whether `k` is a call from which a `longjmp` may come back to this
/// frame: a call to a function of the module or to `longjmp`.
pub fn may_longjmp(m: &Module, k: &InstKind) -> bool {
    match k {
        InstKind::Call {
            callee: Callee::Builtin(b),
            ..
        } => m.builtin(*b) == Some(Builtin::Longjmp),
        InstKind::Call { .. } => true,
        _ => false,
    }
}

/// The setjmp sites of `f` (block, instruction index), in layout order.
pub fn setjmp_sites(m: &Module, f: &Function) -> Vec<(Block, usize)> {
    let mut v = Vec::new();
    for (b, data) in f.blocks.iter() {
        for (i, inst) in data.insts.iter().enumerate() {
            if is_setjmp(m, &inst.kind) {
                v.push((b, i));
            }
        }
    }
    v
}

/// Whether `f` calls `setjmp` (and so has a frame header).
pub fn calls_setjmp(m: &Module, f: &Function) -> bool {
    f.blocks
        .values()
        .flat_map(|d| &d.insts)
        .any(|i| is_setjmp(m, &i.kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffer_round_trips_and_checks() {
        let b = JmpBuf {
            serial: 7,
            stack_base: 0x1_0000,
            depth: 3,
            func: 2,
            site: 1,
        };
        assert_eq!(JmpBuf::from_bytes(&b.to_bytes()), b);
        assert!(b.check_at_call(3) && b.check_at_call(9));
        assert!(!b.check_at_call(2), "its frame has returned");
        let never = JmpBuf::from_bytes(&[0; JMP_BUF_SIZE as usize]);
        assert!(!never.check_at_call(5));
        assert!(b.lands(2, 0x1_0000, 7, 2));
        assert!(!b.lands(2, 0x1_0000, 8, 2), "another activation");
        assert!(!b.lands(2, 0x1_0000, 7, 1), "no such site");
        assert!(!b.lands(1, 0x1_0000, 7, 2));
    }
}
