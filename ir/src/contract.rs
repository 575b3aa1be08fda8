//! The contract every engine and the snapshot format keep, defined once:
//! which VM addresses a program may touch, which indirect calls reach their
//! target, how an allocation call names the type it allocates, and which
//! chains of logical frames are a running program. The JIT, the interpreter
//! and the snapshot validator all call these functions; none restates a
//! rule.
//!
//! Everything here is a pure function of the module and of VM values, the
//! same on every host.

use std::collections::HashMap;
use std::fmt;

use crate::entities::{EntityRef, FuncId};
use crate::frame::FrameLayout;
use crate::module::{
    AddrOf, Callee, Function, InitItem, InstKind, Module, Operand, Signature, SymbolRef,
};
use crate::safepoints::{self, ResumeId, ResumePoint};
use crate::types::{MemType, Type, TypeLayouts};

/// Addresses below this are the null page: never mapped, so a null (or
/// small) pointer dereference traps. Function pointers and stream handles
/// are small integers inside it, so they can never be dereferenced.
pub const NULL_PAGE: u64 = 4096;

/// The highest stream handle (`FILE *`): handles live in the null page.
pub const MAX_STREAM_HANDLE: u64 = NULL_PAGE - 1;

/// The bytes `ungetc` can push back onto stdin at once (stdin cannot step
/// back, so the runtime keeps them, and a snapshot holds them): scanf's
/// lookahead and one of the program's own.
pub const MAX_STDIN_UNREAD: usize = 4;

/// Every load and store is at most this many bytes; the VM keeps this many
/// bytes of padding past the end of the last allocation so that the
/// single-compare check of `access_ok` never rejects an access inside an
/// allocation.
pub const MAX_ACCESS: u64 = 8;

/// Whether an access of at most `MAX_ACCESS` bytes at VM address `addr` is
/// allowed, given the memory's `bound` (`bound_for_limit`): `addr -
/// NULL_PAGE <= bound` (unsigned, wrapping), one subtract and one compare.
/// Both engines use exactly this.
#[inline(always)]
pub fn access_ok(addr: u64, bound: u64) -> bool {
    addr.wrapping_sub(NULL_PAGE) <= bound
}

/// The `bound` of a memory whose valid addresses end at `limit`
/// (exclusive, padding included).
pub fn bound_for_limit(limit: u64) -> u64 {
    limit.saturating_sub(NULL_PAGE + MAX_ACCESS)
}

/// Whether an indirect call may call a function of signature `callee`:
/// `args` are the types of the call's arguments and `dst` the type of the
/// local receiving the result. The argument count must be equal and every
/// argument compatible (`Type::compatible`: `ptr` and `i64` mix); a call
/// that uses the result needs a callee returning a compatible type, a call
/// that ignores it accepts any callee. Otherwise the call traps with
/// `TrapKind::BadFunctionPointer`.
pub fn indirect_call_ok(args: &[Type], dst: Option<Type>, callee: &Signature) -> bool {
    args.len() == callee.params.len()
        && args
            .iter()
            .zip(&callee.params)
            .all(|(a, p)| a.compatible(*p))
        && match dst {
            None => true,
            Some(d) => callee.ret.is_some_and(|r| r.compatible(d)),
        }
}

/// The function an indirect call in `caller` with these `args` and `dst`
/// reaches when its pointer operand is `ptr`, or `None` if the call traps
/// (no such function, a function whose address the module never takes,
/// or `indirect_call_ok` fails). `taken` is `address_taken(module)`.
pub fn indirect_target(
    module: &Module,
    taken: &[bool],
    caller: &Function,
    args: &[(Type, Operand)],
    dst: Option<crate::Local>,
    ptr: u64,
) -> Option<FuncId> {
    let target = module.func_from_ptr(ptr)?;
    if !taken.get(target.index()).copied().unwrap_or(false) {
        return None;
    }
    let types: Vec<Type> = args.iter().map(|a| a.0).collect();
    let dst = dst.map(|d| caller.locals[d].ty);
    indirect_call_ok(&types, dst, &module.funcs[target].signature()).then_some(target)
}

