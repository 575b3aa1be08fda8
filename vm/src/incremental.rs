//! `--incremental`: the chain of snapshots a run keeps at its snapshot
//! path P (SNAPSHOT.md, "Deltas and chains").
//!
//! P always names the newest member. Before a delta is written, the file at
//! P (its parent) is hard-linked beside it as `P.<id>` (the first 16 hex
//! digits of its id), so the rename of the delta over P leaves the parent
//! in place. After K deltas, or once the deltas together outgrow the full
//! snapshot, or after a failed delta, the next snapshot is full, and once
//! it is durable every `P.<16 hex digits>` file beside it is removed. A
//! crash at any moment leaves P resumable: the parent link is made (and
//! made durable, by the writer) before the delta replaces P, and ancestors
//! are removed only after a full snapshot replaced P.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use pivm_snapshot::{chain::short, Chain, FileInfo, MemoryLayout, Parent};

use crate::dirty::{self, PageHashes, SharedTable};
use crate::memory::Memory;
use crate::wp::WriteTracker;

/// One member of the chain, oldest first.
#[derive(Clone, Debug)]
struct Member {
    id: [u8; 32],
    len: u64,
}

/// The chain a run keeps at its snapshot path.
pub struct Incremental {
    /// Deltas before a full snapshot.
    k: u32,
    path: PathBuf,
    seed: u64,
    /// The chain at `path`, oldest (the full snapshot) first; empty until
    /// the first snapshot there.
    members: Vec<Member>,
    /// The page hashes of the newest member.
    hashes: Option<PageHashes>,
    /// `path`'s device and inode after the newest member was written: a
    /// delta is only written over the file pivm wrote.
    inode: Option<(u64, u64)>,
    /// The next snapshot must be full (a delta failed).
    force_full: bool,
    /// Write tracking of VM memory, once set up (`None` inside: the kernel
    /// has none); see `wp`.
    tracker: Option<Option<WriteTracker>>,
    /// The tracker was scanned when the newest member was captured, and
    /// not since: what it reports now was written after that member.
    scanned_at_newest: bool,
}

/// The plan of one snapshot at the chain's path.
pub struct Planned {
    /// The parent's link, for a delta.
    pub parent: Option<Parent>,
    /// Where the writer puts the new member's page hashes.
    pub table: SharedTable,
    /// The layout the new member records.
    layout: MemoryLayout,
    /// The length of VM memory it is taken from.
    len: u64,
    /// For a delta, the pages written since the parent was taken, when
    /// write tracking knows them.
    pub written: Option<Vec<(u64, u64)>>,
    /// Whether write tracking was scanned at this capture.
    scanned: bool,
}

