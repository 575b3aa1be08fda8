//! File-system confinement: a program opens only what it is given.
//!
//! `Dirs` is a set of preopened host directories, each with the guest name
//! the program sees it under (`pivm run --dir HOST[::GUEST][:ro]`). Every
//! path the program opens (`fopen`) and every file a snapshot reopens at
//! resume goes through `Dirs::open`:
//!
//! - the guest path picks its preopen: an absolute path (`/data/x`) the
//!   preopen with the longest absolute guest name that is a prefix of it
//!   (component by component), a relative one (`x`, `out/y`) the preopen
//!   with the longest relative guest name (`.` matches every relative
//!   path). No match: not found.
//! - the rest of the path is resolved beneath that preopen's directory:
//!   `..` and symbolic links may move within it but never above it, an
//!   absolute symbolic link is refused, and so are "magic" links
//!   (`/proc/PID/fd/N`). On Linux this is `openat2` with
//!   `RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS`; where `openat2` is missing
//!   (older kernels, qemu-user, seccomp filters) or `PIVM_FS_WALK=1` is
//!   set, the same rule is applied by a walk one component at a time
//!   (`openat` with `O_NOFOLLOW`, links read and followed by hand, at most
//!   40 of them).
//! - the file is opened with `O_NONBLOCK | O_NOCTTY` (a FIFO never blocks,
//!   a terminal never becomes ours), then `fstat`: anything but a regular
//!   file is refused, and so is every file of procfs (`/proc/self/mem`
//!   would give the program pivm's own memory), even in a preopened
//!   directory. `w` truncates only after that check.
//! - a read-only preopen refuses every mode that writes (`w`, `a`, `+`).

use std::ffi::{CStr, CString};
use std::fmt;
use std::fs::File;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::path::Path;

/// Symbolic links followed in one resolution, as Linux's own limit.
const MAX_LINKS: usize = 40;

/// One preopened directory.
struct Preopen {
    /// The guest name, split into components (no `.`, `..` or empty ones).
    guest: Vec<String>,
    /// Whether the guest name is absolute (`/data`) or relative (`.`, `data`).
    absolute: bool,
    /// The guest name as given, for messages.
    name: String,
    dir: OwnedFd,
    read_only: bool,
}

/// The directories a program may open files beneath. Empty by default:
/// nothing can be opened.
#[derive(Default)]
pub struct Dirs {
    preopens: Vec<Preopen>,
    /// Never use `openat2` (`PIVM_FS_WALK=1`): tests the walk on any host.
    walk_only: bool,
}

impl Dirs {
    /// The same preopens, on duplicated descriptors (a forked process's);
    /// a preopen whose descriptor cannot be duplicated is left out.
    pub fn try_clone(&self) -> Dirs {
        Dirs {
            preopens: self
                .preopens
                .iter()
                .filter_map(|p| {
                    Some(Preopen {
                        guest: p.guest.clone(),
                        absolute: p.absolute,
                        name: p.name.clone(),
                        dir: p.dir.try_clone().ok()?,
                        read_only: p.read_only,
                    })
                })
                .collect(),
            walk_only: self.walk_only,
        }
    }
}

/// What an open asks for.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Access {
    pub read: bool,
    pub write: bool,
    pub create: bool,
    pub truncate: bool,
}

impl Access {
    /// The access of a C `fopen` mode (`r`, `w`, `a`, with `+` and `b`);
    /// `None` for a bad mode. `reopen` (a snapshot's file) never truncates.
    pub fn of_mode(mode: &str, reopen: bool) -> Option<Access> {
        let (first, rest) = mode.as_bytes().split_first()?;
        if rest.iter().any(|&c| c != b'+' && c != b'b') {
            return None;
        }
        let plus = rest.contains(&b'+');
        Some(match first {
            b'r' => Access {
                read: true,
                write: plus,
                create: false,
                truncate: false,
            },
            b'w' => Access {
                read: plus,
                write: true,
                create: true,
                truncate: !reopen,
            },
            b'a' => Access {
                read: plus,
                write: true,
                create: true,
                truncate: false,
            },
            _ => return None,
        })
    }
}

/// Why an open was refused.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Denied {
    /// No preopen holds the path (its guest name matches none).
    NoPreopen,
    /// The path leaves its preopen (`..` above it, an absolute or magic link).
    Escape,
    /// The preopen is read-only and the mode writes.
    ReadOnly,
    /// A directory, device, FIFO, socket or procfs file.
    NotRegular(&'static str),
    /// The host refused (does not exist, permission, ...), with the C
    /// `errno` value the program sees (`errno_of`).
    Host(String, i32),
}

