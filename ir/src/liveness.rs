//! Which locals a logical frame holds: the locals live at its resume
//! point. A frame stopped at a resume point carries the values of those
//! locals and 0 for every other one, on every engine, so frames stay
//! byte-identical across engines while compiled code keeps only live
//! values in registers (saving every local at every resume point would
//! make every local live everywhere).
//!
//! Liveness is the usual backward data flow over IR locals. At a safepoint
//! the frame holds the locals live after it (execution continues there);
//! at a call, the locals live before it, the call's own operands included
//! (a rewind issues the call again, and an indirect call must reach the
//! same function).

use std::collections::HashSet;

use crate::jmp;
use crate::safepoints::resume_points;
use crate::{Block, EntityRef, Function, InstKind, Module, Operand};

/// A set of locals, one bit each.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LocalSet(Vec<u64>);

impl LocalSet {
    fn new(n: usize) -> LocalSet {
        LocalSet(vec![0; n.div_ceil(64)])
    }

    /// Whether local number `i` is in the set.
    pub fn contains(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 != 0)
    }

    fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    fn remove(&mut self, i: usize) {
        self.0[i / 64] &= !(1 << (i % 64));
    }

    /// Adds `other`; whether anything was added.
    fn union(&mut self, other: &LocalSet) -> bool {
        let mut changed = false;
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            let n = *a | b;
            changed |= n != *a;
            *a = n;
        }
        changed
    }

    /// Sets every local outside the set to 0 in `locals` (one value per
    /// local of the function).
    pub fn clear_others(&self, locals: &mut [u64]) {
        for (i, v) in locals.iter_mut().enumerate() {
            if !self.contains(i) {
                *v = 0;
            }
        }
    }
}

/// `live = (live - defs(k)) + uses(k)`.
fn step(live: &mut LocalSet, k: &InstKind) {
    if let Some(d) = k.dst() {
        live.remove(d.index());
    }
    for (_, o) in k.operands() {
        if let Operand::Local(l) = o {
            live.insert(l.index());
        }
    }
}

/// The locals of `f` that some path from its entry reads before any
/// instruction sets them (they read the 0 every local starts with), its
/// parameters included. Without the longjmp edges `frame_liveness` adds.
pub fn live_at_entry(f: &Function) -> LocalSet {
    let n = f.locals.len();
    live_in(f)
        .into_iter()
        .next()
        .unwrap_or_else(|| LocalSet::new(n))
}

/// Per block of `f`, the locals live where it starts: read on some path
/// from there before any instruction sets them. Without the longjmp
/// edges `frame_liveness` adds.
pub fn live_in(f: &Function) -> Vec<LocalSet> {
    let n = f.locals.len();
    let mut live_in = vec![LocalSet::new(n); f.blocks.len()];
    let succs = f.successor_lists();
    let mut changed = true;
    while changed {
        changed = false;
        for b in (0..f.blocks.len()).rev() {
            let mut live = LocalSet::new(n);
            for &t in &succs[b] {
                live.union(&live_in[t]);
            }
            for i in f.blocks[Block::new(b)].insts.iter().rev() {
                step(&mut live, &i.kind);
            }
            changed |= live_in[b].union(&live);
        }
    }
    live_in
}

