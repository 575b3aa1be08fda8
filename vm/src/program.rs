//! A loaded program: the verified module with safepoints placed, plus what
//! every engine derives from it once (type and frame layouts, global
//! addresses, the catalog index of each declared builtin, resume points).

use pivm_ir::frame::{frame_layouts, FrameLayout};
use pivm_ir::safepoints::{self, ResumePoint};
use pivm_ir::{builtins, Callee, EntityRef, FuncId, InstKind, MemType, Module, TypeLayouts};
use std::collections::HashMap;

use crate::error::VmError;
use crate::memory::MemLayout;

pub struct Program {
    pub module: Module,
    pub layouts: TypeLayouts,
    pub frames: Vec<FrameLayout>,
    /// `BUILTINS` index of each `BuiltinId`.
    pub builtin_index: Vec<usize>,
    /// Resume points of each function, by resume-point id.
    pub resume_points: Vec<Vec<ResumePoint>>,
    /// The locals a frame holds at each resume point, per function (the
    /// others are 0 in a frame, on every engine).
    pub live: Vec<Vec<pivm_ir::liveness::LocalSet>>,
    /// Resume-point id of each (block, inst) that is one, per function.
    pub resume_ids: Vec<HashMap<(u32, u32), u32>>,
    /// The distinct `as T` types of allocation calls, in module order: the
    /// key an engine passes to an allocation builtin is 1 + the index here.
    pub alloc_types: Vec<MemType>,
    pub global_addrs: Vec<u64>,
    pub mem: MemLayout,
}

/// The distinct allocation types of `module` in order of first appearance
/// (the table JIT code indexes; the convention is `pivm_jit::abi`'s).
pub fn alloc_types(module: &Module) -> Vec<MemType> {
    pivm_jit::abi::alloc_types(module)
}

impl Program {
    /// Verifies `module`, places its safepoints and lays it out.
    pub fn new(mut module: Module, stack_size: u64) -> Result<Program, VmError> {
        pivm_ir::verify(&module).map_err(|e| VmError::new(e.to_string()))?;
        safepoints::place(&mut module);
        let layouts = TypeLayouts::new(&module.types);
        let frames = frame_layouts(&module, &layouts);
        let builtin_index = module
            .builtins
            .values()
            .map(|b| {
                builtins::lookup(&b.name)
                    .ok_or_else(|| VmError::new(format!("unknown builtin @{}", b.name)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let resume_points: Vec<Vec<ResumePoint>> = module
            .funcs
            .values()
            .map(safepoints::resume_points)
            .collect();
        let resume_ids = resume_points
            .iter()
            .map(|rps| {
                rps.iter()
                    .enumerate()
                    .map(|(id, rp)| ((rp.block.index() as u32, rp.inst as u32), id as u32))
                    .collect()
            })
            .collect();
        let alloc_types = alloc_types(&module);
        let live = module
            .funcs
            .values()
            .map(pivm_ir::liveness::frame_liveness)
            .collect();
        let (mem, global_addrs) = MemLayout::new(&module, &layouts, stack_size)?;
        Ok(Program {
            module,
            layouts,
            frames,
            builtin_index,
            resume_points,
            live,
            resume_ids,
            alloc_types,
            global_addrs,
            mem,
        })
    }

    pub fn func_name(&self, f: FuncId) -> &str {
        self.module
            .funcs
            .get(f)
            .map_or("?", |func| func.name.as_str())
    }

    /// Whether the call at resume point `rp` of `f` may call `callee`
    /// directly (indirect calls are checked against the pointer value).
    pub fn calls(&self, f: FuncId, rp: &ResumePoint) -> Option<&Callee> {
        let inst = &self.module.funcs[f].blocks[rp.block].insts[rp.inst];
        match &inst.kind {
            InstKind::Call { callee, .. } => Some(callee),
            _ => None,
        }
    }
}