/// errno values as Linux and glibc number them, the same on every host.
pub mod errno {
    pub const ENOENT: i32 = 2;
    pub const EIO: i32 = 5;
    pub const EBADF: i32 = 9;
    pub const EACCES: i32 = 13;
    pub const EEXIST: i32 = 17;
    pub const EXDEV: i32 = 18;
    pub const ENOTDIR: i32 = 20;
    pub const EISDIR: i32 = 21;
    pub const EINVAL: i32 = 22;
    pub const EROFS: i32 = 30;
    pub const EDOM: i32 = pivm_ir::builtins::EDOM;
    pub const ERANGE: i32 = pivm_ir::builtins::ERANGE;
    pub const ENAMETOOLONG: i32 = 36;
    pub const ENOTEMPTY: i32 = 39;
    pub const ELOOP: i32 = 40;
}

/// The Linux errno of a host error, whatever the host numbers it.
fn errno_of(e: &std::io::Error) -> i32 {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => errno::ENOENT,
        K::PermissionDenied => errno::EACCES,
        K::AlreadyExists => errno::EEXIST,
        K::IsADirectory => errno::EISDIR,
        K::NotADirectory => errno::ENOTDIR,
        K::DirectoryNotEmpty => errno::ENOTEMPTY,
        K::ReadOnlyFilesystem => errno::EROFS,
        K::CrossesDevices => errno::EXDEV,
        K::InvalidInput | K::InvalidFilename => errno::EINVAL,
        _ if e.raw_os_error() == Some(libc::ELOOP) => errno::ELOOP,
        _ => errno::EIO,
    }
}

impl Denied {
    /// The `errno` a C program sees for this refusal.
    pub fn errno(&self) -> i32 {
        match self {
            Denied::NoPreopen => errno::ENOENT,
            Denied::Escape => errno::EACCES,
            Denied::ReadOnly => errno::EROFS,
            Denied::NotRegular("a directory") => errno::EISDIR,
            Denied::NotRegular(_) => errno::EACCES,
            Denied::Host(_, e) => *e,
        }
    }
}

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Denied::NoPreopen => f.write_str("no preopened directory (--dir) holds it"),
            Denied::Escape => f.write_str("it leads outside its preopened directory"),
            Denied::ReadOnly => f.write_str("its preopened directory is read-only"),
            Denied::NotRegular(what) => write!(f, "it is {what}, not a regular file"),
            Denied::Host(e, _) => f.write_str(e),
        }
    }
}

/// Splits a path into its components, without empty ones and `.`.
fn components(path: &str) -> impl DoubleEndedIterator<Item = &str> {
    path.split('/').filter(|c| !c.is_empty() && *c != ".")
}

impl Dirs {
    /// No preopen: every open is refused.
    pub fn none() -> Dirs {
        Dirs {
            preopens: Vec::new(),
            walk_only: std::env::var_os("PIVM_FS_WALK").is_some_and(|v| v == "1"),
        }
    }

    /// Preopens host directory `host` under guest name `guest` (`.` for
    /// relative paths, `/data` for absolute ones, `data` for relative
    /// paths starting with `data/`). The host path is the user's: it may
    /// be a symbolic link. A later preopen of the same guest name wins.
    pub fn add(&mut self, host: &Path, guest: &str, read_only: bool) -> Result<(), String> {
        if guest.is_empty() {
            return Err("the guest name is empty".into());
        }
        if components(guest).any(|c| c == "..") {
            return Err(format!("the guest name '{guest}' contains '..'"));
        }
        let c = CString::new(host.as_os_str().as_encoded_bytes())
            .map_err(|_| format!("'{}' contains a NUL byte", host.display()))?;
        // SAFETY: `c` is a NUL-terminated path; the result is checked.
        let fd = unsafe { libc::open(c.as_ptr(), DIR_FLAGS | libc::O_DIRECTORY) };
        if fd < 0 {
            let e = std::io::Error::last_os_error();
            return Err(format!("cannot open directory '{}': {e}", host.display()));
        }
        // SAFETY: `open` returned a fresh descriptor that we own.
        let dir = unsafe { OwnedFd::from_raw_fd(fd) };
        self.preopens.push(Preopen {
            guest: components(guest).map(str::to_string).collect(),
            absolute: guest.starts_with('/'),
            name: guest.to_string(),
            dir,
            read_only,
        });
        Ok(())
    }