/// The locals a frame of `f` (a function of `m`) holds at each of its
/// resume points, in `pivm_ir::safepoints::resume_points` order (the
/// resume-point ids).
///
/// In a function that calls `setjmp`, a `longjmp` may come back from any
/// call that may longjmp (`jmp::may_longjmp`) to right after any of its
/// setjmp sites: those edges count, so the locals live after a site (but
/// its result, which the landing writes) are live at every such call.
pub fn frame_liveness(m: &Module, f: &Function) -> Vec<LocalSet> {
    let n = f.locals.len();
    let nb = f.blocks.len();
    let mut live_in = vec![LocalSet::new(n); nb];
    let succs = f.successor_lists();
    let live_out = |live_in: &[LocalSet], b: usize| {
        let mut s = LocalSet::new(n);
        for &t in &succs[b] {
            s.union(&live_in[t]);
        }
        s
    };
    let sites: HashSet<(usize, usize)> = jmp::setjmp_sites(m, f)
        .into_iter()
        .map(|(b, i)| (b.index(), i))
        .collect();
    // What a landing reads: the union over the sites of what is live right
    // after each, its result excepted.
    let mut landing = LocalSet::new(n);
    // Walks block `b` backwards from `live` (its live-out), calling `at`
    // with each instruction's live-out set (`false`), then its live-in
    // (`true`).
    let walk = |b: usize,
                live: &mut LocalSet,
                landing: &LocalSet,
                at: &mut dyn FnMut(usize, &InstKind, &LocalSet, bool)| {
        for (ii, i) in f.blocks[Block::new(b)].insts.iter().enumerate().rev() {
            if !sites.is_empty() && jmp::may_longjmp(m, &i.kind) {
                live.union(landing);
            }
            at(ii, &i.kind, live, false);
            step(live, &i.kind);
            at(ii, &i.kind, live, true);
        }
    };
    let mut changed = true;
    while changed {
        changed = false;
        let mut next_landing = LocalSet::new(n);
        for b in (0..nb).rev() {
            let mut live = live_out(&live_in, b);
            walk(b, &mut live, &landing, &mut |ii, k, live, live_in| {
                if !live_in && sites.contains(&(b, ii)) {
                    let mut l = live.clone();
                    if let Some(d) = k.dst() {
                        l.remove(d.index());
                    }
                    next_landing.union(&l);
                }
            });
            changed |= live_in[b].union(&live);
        }
        changed |= landing.union(&next_landing);
    }
    let rps = resume_points(f);
    let mut at = vec![LocalSet::new(n); rps.len()];
    let mut ids = std::collections::HashMap::new();
    for (id, rp) in rps.iter().enumerate() {
        ids.insert((rp.block.index(), rp.inst), id);
    }
    for b in 0..nb {
        let mut live = live_out(&live_in, b);
        walk(b, &mut live, &landing, &mut |ii, k, live, live_in| {
            match (ids.get(&(b, ii)), k, live_in) {
                // A safepoint: what is live after it; a call: before it.
                (Some(&id), InstKind::Safepoint, false)
                | (Some(&id), InstKind::Call { .. }, true) => at[id] = live.clone(),
                _ => {}
            }
        });
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_sets_at_resume_points() {
        let src = "func @g(%x: i32) -> i32 {
entry:
    ret.i32 %x
}

func @f(%n: i32) -> i32 {
    local %i: i32
    local %t: i32
    local %dead: i32
entry:
    %i = copy.i32 0
    %dead = copy.i32 7
    jump head
head:
    %t = slt.i32 %i, %n
    br.i32 %t, body, done
body:
    %t = call @g(i32 %i)
    %i = add.i32 %t, 1
    jump head
done:
    ret.i32 %i
}
";
        let mut m = crate::parse(src, "t.pir").unwrap();
        crate::safepoints::place(&mut m);
        let f = &m.funcs[m.func_by_name("f").unwrap()];
        let rps = resume_points(f);
        let live = frame_liveness(&m, f);
        assert_eq!(live.len(), rps.len());
        let names = |s: &LocalSet| -> Vec<&str> {
            f.locals
                .iter()
                .filter(|(l, _)| s.contains(l.index()))
                .map(|(_, d)| d.name.as_str())
                .collect()
        };
        for (rp, s) in rps.iter().zip(&live) {
            let got = names(s);
            if rp.is_call {
                // %i is the argument; %t is the result, written after.
                assert_eq!(got, ["n", "i"]);
            } else {
                assert!(!got.contains(&"dead") && !got.contains(&"t"), "{got:?}");
                assert!(got.contains(&"n"), "{got:?}");
            }
        }
    }

    #[test]
    fn a_longjmp_may_come_back_from_every_call() {
        let src = "declare @setjmp(ptr) -> i32

func @g() {
entry:
    ret
}

func @f(%b: ptr) -> i32 {
    local %x: i32
    local %r: i32
    local %y: i32
entry:
    %x = copy.i32 5
    %r = call @setjmp(ptr %b)
    br.i32 %r, again, first
first:
    %y = copy.i32 1
    call @g()
    ret.i32 %y
again:
    ret.i32 %x
}
";
        let mut m = crate::parse(src, "t.pir").unwrap();
        crate::safepoints::place(&mut m);
        let f = &m.funcs[m.func_by_name("f").unwrap()];
        let rps = resume_points(f);
        let live = frame_liveness(&m, f);
        let call = rps.iter().position(|rp| rp.is_call).unwrap();
        let held: Vec<&str> = f
            .locals
            .iter()
            .filter(|(l, _)| live[call].contains(l.index()))
            .map(|(_, d)| d.name.as_str())
            .collect();
        // %x is read only after a landing at the site, which any call may
        // lead to; %r is what the landing writes; %y is live anyway.
        assert_eq!(held, ["x", "y"]);
    }
}