/// Per function: whether the module takes its address (`addr @f` in a
/// function, or a global initialized with it). A function pointer is a
/// small integer (`Module::func_ptr`), so a program can make one of any
/// function from an integer; only these are functions an indirect call
/// (`indirect_target`) or a thread's start reaches: a C program gets a
/// function pointer only by taking the function's address, and a function
/// it never takes (one inlined everywhere, or the original of a copy the
/// optimizer made) is then never entered but by a direct call.
pub fn address_taken(module: &Module) -> Vec<bool> {
    let mut taken = vec![false; module.funcs.len()];
    let mut set = |f: FuncId| {
        if let Some(t) = taken.get_mut(f.index()) {
            *t = true;
        }
    };
    for g in module.globals.values() {
        for item in &g.init {
            if let InitItem::Addr(SymbolRef::Func(f), _) = item {
                set(*f);
            }
        }
    }
    for f in module.funcs.values() {
        for inst in f.blocks.values().flat_map(|b| &b.insts) {
            if let InstKind::Addr {
                of: AddrOf::Func(g),
                ..
            } = inst.kind
            {
                set(g);
            }
        }
    }
    taken
}

/// The signal-delivery function the runtime starts on a thread of its own
/// when another process signals the program (`__pivm_sig_run_pending`,
/// signal.h; a static function, so its IR name may carry a unit's
/// suffix), if the module has one.
pub fn signal_entry(module: &Module) -> Option<FuncId> {
    module
        .funcs
        .iter()
        .find(|(_, f)| f.name.starts_with("__pivm_sig_run_pending") && f.num_params == 0)
        .map(|(id, _)| id)
}

/// What indirect calls and threads can reach in a module, computed once
/// per program (or per snapshot validation).
#[derive(Clone, Debug, Default)]
pub struct Reach {
    /// Per function: `address_taken`.
    pub taken: Vec<bool>,
    /// Per function: whether a thread can start in it: `main`, the
    /// module's first function, the signal entry (`signal_entry`) and
    /// every function whose address is taken (`pthread_create`, signal
    /// handlers, `atexit`).
    pub starts: Vec<bool>,
}

impl Reach {
    pub fn of(module: &Module) -> Reach {
        let taken = address_taken(module);
        let mut starts = taken.clone();
        let entries = [
            (!starts.is_empty()).then(|| FuncId::new(0)),
            module.func_by_name("main"),
            signal_entry(module),
        ];
        for f in entries.into_iter().flatten() {
            starts[f.index()] = true;
        }
        Reach { taken, starts }
    }

    /// Per function: whether it can run: a thread can start in it
    /// (`starts`) or a function that can run calls it directly. No other
    /// function is ever entered (a snapshot's frames are checked to be a
    /// chain of calls from a start, `check_frame_chain`), so an engine
    /// need not compile them.
    pub fn can_run(&self, module: &Module) -> Vec<bool> {
        let mut live = self.starts.clone();
        let mut work: Vec<FuncId> = (0..live.len())
            .filter(|&i| live[i])
            .map(FuncId::new)
            .collect();
        while let Some(f) = work.pop() {
            for inst in module.funcs[f].blocks.values().flat_map(|b| &b.insts) {
                if let InstKind::Call {
                    callee: Callee::Func(g),
                    ..
                } = inst.kind
                {
                    if let Some(l) = live.get_mut(g.index()) {
                        if !*l {
                            *l = true;
                            work.push(g);
                        }
                    }
                }
            }
        }
        live
    }
}

/// The allocation types of a module: the distinct `as T` types of its
/// calls, in order of first appearance (functions, blocks, instructions in
/// layout order). An allocation builtin (`Builtin::is_alloc`) called with
/// `as T` learns `T` from its *key*, `1 +` the index of `T` here; key 0
/// means "type unknown". Compiled code passes the key as one extra
/// trailing argument; the interpreter looks the type up directly.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AllocTypes(Vec<MemType>);

impl AllocTypes {
    pub fn new(module: &Module) -> AllocTypes {
        let mut v: Vec<MemType> = Vec::new();
        for f in module.funcs.values() {
            for b in f.blocks.values() {
                for i in &b.insts {
                    if let InstKind::Call {
                        alloc_type: Some(t),
                        ..
                    } = &i.kind
                    {
                        if !v.contains(t) {
                            v.push(t.clone());
                        }
                    }
                }
            }
        }
        AllocTypes(v)
    }

    /// The key of `t` (0 if `t` is not one of the module's allocation types).
    pub fn key(&self, t: &MemType) -> u64 {
        self.0
            .iter()
            .position(|x| x == t)
            .map_or(0, |i| i as u64 + 1)
    }

    /// The type a key names (`None` for 0 or an out-of-range key).
    pub fn get(&self, key: u64) -> Option<&MemType> {
        self.0.get(usize::try_from(key.checked_sub(1)?).ok()?)
    }

    pub fn as_slice(&self) -> &[MemType] {
        &self.0
    }
}