    /// The guest names of the preopens, in order, with `:ro` on read-only ones.
    pub fn names(&self) -> Vec<String> {
        self.preopens
            .iter()
            .map(|p| format!("{}{}", p.name, if p.read_only { ":ro" } else { "" }))
            .collect()
    }

    /// The preopen holding guest path `path` and the rest of the path.
    fn find<'a>(&self, path: &'a str) -> Option<(&Preopen, Vec<&'a str>)> {
        let absolute = path.starts_with('/');
        let comps: Vec<&str> = components(path).collect();
        let mut best: Option<&Preopen> = None;
        for p in &self.preopens {
            let fits = p.absolute == absolute
                && p.guest.len() <= comps.len()
                && p.guest.iter().zip(&comps).all(|(a, b)| a == b);
            if fits && best.is_none_or(|b| p.guest.len() >= b.guest.len()) {
                best = Some(p);
            }
        }
        best.map(|p| (p, comps[p.guest.len()..].to_vec()))
    }

    /// Opens guest path `path` with `access`, under the policy at the top
    /// of this file.
    pub fn open(&self, path: &str, access: Access) -> Result<File, Denied> {
        if path.is_empty() || path.contains('\0') {
            return Err(not_found());
        }
        let (pre, rest) = self.find(path).ok_or(Denied::NoPreopen)?;
        if pre.read_only && (access.write || access.create || access.truncate) {
            return Err(Denied::ReadOnly);
        }
        let mut flags = libc::O_CLOEXEC | libc::O_NOCTTY | libc::O_NONBLOCK;
        flags |= match (access.read, access.write) {
            (true, true) => libc::O_RDWR,
            (false, true) => libc::O_WRONLY,
            _ => libc::O_RDONLY,
        };
        if access.create {
            flags |= libc::O_CREAT;
        }
        let rest = rest.join("/");
        let fd = open_beneath(pre.dir.as_fd(), &rest, flags, self.walk_only).map_err(host)?;
        check_regular(&fd)?;
        if access.truncate {
            // SAFETY: `fd` is an open descriptor we own.
            if unsafe { libc::ftruncate(fd.as_raw_fd(), 0) } != 0 {
                return Err(host(std::io::Error::last_os_error()));
            }
        }
        // SAFETY: `fd` is an open descriptor we own; clearing O_NONBLOCK
        // only changes how later reads wait (they do not, on a regular file).
        unsafe {
            let fl = libc::fcntl(fd.as_raw_fd(), libc::F_GETFL);
            if fl >= 0 {
                libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, fl & !libc::O_NONBLOCK);
            }
        }
        Ok(File::from(fd))
    }
}

impl Dirs {
    /// The directory holding guest path `path`, opened beneath its
    /// preopen, and the path's last component: what `remove` and `rename`
    /// act on. The preopen must be writable; the last component is a
    /// plain name (not `.` or `..`), so the change stays beneath it.
    fn parent(&self, path: &str) -> Result<(OwnedFd, CString), Denied> {
        if path.is_empty() || path.contains('\0') {
            return Err(not_found());
        }
        let (pre, rest) = self.find(path).ok_or(Denied::NoPreopen)?;
        if pre.read_only {
            return Err(Denied::ReadOnly);
        }
        let Some((last, dirs)) = rest.split_last() else {
            return Err(Denied::NotRegular("a directory"));
        };
        if *last == ".." {
            return Err(Denied::NotRegular("a directory"));
        }
        let flags = DIR_FLAGS | libc::O_DIRECTORY;
        let fd =
            open_beneath(pre.dir.as_fd(), &dirs.join("/"), flags, self.walk_only).map_err(host)?;
        let name = CString::new(*last).map_err(|_| not_found())?;
        Ok((fd, name))
    }

    /// C `remove` of a file beneath the preopens (not a directory).
    pub fn remove(&self, path: &str) -> Result<(), Denied> {
        let (dir, name) = self.parent(path)?;
        // SAFETY: `dir` is an open directory and `name` a NUL-terminated
        // plain name; unlinkat removes a symbolic link itself, never its
        // target, so nothing outside the preopen is touched.
        if unsafe { libc::unlinkat(dir.as_raw_fd(), name.as_ptr(), 0) } != 0 {
            return Err(host(std::io::Error::last_os_error()));
        }
        Ok(())
    }