/// `path`'s device and inode.
fn inode(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// The name of `path`'s ancestor with id `id`: `NAME.<16 hex digits>`.
pub fn ancestor_name(path: &Path, id: &[u8; 32]) -> String {
    let name = path
        .file_name()
        .map_or_else(|| "snapshot".into(), |n| n.to_string_lossy().into_owned());
    format!("{name}.{}", short(id))
}

impl Incremental {
    pub fn new(k: u32, path: PathBuf) -> Incremental {
        Incremental {
            k,
            path,
            seed: dirty::new_seed(),
            members: Vec::new(),
            hashes: None,
            inode: None,
            force_full: false,
            tracker: None,
            scanned_at_newest: false,
        }
    }

    /// The chain's path (P).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Continues the chain a run was resumed from when it lives at this
    /// run's path (the same file): its members are this chain's, and the
    /// resumed memory `mem` (laid out as the newest member says) is hashed
    /// for the first delta.
    pub fn continue_chain(&mut self, resumed: &Path, chain: &Chain, mem: &Memory) {
        let same = match (inode(resumed), inode(&self.path)) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        };
        if !same {
            return;
        }
        let bytes = mem.bytes();
        let mut hashes = vec![0; dirty::pages(bytes.len() as u64)];
        let touched = mem.touched(pivm_ir::contract::NULL_PAGE, bytes.len() as u64);
        dirty::hash_pages(bytes, touched.as_deref(), self.seed, &mut hashes);
        self.members = chain
            .members
            .iter()
            .zip(&chain.paths)
            .rev()
            .map(|(f, p)| Member {
                id: f.id,
                len: std::fs::metadata(p).map_or(u64::MAX, |m| m.len()),
            })
            .collect();
        self.hashes = Some(PageHashes {
            seed: self.seed,
            layout: chain.newest().snapshot.body.memory.layout,
            len: bytes.len() as u64,
            hashes,
        });
        self.inode = inode(&self.path);
        self.scanned_at_newest = self.scan(mem).is_some();
    }

    /// Scans the write tracker (set up on first use) over `mem`: the pages
    /// written since the last scan, protected again. `None` without write
    /// tracking or if the scan failed.
    fn scan(&mut self, mem: &Memory) -> Option<Vec<(u64, u64)>> {
        crate::wp::scan_tracked(&mut self.tracker, mem)
    }

    /// Whether the next snapshot may be a delta.
    fn delta_allowed(&self) -> bool {
        let Some(full) = self.members.first() else {
            return false;
        };
        let deltas: u64 = self.members[1..].iter().map(|m| m.len).sum();
        !self.force_full
            && self.hashes.is_some()
            && self.members.len() <= self.k as usize
            && deltas < full.len
            && inode(&self.path).is_some_and(|i| Some(i) == self.inode)
    }

    /// Plans the next snapshot at the chain's path, of `mem` laid out as
    /// `layout`: a delta when the chain allows one and the parent's link
    /// could be made, else a full snapshot. `None` when no hash table can
    /// be mapped (write a plain full snapshot). `alone`: the snapshot goes
    /// to the chain's path only (a snapshot written to other paths too is
    /// full). Call it when the snapshot's memory is final: it scans the
    /// write tracker.
    pub fn plan(&mut self, layout: &MemoryLayout, mem: &Memory, alone: bool) -> Option<Planned> {
        let len = mem.bytes().len() as u64;
        let table = SharedTable::new(dirty::pages(len))?;
        let mut parent = None;
        if alone && self.delta_allowed() {
            let id = self.members.last().expect("delta_allowed").id;
            let name = ancestor_name(&self.path, &id);
            if self.link(&self.path.with_file_name(&name)) {
                parent = Some(Parent { name, id });
            }
        }
        let written = self.scan(mem);
        let scanned = written.is_some();
        let trusted = parent.is_some() && self.scanned_at_newest;
        Some(Planned {
            parent,
            table,
            layout: *layout,
            len,
            written: written.filter(|_| trusted),
            scanned,
        })
    }

    /// Hard-links the file at the chain's path as `link`; an existing
    /// `link` is the same file only if it has the same inode.
    fn link(&self, link: &Path) -> bool {
        if inode(link).is_some() && inode(link) == self.inode {
            return true;
        }
        let _ = std::fs::remove_file(link);
        match std::fs::hard_link(&self.path, link) {
            Ok(()) => true,
            Err(e) => {
                crate::eprintln_ok!(
                    "pivm: warning: cannot keep the previous snapshot as {} ({e}): writing a full snapshot instead of a delta",
                    link.display()
                );
                false
            }
        }
    }

    /// The hashes a delta is computed against (its parent's).
    pub fn parent_hashes(&self) -> Option<&PageHashes> {
        self.hashes.as_ref()
    }

    /// The seed of the page hashes.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Records how the planned snapshot ended: `written` is the file at the
    /// chain's path, or `None` if writing failed. After a full snapshot,
    /// removes the ancestors of the chain it replaces.
    pub fn finish(&mut self, planned: Planned, written: Option<FileInfo>) {
        let Some(info) = written else {
            // The chain is what it was; the parent link, if made, is a
            // second name of P until the next full snapshot removes it.
            // What the tracker reported at this capture is gone with it.
            self.force_full |= planned.parent.is_some();
            self.scanned_at_newest &= !planned.scanned;
            return;
        };
        self.scanned_at_newest = planned.scanned;
        let member = Member {
            id: info.id,
            len: info.len,
        };
        if planned.parent.is_some() {
            self.members.push(member);
        } else {
            self.members = vec![member];
            self.force_full = false;
            remove_ancestors(&self.path);
        }
        self.hashes = Some(PageHashes {
            seed: self.seed,
            layout: planned.layout,
            len: planned.len,
            hashes: planned.table.to_vec(),
        });
        self.inode = inode(&self.path);
    }
}

/// Removes every `NAME.<16 hex digits>` file beside `path` (the ancestors
/// of chains that a full snapshot at `path` replaced, including those a
/// crash left behind).
pub fn remove_ancestors(path: &Path) {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let f = e.file_name();
        let f = f.to_string_lossy();
        let is_ancestor = f
            .strip_prefix(name.as_str())
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|h| {
                h.len() == 16
                    && h.bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            });
        if is_ancestor {
            let _ = std::fs::remove_file(e.path());
        }
    }
}
