//! A loaded program: the verified module with safepoints placed, plus what
//! every engine derives from it once (type and frame layouts, global
//! addresses, the catalog builtin of each declaration, resume points, the
//! allocation types), each in a vector indexed by its entity.

use pivm_ir::contract::AllocTypes;
use pivm_ir::frame::FrameLayout;
use pivm_ir::liveness::LocalSet;
use pivm_ir::safepoints::{self, ResumePoint};
use pivm_ir::{
    Block, Builtin, BuiltinId, EntityVec, FuncId, GlobalId, Module, ResumeId, TypeLayouts,
};
use std::collections::HashMap;

use crate::error::VmError;
use crate::memory::MemLayout;

pub struct Program {
    pub module: Module,
    pub layouts: TypeLayouts,
    /// Shadow-stack frame layout of each function.
    pub frames: EntityVec<FuncId, FrameLayout>,
    /// The catalog builtin each declaration names.
    pub builtins: EntityVec<BuiltinId, Builtin>,
    /// Resume points of each function.
    pub resume_points: EntityVec<FuncId, EntityVec<ResumeId, ResumePoint>>,
    /// The locals a frame holds at each resume point, per function (the
    /// others are 0 in a frame, on every engine).
    pub live: EntityVec<FuncId, EntityVec<ResumeId, LocalSet>>,
    /// The resume point at each (block, instruction index) that is one,
    /// per function.
    pub resume_ids: EntityVec<FuncId, HashMap<(Block, usize), ResumeId>>,
    /// The setjmp sites of each function (`pivm_ir::jmp::setjmp_sites`).
    pub setjmp_sites: EntityVec<FuncId, Vec<(Block, usize)>>,
    /// The allocation types an engine passes to allocation builtins.
    pub alloc_types: AllocTypes,
    /// VM address of each global.
    pub global_addrs: EntityVec<GlobalId, u64>,
    /// VM address of the program's `errno` (the int `errno.h` defines),
    /// which builtins set on failure; `None` if it has none.
    pub errno: Option<u64>,
    pub mem: MemLayout,
    /// Whether the program can start threads or processes, block or
    /// sleep (declares `Builtin::ThreadCreate`, `Fork`, `FutexWait`,
    /// `Pipe`, `SleepUntil`, `FutexWaitUntil` or `Alarm`): its schedule
    /// then counts every safepoint (`sched`).
    pub threaded: bool,
    /// The program reads the monotonic clock or sets deadlines on it
    /// (`timer`): its snapshots record the clock.
    pub timed: bool,
    /// VM address of signal.h's pending set (`__pivm_sig_pending`, a u64,
    /// bit `sig - 1`), and the function that delivers it
    /// (`__pivm_sig_run_pending`): how a signal from another process
    /// reaches this one (`proc::post_signal`).
    pub sig_pending: Option<u64>,
    pub sig_deliver: Option<FuncId>,
    /// What an indirect call and a thread can reach
    /// (`pivm_ir::contract::Reach`).
    pub reach: pivm_ir::contract::Reach,
}

impl Program {
    /// Verifies `module`, places its safepoints and lays it out.
    pub fn new(mut module: Module, stack_size: u64) -> Result<Program, VmError> {
        pivm_ir::verify(&module).map_err(|e| VmError::new(e.to_string()))?;
        safepoints::place(&mut module);
        Program::lay_out(module, stack_size)
    }

    /// Verifies `module`, whose safepoints are placed already (a snapshot's
    /// program, checked canonical and placed by `pivm_snapshot`, perhaps as
    /// an older pivm placed them), and lays it out.
    pub fn placed(module: Module, stack_size: u64) -> Result<Program, VmError> {
        pivm_ir::verify(&module).map_err(|e| VmError::new(e.to_string()))?;
        Program::lay_out(module, stack_size)
    }