    /// C `rename`: both paths beneath (possibly different) preopens.
    pub fn rename(&self, from: &str, to: &str) -> Result<(), Denied> {
        let (d1, n1) = self.parent(from)?;
        let (d2, n2) = self.parent(to)?;
        // SAFETY: both descriptors are open directories and both names
        // NUL-terminated plain names.
        let r = unsafe { libc::renameat(d1.as_raw_fd(), n1.as_ptr(), d2.as_raw_fd(), n2.as_ptr()) };
        if r != 0 {
            return Err(host(std::io::Error::last_os_error()));
        }
        Ok(())
    }
}

/// How preopened directories are held: a path handle where the host has
/// them (no read permission needed), a read-only descriptor elsewhere.
#[cfg(target_os = "linux")]
const DIR_FLAGS: libc::c_int = libc::O_PATH | libc::O_CLOEXEC;
#[cfg(not(target_os = "linux"))]
const DIR_FLAGS: libc::c_int = libc::O_RDONLY | libc::O_CLOEXEC;

fn host(e: std::io::Error) -> Denied {
    match e.raw_os_error() {
        Some(libc::EXDEV) => Denied::Escape,
        _ => Denied::Host(e.to_string(), errno_of(&e)),
    }
}

fn not_found() -> Denied {
    Denied::Host("no such file or directory".into(), errno::ENOENT)
}

/// Refuses all but regular files, and procfs.
fn check_regular(fd: &OwnedFd) -> Result<(), Denied> {
    // SAFETY: a zeroed `stat` is a valid value for fstat to fill.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is open and `st` is a valid out-pointer.
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } != 0 {
        return Err(host(std::io::Error::last_os_error()));
    }
    let kind = match st.st_mode & libc::S_IFMT {
        libc::S_IFREG => None,
        libc::S_IFDIR => Some("a directory"),
        libc::S_IFCHR => Some("a character device"),
        libc::S_IFBLK => Some("a block device"),
        libc::S_IFIFO => Some("a FIFO"),
        libc::S_IFSOCK => Some("a socket"),
        _ => Some("a special file"),
    };
    if let Some(k) = kind {
        return Err(Denied::NotRegular(k));
    }
    if on_procfs(fd) {
        return Err(Denied::NotRegular("a procfs file"));
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn on_procfs(fd: &OwnedFd) -> bool {
    // SAFETY: a zeroed `statfs` is a valid value for fstatfs to fill.
    let mut s: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is open and `s` is a valid out-pointer.
    let ok = unsafe { libc::fstatfs(fd.as_raw_fd(), &mut s) } == 0;
    // f_type and the constant have different C types across targets.
    #[allow(clippy::unnecessary_cast)]
    let proc = s.f_type as i64 == libc::PROC_SUPER_MAGIC as i64;
    // A file whose file system cannot be told is refused too.
    !ok || proc
}

#[cfg(not(target_os = "linux"))]
fn on_procfs(_fd: &OwnedFd) -> bool {
    false
}

fn err(code: i32) -> std::io::Error {
    std::io::Error::from_raw_os_error(code)
}

/// Opens `rest` (relative, may be empty) beneath `root` with `flags`.
fn open_beneath(
    root: BorrowedFd,
    rest: &str,
    flags: libc::c_int,
    walk_only: bool,
) -> std::io::Result<OwnedFd> {
    #[cfg(target_os = "linux")]
    if !walk_only {
        match openat2(root, if rest.is_empty() { "." } else { rest }, flags) {
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(libc::ENOSYS | libc::EPERM | libc::EINVAL | libc::E2BIG)
                ) => {}
            r => return r,
        }
    }
    let _ = walk_only;
    walk(root, rest, flags)
}

#[cfg(target_os = "linux")]
#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

