//! setjmp and longjmp, the rules of `pivm_ir::jmp` over the runtime. Both
//! engines call these: `setjmp` and `longjmp` with their caller's hidden
//! arguments (see the catalog), and `land` at the target frame. What an
//! engine does around them (discarding frames, continuing after the site)
//! is its own: the interpreter truncates its frame stack, JIT code returns
//! from each native frame above the target.

use pivm_ir::jmp::{JmpBuf, JMP_BUF_SIZE};
use pivm_ir::{FuncId, TrapKind, Type};

use super::Result;
use crate::runtime::{Halt, Runtime, Trap};

/// A `longjmp` on its way to its target frame.
#[derive(Clone, Debug)]
pub struct PendingJump {
    pub buf: JmpBuf,
    /// What the site's `setjmp` returns (never 0).
    pub val: u32,
    /// Where the `longjmp` was called: a failed landing traps there.
    pub func: FuncId,
    pub line: u32,
}

/// `setjmp(buf)` called by the frame at `depth`, of function `func` at
/// `stack_base`, from its setjmp site `site`: records them and the frame's
/// serial (its header) in the buffer; returns 0.
pub fn setjmp(rt: &mut Runtime, args: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    let &[buf, depth, func, site, stack_base, ..] = args else {
        return Err(TrapKind::BadBuiltinCall.into());
    };
    let serial = rt.mem.load(Type::I64, stack_base)?;
    let jb = JmpBuf {
        serial,
        stack_base,
        depth: depth as u32,
        func: func as u32,
        site: site as u32,
    };
    rt.mem.write(buf, &jb.to_bytes())?;
    Ok(0)
}

/// `longjmp(buf, val)` called by the frame at `depth` (function `func`,
/// source `line`): checks the buffer and makes the jump pending; the
/// engine then discards frames down to the buffer's depth and lands there.
pub fn longjmp(rt: &mut Runtime, args: &[u64], _: Option<&pivm_ir::MemType>) -> Result<u64> {
    let &[buf, val, depth, func, line, ..] = args else {
        return Err(TrapKind::BadBuiltinCall.into());
    };
    let bytes = rt.mem.slice(buf, JMP_BUF_SIZE)?;
    let jb = JmpBuf::from_bytes(bytes.try_into().expect("JMP_BUF_SIZE bytes"));
    if !jb.check_at_call(depth as u32) {
        return Err(TrapKind::BadLongjmp.into());
    }
    let val = val as u32;
    rt.longjmp = Some(PendingJump {
        buf: jb,
        val: if val == 0 { 1 } else { val },
        func: FuncId(func as u32),
        line: line as u32,
    });
    Err(Halt::Longjmp)
}

/// The frame at the pending jump's depth, of `func` at `stack_base`,
/// lands: the setjmp site to continue after and the value its call
/// returns. Otherwise the trap, located at the `longjmp`.
pub fn land(
    rt: &mut Runtime,
    func: FuncId,
    stack_base: u64,
) -> std::result::Result<(u32, u32), Trap> {
    let Some(p) = rt.longjmp.take() else {
        return Err(rt.trap_at(TrapKind::BadLongjmp, None, 0));
    };
    let serial = rt.mem.load(Type::I64, stack_base).unwrap_or(0);
    let sites = rt.prog.setjmp_sites.get(func).map_or(0, Vec::len);
    if p.buf.lands(func.0, stack_base, serial, sites) {
        Ok((p.buf.site, p.val))
    } else {
        Err(missed(rt, &p))
    }
}

/// The trap of a pending jump that found no frame to land in.
pub fn missed(rt: &Runtime, p: &PendingJump) -> Trap {
    rt.trap_at(TrapKind::BadLongjmp, Some(p.func), p.line)
}