/// One logical frame as the frame-chain rule sees it; `locals` are the
/// zero-extended bits of every local.
#[derive(Copy, Clone, Debug)]
pub struct FrameView<'a> {
    pub func: FuncId,
    pub resume: ResumeId,
    pub stack_base: u64,
    pub locals: &'a [u64],
}

/// Where a chain of frames may lie.
#[derive(Copy, Clone, Debug)]
pub struct ChainLimits {
    /// VM address of the shadow stack's first byte: `main`'s frame starts
    /// here.
    pub stack_start: u64,
    /// The innermost frame must end at or below this address (the stack
    /// pointer recorded in a snapshot, or the end of the shadow stack).
    pub stack_top: u64,
    /// At most this many frames (the call-depth limit).
    pub max_depth: u64,
    /// The outermost frame's function: `None` for `main` (the program's
    /// first thread), a thread's start function for the others.
    pub root: Option<FuncId>,
}

/// Why a chain of frames is not one a program could be stopped in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrameError {
    NoFrames,
    TooManyFrames {
        count: usize,
        max: u64,
    },
    /// Frame `frame` names a function the module does not have.
    MissingFunction {
        frame: usize,
        func: FuncId,
    },
    /// The outermost frame is not `main`'s.
    NotMain {
        frame: usize,
        func: String,
    },
    BadResumePoint {
        frame: usize,
        func: String,
        resume: ResumeId,
        count: usize,
    },
    /// The innermost frame must stop at a safepoint, every other one at a
    /// call.
    ResumePointKind {
        frame: usize,
        func: String,
        resume: ResumeId,
        expected: &'static str,
    },
    LocalCount {
        frame: usize,
        func: String,
        expected: usize,
        found: usize,
    },
    /// A local's bits do not fit its type (values are zero-extended).
    LocalValue {
        frame: usize,
        func: String,
        local: String,
        ty: Type,
        bits: u64,
    },
    /// An outer frame's call site does not reach the next inner frame's
    /// function. `callee` describes what the call reaches.
    CallMismatch {
        frame: usize,
        func: String,
        resume: ResumeId,
        callee: String,
        inner: String,
    },
    /// A frame's shadow-stack base is not where the chain puts it.
    StackBase {
        frame: usize,
        func: String,
        base: u64,
        reason: String,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use FrameError::*;
        match self {
            NoFrames => write!(f, "no frames: nothing to resume"),
            TooManyFrames { count, max } => {
                write!(f, "{count} frames exceed the call depth limit {max}")
            }
            MissingFunction { frame, func } => write!(
                f,
                "frame {frame} names function {}, which the program does not have",
                func.0
            ),
            NotMain { frame, func } => {
                write!(
                f,
                "frame {frame}: the outermost frame is @{func}, not its thread's start function (@main for the first thread)"
            )
            }
            BadResumePoint {
                frame,
                func,
                resume,
                count,
            } => write!(
                f,
                "frame {frame} (@{func}) is at resume point {}, but @{func} has {count} resume points",
                resume.0
            ),
            ResumePointKind {
                frame,
                func,
                resume,
                expected,
            } => write!(
                f,
                "frame {frame} (@{func}) is at resume point {}, which is not a {expected}",
                resume.0
            ),
            LocalCount {
                frame,
                func,
                expected,
                found,
            } => write!(
                f,
                "frame {frame} (@{func}) has {found} locals, but @{func} has {expected}"
            ),
            LocalValue {
                frame,
                func,
                local,
                ty,
                bits,
            } => write!(
                f,
                "frame {frame} (@{func}): local %{local} holds {bits:#x}, which does not fit in {ty}"
            ),
            CallMismatch {
                frame,
                func,
                resume,
                callee,
                inner,
            } => write!(
                f,
                "frame {frame} (@{func}) is at resume point {}, a call to {callee}, \
                 but the frame it calls is @{inner}",
                resume.0
            ),
            StackBase {
                frame,
                func,
                base,
                reason,
            } => write!(f, "frame {frame} (@{func}): stack base {base:#x} {reason}"),
        }
    }
}

impl std::error::Error for FrameError {}

