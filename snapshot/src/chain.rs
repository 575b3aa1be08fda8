//! Chains of snapshots: a full snapshot and the deltas written after it,
//! each delta naming its parent (a file beside it) by file name and id.
//! `Chain::open` follows a delta back to its full snapshot, refusing a
//! missing, altered or foreign ancestor before anything is read into VM
//! memory; `Chain::load_into` builds the newest member's memory image.
//! SNAPSHOT.md, "Deltas and chains", specifies both.

use std::path::{Path, PathBuf};

use crate::body::MemoryLayout;
use crate::digest::hex;
use crate::error::SnapshotError;
use crate::file::SnapshotFile;

/// The most members a chain may have (the full snapshot and its deltas),
/// so a hostile chain costs a bounded number of open files.
pub const MAX_CHAIN: usize = 256;

/// An open chain: every member's header, section table and body read and
/// checked, memory still in the files.
pub struct Chain {
    /// Newest first: `members[0]` is the file the chain was opened from,
    /// the last one is the full snapshot.
    pub members: Vec<SnapshotFile>,
    /// The path of each member, in the same order.
    pub paths: Vec<PathBuf>,
}

impl Chain {
    /// Opens the snapshot at `path` and, if it is a delta, its ancestors:
    /// each parent is the file its child names in the child's directory,
    /// and must have the id the child records and the same program.
    pub fn open(path: &Path) -> Result<Chain, SnapshotError> {
        match Chain::open_partial(path)? {
            (chain, None) => Ok(chain),
            (_, Some(e)) => Err(e),
        }
    }

    /// `open`, but a chain that breaks after its first member is returned
    /// as far as it could be followed, with the error that stopped it (for
    /// `pivm inspect`).
    pub fn open_partial(path: &Path) -> Result<(Chain, Option<SnapshotError>), SnapshotError> {
        let newest = SnapshotFile::open(path)?;
        let dir = path.parent().unwrap_or(Path::new(""));
        let mut chain = Chain {
            members: vec![newest],
            paths: vec![path.to_path_buf()],
        };
        loop {
            match chain.next_member(dir) {
                Ok(true) => {}
                Ok(false) => return Ok((chain, None)),
                Err(e) => return Ok((chain, Some(e))),
            }
        }
    }

    /// Opens the parent of the oldest member so far and appends it;
    /// `false` when that member is a full snapshot.
    fn next_member(&mut self, dir: &Path) -> Result<bool, SnapshotError> {
        let child = self.members.last().expect("a chain has a member");
        let Some(parent) = &child.snapshot.body.parent else {
            return Ok(false);
        };
        let child_path = self.paths.last().expect("one path per member");
        if self.members.len() == MAX_CHAIN {
            return Err(SnapshotError::Chain(format!(
                "{} has more than {MAX_CHAIN} ancestors",
                self.paths[0].display()
            )));
        }
        let ppath = dir.join(&parent.name);
        let file = SnapshotFile::open(&ppath).map_err(|e| {
            SnapshotError::Chain(format!(
                "ancestor {} of {} cannot be read: {e}",
                ppath.display(),
                child_path.display()
            ))
        })?;
        if file.id != parent.id {
            return Err(SnapshotError::Chain(format!(
                "ancestor {} is not the snapshot {} was taken after (its id is {}, expected {}): \
                 it was altered or replaced",
                ppath.display(),
                child_path.display(),
                short(&file.id),
                short(&parent.id)
            )));
        }
        if file.snapshot.program_hash != self.members[0].snapshot.program_hash {
            return Err(SnapshotError::Chain(format!(
                "ancestor {} is a snapshot of another program",
                ppath.display()
            )));
        }
        self.members.push(file);
        self.paths.push(ppath);
        Ok(true)
    }

    /// The newest member (the file the chain was opened from).
    pub fn newest(&self) -> &SnapshotFile {
        &self.members[0]
    }

    /// Whether the chain is a single full snapshot.
    pub fn is_full(&self) -> bool {
        self.members.len() == 1
    }

    /// Reads the newest member's memory image into `mem` (VM memory indexed
    /// by VM address, zeroed): the full snapshot's sections, then every
    /// delta's from oldest to newest, each checksum checked; bytes outside
    /// the newest member's areas are zero again afterwards. A section, or
    /// the part of one, past the end of `mem` is read and checked but not
    /// kept (the newest member's layout does not reach it). On error `mem`
    /// holds part of the image: discard it.
    pub fn load_into(&self, mem: &mut [u8]) -> Result<(), SnapshotError> {
        if self.is_full() {
            return self.members[0].load_into(mem);
        }
        self.load_newer_into(mem, 0)
    }

    /// `load_into` for an image that already holds the oldest `loaded`
    /// members (loaded in order, as they arrived: `pivm serve`'s standby
    /// resume): loads the others, oldest first, then zeroes what lies
    /// outside the newest member's areas.
    pub fn load_newer_into(&self, mem: &mut [u8], loaded: usize) -> Result<(), SnapshotError> {
        let n = self.members.len();
        for (file, path) in self
            .members
            .iter()
            .zip(&self.paths)
            .take(n.saturating_sub(loaded))
            .rev()
        {
            file.load_clipped(mem)
                .map_err(|e| SnapshotError::Chain(format!("member {}: {e}", path.display())))?;
        }
        let keep = areas(&self.newest().snapshot.body.memory.layout);
        for file in &self.members[1..] {
            for s in &file.sections {
                zero_outside(mem, (s.start, s.end()), &keep);
            }
        }
        Ok(())
    }
}

/// The first 16 hex digits of an id, as messages and ancestor names show it.
pub fn short(id: &[u8; 32]) -> String {
    hex(&id[..8])
}

/// The three areas of `l`, sorted.
fn areas(l: &MemoryLayout) -> [(u64, u64); 3] {
    let mut a = [
        (l.data_start, l.data_end),
        (l.stack_start, l.stack_end),
        (l.heap_start, l.heap_end),
    ];
    a.sort();
    a
}

/// Zeroes the bytes of `range` (clipped to `mem`) that no area of `keep`
/// (sorted) covers.
fn zero_outside(mem: &mut [u8], range: (u64, u64), keep: &[(u64, u64)]) {
    let len = mem.len() as u64;
    let (mut at, end) = (range.0.min(len), range.1.min(len));
    for &(s, e) in keep {
        if at >= end {
            break;
        }
        if e <= at {
            continue;
        }
        let stop = s.clamp(at, end);
        mem[at as usize..stop as usize].fill(0);
        at = e.max(at);
    }
    if at < end {
        mem[at as usize..end as usize].fill(0);
    }
}

#[cfg(test)]
mod tests {
    use super::zero_outside;

    #[test]
    fn zeroes_only_outside_the_areas() {
        let mut mem = vec![1u8; 64];
        zero_outside(&mut mem, (0, 64), &[(8, 16), (20, 24), (60, 80)]);
        let kept: Vec<usize> = (0..64).filter(|&i| mem[i] == 1).collect();
        let want: Vec<usize> = (8..16).chain(20..24).chain(60..64).collect();
        assert_eq!(kept, want);
        let mut mem = vec![1u8; 32];
        zero_outside(&mut mem, (10, 40), &[(0, 12)]);
        assert!(mem[..12].iter().all(|&b| b == 1) && mem[12..].iter().all(|&b| b == 0));
    }
}