#[cfg(target_os = "linux")]
fn openat2(root: BorrowedFd, rest: &str, flags: libc::c_int) -> std::io::Result<OwnedFd> {
    let c = CString::new(rest).map_err(|_| err(libc::EINVAL))?;
    let how = OpenHow {
        flags: flags as u32 as u64,
        mode: if flags & libc::O_CREAT != 0 { 0o666 } else { 0 },
        resolve: libc::RESOLVE_BENEATH | libc::RESOLVE_NO_MAGICLINKS,
    };
    // EAGAIN: a rename or mount raced with the resolution; retry a few times.
    let mut tries = 0;
    loop {
        tries += 1;
        // SAFETY: `c` is NUL-terminated, `how` is a valid `open_how` of
        // the size passed; the result is checked.
        let r = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                root.as_raw_fd(),
                c.as_ptr(),
                &how as *const OpenHow,
                std::mem::size_of::<OpenHow>(),
            )
        };
        if r >= 0 {
            // SAFETY: openat2 returned a fresh descriptor that we own.
            return Ok(unsafe { OwnedFd::from_raw_fd(r as libc::c_int) });
        }
        let e = std::io::Error::last_os_error();
        let again = matches!(e.raw_os_error(), Some(libc::EINTR | libc::EAGAIN));
        if !again || tries >= 16 {
            return Err(e);
        }
    }
}

/// `openat(dir, name, flags)`, retried on EINTR.
fn openat(dir: BorrowedFd, name: &CStr, flags: libc::c_int) -> std::io::Result<OwnedFd> {
    loop {
        // SAFETY: `name` is NUL-terminated; the mode is read only with O_CREAT.
        let r =
            unsafe { libc::openat(dir.as_raw_fd(), name.as_ptr(), flags, 0o666 as libc::c_uint) };
        if r >= 0 {
            // SAFETY: openat returned a fresh descriptor that we own.
            return Ok(unsafe { OwnedFd::from_raw_fd(r) });
        }
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINTR) {
            return Err(e);
        }
    }
}

/// The target of symbolic link `name` in `dir`, or `None` if it is not one.
fn readlink(dir: BorrowedFd, name: &CStr) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 4096];
    // SAFETY: `name` is NUL-terminated and `buf` has `buf.len()` bytes.
    let n = unsafe {
        libc::readlinkat(
            dir.as_raw_fd(),
            name.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    if n < 0 || n as usize >= buf.len() {
        return None;
    }
    buf.truncate(n as usize);
    Some(buf)
}

/// `RESOLVE_BENEATH` by hand: one component at a time, never following a
/// link the kernel resolves; `..` pops a directory this walk opened and
/// fails above `root`; a link's target is spliced into the rest of the
/// path, and an absolute one fails.
fn walk(root: BorrowedFd, rest: &str, flags: libc::c_int) -> std::io::Result<OwnedFd> {
    #[cfg(target_os = "linux")]
    const STEP: libc::c_int = libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    #[cfg(not(target_os = "linux"))]
    const STEP: libc::c_int =
        libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    let mut todo: Vec<Vec<u8>> = components(rest)
        .rev()
        .map(|c| c.as_bytes().to_vec())
        .collect();
    let mut dirs: Vec<OwnedFd> = Vec::new();
    let mut links = 0;
    while let Some(c) = todo.pop() {
        if c == b".." {
            dirs.pop().ok_or_else(|| err(libc::EXDEV))?;
            continue;
        }
        let cur = dirs.last().map_or(root, |d| d.as_fd());
        let name = CString::new(c).map_err(|_| err(libc::EINVAL))?;
        let last = todo.is_empty();
        let r = if last {
            openat(cur, &name, flags | libc::O_NOFOLLOW)
        } else {
            openat(cur, &name, STEP)
        };
        match r {
            Ok(fd) if last => return Ok(fd),
            Ok(fd) => dirs.push(fd),
            Err(e) if matches!(e.raw_os_error(), Some(libc::ELOOP | libc::ENOTDIR)) => {
                let Some(target) = readlink(cur, &name) else {
                    return Err(e);
                };
                links += 1;
                if links > MAX_LINKS {
                    return Err(err(libc::ELOOP));
                }
                if target.first() == Some(&b'/') {
                    return Err(err(libc::EXDEV));
                }
                todo.extend(
                    target
                        .split(|&b| b == b'/')
                        .filter(|c| !c.is_empty() && *c != b".")
                        .rev()
                        .map(<[u8]>::to_vec),
                );
            }
            Err(e) => return Err(e),
        }
    }
    // The path names a directory (it was empty or ended in `..`): open it
    // as asked, so the caller refuses it as a directory.
    let cur = dirs.last().map_or(root, |d| d.as_fd());
    openat(cur, c".", flags & !libc::O_CREAT)
}