/// Checks that `frames` (innermost first) are a chain a program of
/// `module` can be stopped in, before anything runs it:
/// - between 1 and `max_depth` frames, the outermost one `main`'s (or
///   `limits.root`'s, a function a thread can start in, `starts`);
/// - every frame at an existing resume point of its function: the
///   innermost at a safepoint, every other one at a call;
/// - every frame with one value per local, each fitting its local's type;
/// - every call frame's call reaching the next inner frame's function
///   (directly, or through a function pointer `indirect_target` lets
///   reach it);
/// - shadow-stack frames contiguous: `main`'s at `stack_start`, each
///   callee's right after its caller's, the innermost ending at or below
///   `stack_top`.
///
/// `layouts` are the module's type layouts (for frame sizes), `reach` its
/// `Reach`. Resume points are computed once per distinct function.
pub fn check_frame_chain(
    module: &Module,
    layouts: &TypeLayouts,
    reach: &Reach,
    frames: &[FrameView],
    limits: &ChainLimits,
) -> Result<(), FrameError> {
    if frames.is_empty() {
        return Err(FrameError::NoFrames);
    }
    if frames.len() as u64 > limits.max_depth {
        return Err(FrameError::TooManyFrames {
            count: frames.len(),
            max: limits.max_depth,
        });
    }
    // A deep recursion repeats the same functions many times.
    let mut cache: HashMap<FuncId, (Vec<ResumePoint>, u64)> = HashMap::new();
    let main = limits.root.or_else(|| module.func_by_name("main"));
    let (taken, starts) = (&reach.taken, &reach.starts);
    let mut base = limits.stack_start;
    for (i, fr) in frames.iter().enumerate().rev() {
        let Some(f) = module.funcs.get(fr.func) else {
            return Err(FrameError::MissingFunction {
                frame: i,
                func: fr.func,
            });
        };
        let name = || f.name.clone();
        let start = Some(fr.func) == main && starts[fr.func.index()];
        if i == frames.len() - 1 && !start {
            return Err(FrameError::NotMain {
                frame: i,
                func: name(),
            });
        }
        let (rps, size) = cache.entry(fr.func).or_insert_with(|| {
            (
                safepoints::resume_points(f),
                FrameLayout::new(module, f, layouts).size,
            )
        });
        let Some(rp) = rps.get(fr.resume.index()) else {
            return Err(FrameError::BadResumePoint {
                frame: i,
                func: name(),
                resume: fr.resume,
                count: rps.len(),
            });
        };
        let innermost = i == 0;
        if rp.is_call == innermost {
            return Err(FrameError::ResumePointKind {
                frame: i,
                func: name(),
                resume: fr.resume,
                expected: if innermost { "safepoint" } else { "call" },
            });
        }
        check_locals(i, fr, f)?;
        if !innermost {
            check_call(module, taken, i, fr, f, rp, frames[i - 1].func)?;
        }
        if fr.stack_base != base {
            return Err(FrameError::StackBase {
                frame: i,
                func: name(),
                base: fr.stack_base,
                reason: format!("should be {base:#x}, right after its caller's frame"),
            });
        }
        base = match base.checked_add(*size) {
            Some(end) if end <= limits.stack_top => end,
            _ => {
                return Err(FrameError::StackBase {
                    frame: i,
                    func: name(),
                    base: fr.stack_base,
                    reason: format!(
                        "plus the frame size {size} passes the top of the stack ({:#x})",
                        limits.stack_top
                    ),
                })
            }
        };
    }
    Ok(())
}

fn check_locals(i: usize, fr: &FrameView, f: &Function) -> Result<(), FrameError> {
    if fr.locals.len() != f.locals.len() {
        return Err(FrameError::LocalCount {
            frame: i,
            func: f.name.clone(),
            expected: f.locals.len(),
            found: fr.locals.len(),
        });
    }
    for (&bits, decl) in fr.locals.iter().zip(f.locals.values()) {
        if bits & !decl.ty.mask() != 0 {
            return Err(FrameError::LocalValue {
                frame: i,
                func: f.name.clone(),
                local: decl.name.clone(),
                ty: decl.ty,
                bits,
            });
        }
    }
    Ok(())
}