    /// Lays out the verified, placed `module`.
    fn lay_out(module: Module, stack_size: u64) -> Result<Program, VmError> {
        let layouts = TypeLayouts::new(&module.types);
        let frames = module
            .funcs
            .values()
            .map(|f| FrameLayout::new(&module, f, &layouts))
            .collect::<Vec<_>>()
            .into();
        let builtins: EntityVec<BuiltinId, Builtin> = module
            .builtins
            .keys()
            .map(|id| {
                module.builtin(id).ok_or_else(|| {
                    VmError::new(format!("unknown builtin @{}", module.builtins[id].name))
                })
            })
            .collect::<Result<Vec<Builtin>, _>>()?
            .into();
        let resume_points: EntityVec<FuncId, EntityVec<ResumeId, ResumePoint>> = module
            .funcs
            .values()
            .map(|f| safepoints::resume_points(f).into())
            .collect::<Vec<_>>()
            .into();
        let resume_ids = resume_points
            .values()
            .map(|rps| {
                rps.iter()
                    .map(|(id, rp)| ((rp.block, rp.inst), id))
                    .collect()
            })
            .collect::<Vec<_>>()
            .into();
        let live = module
            .funcs
            .values()
            .map(|f| pivm_ir::liveness::frame_liveness(&module, f).into())
            .collect::<Vec<_>>()
            .into();
        let setjmp_sites = module
            .funcs
            .values()
            .map(|f| pivm_ir::jmp::setjmp_sites(&module, f))
            .collect::<Vec<_>>()
            .into();

        // Anything that can block waits for a switch (a lone thread that
        // blocks for good is then a deadlock, not a spin).
        let threaded = builtins.values().any(|b| {
            matches!(
                b,
                Builtin::ThreadCreate
                    | Builtin::Fork
                    | Builtin::FutexWait
                    | Builtin::Pipe
                    | Builtin::SleepUntil
                    | Builtin::FutexWaitUntil
                    | Builtin::Alarm
            )
        });
        // Deadlines are on the monotonic clock: a snapshot records it.
        let timed = builtins.values().any(|b| {
            matches!(
                b,
                Builtin::ClockNs | Builtin::SleepUntil | Builtin::FutexWaitUntil | Builtin::Alarm
            )
        });
        let alloc_types = AllocTypes::new(&module);
        let (mem, global_addrs) = MemLayout::new(&module, &layouts, stack_size)?;
        let errno = module
            .errno()
            .map(|id| global_addrs[pivm_ir::entities::EntityRef::index(id)]);
        let sig_pending = module
            .globals
            .iter()
            .find(|(_, g)| {
                g.name == "__pivm_sig_pending"
                    && g.ty == pivm_ir::MemType::Scalar(pivm_ir::Type::I64)
            })
            .map(|(id, _)| global_addrs[pivm_ir::entities::EntityRef::index(id)]);
        let sig_deliver = pivm_ir::contract::signal_entry(&module);
        let reach = pivm_ir::contract::Reach::of(&module);
        Ok(Program {
            module,
            layouts,
            frames,
            builtins,
            resume_points,
            live,
            resume_ids,
            setjmp_sites,
            alloc_types,
            global_addrs: global_addrs.into(),
            errno,
            mem,
            threaded,
            timed,
            sig_pending: sig_pending.filter(|_| sig_deliver.is_some()),
            sig_deliver,
            reach,
        })
    }

    pub fn func_name(&self, f: FuncId) -> &str {
        self.module
            .funcs
            .get(f)
            .map_or("?", |func| func.name.as_str())
    }

    /// The resume point `rp` of `f`, if it has one.
    pub fn resume_point(&self, f: FuncId, rp: ResumeId) -> Option<ResumePoint> {
        self.resume_points.get(f)?.get(rp).copied()
    }

    /// The size of `f`'s shadow-stack frame (0 for an unknown function).
    pub fn frame_size(&self, f: FuncId) -> u64 {
        self.frames.get(f).map_or(0, |l| l.size)
    }
}
