//! Logical frames and shadow-stack frame layout: what a snapshot holds of
//! a running function, the same for every engine on every host.

use crate::entities::{FuncId, ResumeId, SlotId};
use crate::module::{Function, Module};
use crate::types::{align_up, TypeLayouts};

/// Shadow-stack frames are aligned to, and sized in multiples of, 16 bytes.
pub const STACK_ALIGN: u64 = 16;

/// One function activation, as the unwind protocol saves it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Frame {
    pub func: FuncId,
    /// The resume point (`safepoints::resume_points`) execution stopped at.
    pub resume: ResumeId,
    /// VM address of this activation's shadow-stack frame.
    pub stack_base: u64,
    /// The value of every local, zero-extended bits (floats as IEEE bits).
    pub locals: Vec<u64>,
}

/// Where each slot of a function lives in its shadow-stack frame.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct FrameLayout {
    pub slot_offsets: Vec<u64>,
    /// Frame size, a multiple of `STACK_ALIGN` (0 for a function without slots).
    pub size: u64,
}

impl FrameLayout {
    /// Lays out the slots in declaration order, after the header of a
    /// function that calls `setjmp` (`jmp::HEADER`, its activation's
    /// serial). Slots whose type has no layout (rejected by the verifier)
    /// take no space.
    pub fn new(m: &Module, func: &Function, layouts: &TypeLayouts) -> FrameLayout {
        let mut off = if crate::jmp::calls_setjmp(m, func) {
            crate::jmp::HEADER
        } else {
            0
        };
        let mut slot_offsets = Vec::with_capacity(func.slots.len());
        for s in func.slots.values() {
            let l = layouts
                .of(&s.ty)
                .unwrap_or(crate::Layout { size: 0, align: 1 });
            off = align_up(off, l.align.max(s.align).min(STACK_ALIGN));
            slot_offsets.push(off);
            off = off.saturating_add(l.size);
        }
        FrameLayout {
            slot_offsets,
            size: align_up(off, STACK_ALIGN),
        }
    }

    pub fn slot_offset(&self, s: SlotId) -> u64 {
        self.slot_offsets[s.0 as usize]
    }
}

/// Frame layouts of every function of a module, indexed by `FuncId`.
pub fn frame_layouts(module: &Module, layouts: &TypeLayouts) -> Vec<FrameLayout> {
    module
        .funcs
        .values()
        .map(|f| FrameLayout::new(module, f, layouts))
        .collect()
}