/// Checks that the call frame `fr` of `f`, stopped at `rp`, calls `inner`.
fn check_call(
    module: &Module,
    taken: &[bool],
    i: usize,
    fr: &FrameView,
    f: &Function,
    rp: &ResumePoint,
    inner: FuncId,
) -> Result<(), FrameError> {
    let inner_name = module
        .funcs
        .get(inner)
        .map_or_else(|| format!("function {}", inner.0), |g| g.name.clone());
    let mismatch = |callee: String| FrameError::CallMismatch {
        frame: i,
        func: f.name.clone(),
        resume: fr.resume,
        callee,
        inner: inner_name.clone(),
    };
    let Some(InstKind::Call {
        callee, args, dst, ..
    }) = f
        .blocks
        .get(rp.block)
        .and_then(|b| b.insts.get(rp.inst))
        .map(|inst| &inst.kind)
    else {
        return Err(mismatch("no call".to_string()));
    };
    match callee {
        Callee::Func(id) if *id == inner => Ok(()),
        Callee::Func(id) => Err(mismatch(format!("@{}", module.funcs[*id].name))),
        Callee::Builtin(_) => Err(mismatch("a builtin".to_string())),
        Callee::Indirect(op) => {
            let ptr = match op {
                Operand::Const(c) => *c,
                // `check_locals` ran first: the index is in range.
                Operand::Local(l) => fr.locals[l.index()],
            };
            match (
                module.func_from_ptr(ptr),
                indirect_target(module, taken, f, args, *dst, ptr),
            ) {
                (_, Some(t)) if t == inner => Ok(()),
                (Some(t), Some(_)) => Err(mismatch(format!(
                    "@{} through a function pointer",
                    module.funcs[t].name
                ))),
                (Some(t), None) => Err(mismatch(format!(
                    "@{} through a function pointer with a different signature",
                    module.funcs[t].name
                ))),
                (None, _) => Err(mismatch(format!(
                    "function pointer {ptr:#x}, which is no function"
                ))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_and_what_they_reach() {
        let m = crate::parse(
            "global @table: [1 x ptr] = { ptr @handler }
func @first() {
entry:
    ret
}
func @leaf(%x: i32) -> i32 {
entry:
    ret.i32 %x
}
func @handler(%x: i32) -> i32 {
entry:
    %x = call @leaf(i32 %x)
    ret.i32 %x
}
func @taken() -> i32 {
entry:
    ret.i32 1
}
func @orphan(%x: i32) -> i32 {
entry:
    %x = call @inner(i32 %x)
    ret.i32 %x
}
func @inner(%x: i32) -> i32 {
entry:
    ret.i32 %x
}
func @__pivm_sig_run_pending.3() {
entry:
    ret
}
func @main() -> i32 {
    local %p: ptr
    local %r: i32
entry:
    %p = addr @taken
    %r = call %p()
    ret.i32 %r
}
",
            "t.pir",
        )
        .unwrap();
        let names = |v: Vec<bool>| -> Vec<&str> {
            m.funcs
                .iter()
                .filter(|(id, _)| v[id.index()])
                .map(|(_, f)| f.name.as_str())
                .collect()
        };
        let reach = Reach::of(&m);
        assert_eq!(names(reach.taken.clone()), ["handler", "taken"]);
        assert_eq!(
            names(reach.starts.clone()),
            [
                "first",
                "handler",
                "taken",
                "__pivm_sig_run_pending.3",
                "main"
            ]
        );
        assert_eq!(
            names(reach.can_run(&m)),
            [
                "first",
                "leaf",
                "handler",
                "taken",
                "__pivm_sig_run_pending.3",
                "main"
            ]
        );
        // A pointer reaches a function whose address is taken only.
        let main = &m.funcs[m.func_by_name("main").unwrap()];
        let taken = &reach.taken;
        let at = |name: &str| {
            let f = m.func_by_name(name).unwrap();
            indirect_target(
                &m,
                taken,
                main,
                &[],
                Some(crate::Local::new(1)),
                Module::func_ptr(f),
            )
        };
        // `main` fits the call as `taken` does, but its address is not
        // taken.
        assert_eq!(at("taken"), m.func_by_name("taken"));
        assert_eq!(at("main"), None);
    }

    #[test]
    fn access_rule() {
        let limit = 1 << 20;
        let b = bound_for_limit(limit);
        assert!(!access_ok(0, b));
        assert!(!access_ok(NULL_PAGE - 1, b));
        assert!(access_ok(NULL_PAGE, b));
        assert!(access_ok(limit - MAX_ACCESS, b));
        assert!(!access_ok(limit - MAX_ACCESS + 1, b));
        assert!(!access_ok(u64::MAX, b));
    }

    #[test]
    fn alloc_type_keys() {
        let m = crate::parse(
            "type :n = { i32, ptr }
declare @malloc(i64) -> ptr
func @main() -> i32 {
    local %p: ptr
entry:
    %p = call @malloc(i64 16) as :n
    %p = call @malloc(i64 4) as i32
    %p = call @malloc(i64 16) as :n
    ret.i32 0
}
",
            "t.pir",
        )
        .unwrap();
        let t = AllocTypes::new(&m);
        assert_eq!(t.as_slice().len(), 2);
        assert_eq!(t.key(&MemType::Scalar(Type::I32)), 2);
        assert_eq!(t.get(2), Some(&MemType::Scalar(Type::I32)));
        assert_eq!(t.get(0), None);
        assert_eq!(t.get(3), None);
        assert_eq!(t.get(u64::MAX), None);
        assert_eq!(t.key(&MemType::Scalar(Type::F64)), 0);
    }
}
