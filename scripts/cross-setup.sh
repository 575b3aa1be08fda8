#!/usr/bin/env bash
# Copied from shared/cross/setup.sh (verified route); .ci/run calls it so a clean machine gets the cross toolchains.
# setup-cross.sh - cross-build Rust (with std) for aarch64 / s390x / riscv64gc on a
# Debian 12 (bookworm) x86_64 machine and run the results under qemu-user.
#
# Route that works (tested on Debian 12.11, rustc-web 1.96.0+dfsg1-1~deb12u2, qemu-user 7.2):
#   * compiler   : Debian's rustc-web + cargo-web (/usr/bin/rustc, /usr/bin/cargo, 1.96)
#                  -- NOT rustup's 1.95: a std must come from the exact rustc that uses it.
#   * aarch64    : prebuilt std from multiarch package libstd-rust-web-dev:arm64
#                  (same version as rustc-web; dpkg enforces that, the package is Multi-Arch: same)
#   * s390x      : no 1.96 std exists for s390x in bookworm (bookworm-security/LTS no longer
#                  builds s390x; bookworm main only has 1.85), so std is built from Debian's
#                  rust-web-src with RUSTC_BOOTSTRAP=1 + cargo -Zbuild-std (needs crates.io).
#   * riscv64gc  : riscv64 is not a bookworm architecture at all -> same -Zbuild-std route.
#   * link       : Debian cross gcc (aarch64-linux-gnu-gcc, s390x-linux-gnu-gcc, riscv64-linux-gnu-gcc)
#   * run        : qemu-user (qemu-aarch64 / qemu-s390x / qemu-riscv64), used as cargo "runner".
#
# Installs /usr/local/bin/xcargo, a wrapper around Debian's cargo that sets everything up per target:
#     xcargo build  --release --target s390x-unknown-linux-gnu
#     xcargo run    --target aarch64-unknown-linux-gnu
#     xcargo test   --target riscv64gc-unknown-linux-gnu
#     xcargo build  --release            # native x86_64 with rustc-web 1.96
#
# Usage: sudo bash setup-cross.sh [--selftest]      (idempotent; safe to re-run)
set -euo pipefail

SELFTEST=0
[[ "${1:-}" == "--selftest" ]] && SELFTEST=1

if [[ $(id -u) -ne 0 ]]; then echo "run as root" >&2; exit 1; fi
if [[ $(dpkg --print-architecture) != amd64 ]]; then echo "expects an amd64 host" >&2; exit 1; fi
. /etc/os-release
if [[ "${VERSION_CODENAME:-}" != bookworm ]]; then
  echo "warning: tested on Debian 12 (bookworm) only; this is ${PRETTY_NAME:-unknown}" >&2
fi
export DEBIAN_FRONTEND=noninteractive

log() { printf '\n=== %s\n' "$*"; }

# ---------------------------------------------------------------------------------------------
log "1/5 enable the arm64 foreign architecture (for libstd-rust-web-dev:arm64)"
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
fi
# (s390x is deliberately NOT added: bookworm-security has no s390x, so libstd-rust-web-dev:s390x
#  would be 1.85 and useless with rustc-web 1.96.)
apt-get update -qq

# ---------------------------------------------------------------------------------------------
log "2/5 pick one rustc-web version that exists for amd64 AND arm64"
cand() { apt-cache policy "$1" | awk '/Candidate:/{print $2}'; }
V_ARM64=$(cand libstd-rust-web-dev:arm64)
V_AMD64=$(cand rustc-web)
if [[ -z "$V_ARM64" || "$V_ARM64" == "(none)" ]]; then
  echo "libstd-rust-web-dev:arm64 not available from apt" >&2; exit 1
fi
if [[ "$V_ARM64" != "$V_AMD64" ]]; then
  echo "note: rustc-web candidate $V_AMD64 != arm64 std candidate $V_ARM64; pinning both to $V_ARM64"
fi
V="$V_ARM64"
echo "rustc-web version: $V"

# ---------------------------------------------------------------------------------------------
log "3/5 apt packages"
PKGS=(
  "rustc-web=$V" "cargo-web=$V" "rust-web-src=$V"
  "libstd-rust-web-dev=$V" "libstd-rust-web-dev:arm64=$V"
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  gcc-s390x-linux-gnu   libc6-dev-s390x-cross
  gcc-riscv64-linux-gnu libc6-dev-riscv64-cross
  qemu-user
)
apt-get install -y --no-install-recommends "${PKGS[@]}"

# ---------------------------------------------------------------------------------------------
log "4/5 sanity checks"
/usr/bin/rustc -vV | sed -n '1p;/^host/p;/^LLVM/p'
/usr/bin/cargo -V
for d in /usr/lib/rustlib/x86_64-unknown-linux-gnu/lib /usr/lib/rustlib/aarch64-unknown-linux-gnu/lib \
         /usr/lib/rustlib/src/rust/library/std /usr/lib/rustlib/src/rust/library/Cargo.lock; do
  [[ -e "$d" ]] || { echo "missing: $d" >&2; exit 1; }
done
for b in aarch64-linux-gnu-gcc s390x-linux-gnu-gcc riscv64-linux-gnu-gcc qemu-aarch64 qemu-s390x qemu-riscv64; do
  command -v "$b" >/dev/null || { echo "missing: $b" >&2; exit 1; }
done
[[ -e /lib/ld-linux-aarch64.so.1 ]] || { echo "missing multiarch /lib/ld-linux-aarch64.so.1 (libc6:arm64)" >&2; exit 1; }
echo "ok"

# ---------------------------------------------------------------------------------------------
log "5/5 install /usr/local/bin/xcargo"
cat > /usr/local/bin/xcargo <<'XCARGO'
#!/usr/bin/env bash
# xcargo: Debian rustc-web's cargo, set up for native x86_64 and for cross targets under qemu-user.
# Written by setup-cross.sh.
set -euo pipefail
# rustup's proxies (~/.cargo/bin) usually come first in PATH; Debian's cargo would otherwise
# call rustup's rustc 1.95, which has no std for the cross targets (E0463 can't find crate for `std`).
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc

target="${CARGO_BUILD_TARGET:-}"
prev=""
for a in "$@"; do
  if [[ "$prev" == "--target" ]]; then target="$a"; fi
  case "$a" in --target=*) target="${a#--target=}";; esac
  prev="$a"
done

# Linker + runner for every target we support (env form of .cargo/config.toml [target.X]);
# an explicit setting in the environment wins.
: "${CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER:=aarch64-linux-gnu-gcc}"
# No -L here: libc6:arm64 (multiarch) is installed, so /lib/ld-linux-aarch64.so.1 and
# /lib/aarch64-linux-gnu/libc.so.6 come from the same glibc build. With
# "-L /usr/aarch64-linux-gnu" qemu loads the cross ld.so but falls back to the multiarch
# libc.so.6 (different glibc build) and pthread_create spins forever (seen with libtest).
: "${CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER:=qemu-aarch64}"
: "${CARGO_TARGET_S390X_UNKNOWN_LINUX_GNU_LINKER:=s390x-linux-gnu-gcc}"
: "${CARGO_TARGET_S390X_UNKNOWN_LINUX_GNU_RUNNER:=qemu-s390x -L /usr/s390x-linux-gnu}"
: "${CARGO_TARGET_RISCV64GC_UNKNOWN_LINUX_GNU_LINKER:=riscv64-linux-gnu-gcc}"
: "${CARGO_TARGET_RISCV64GC_UNKNOWN_LINUX_GNU_RUNNER:=qemu-riscv64 -L /usr/riscv64-linux-gnu}"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER \
       CARGO_TARGET_S390X_UNKNOWN_LINUX_GNU_LINKER CARGO_TARGET_S390X_UNKNOWN_LINUX_GNU_RUNNER \
       CARGO_TARGET_RISCV64GC_UNKNOWN_LINUX_GNU_LINKER CARGO_TARGET_RISCV64GC_UNKNOWN_LINUX_GNU_RUNNER

# Keep these artifacts apart from rustup's: switching rustc invalidates every artifact.
: "${CARGO_TARGET_DIR:=target/cross}"
export CARGO_TARGET_DIR

case "$target" in
  s390x-unknown-linux-gnu|riscv64gc-unknown-linux-gnu)
    # No prebuilt 1.96 std for these in bookworm: build it from rust-web-src (same version as rustc).
    export RUSTC_BOOTSTRAP=1
    : "${CARGO_UNSTABLE_BUILD_STD:=std,panic_unwind}"
    export CARGO_UNSTABLE_BUILD_STD
    ;;
esac
exec /usr/bin/cargo "$@"
XCARGO
chmod 755 /usr/local/bin/xcargo
echo "installed /usr/local/bin/xcargo"

# ---------------------------------------------------------------------------------------------
if [[ $SELFTEST -eq 1 ]]; then
  log "selftest: hello world with std on 4 targets"
  T=$(mktemp -d /tmp/xcargo-selftest.XXXXXX)
  mkdir -p "$T/src"
  cat > "$T/Cargo.toml" <<'EOF'
[package]
name = "xhello"
version = "0.1.0"
edition = "2021"
EOF
  cat > "$T/src/main.rs" <<'EOF'
fn main() {
    let h = std::thread::spawn(|| 0x0102_0304u32.to_ne_bytes()[0]);
    let first = h.join().unwrap();
    println!("arch={} endian={} (first byte {:#04x})", std::env::consts::ARCH,
             if cfg!(target_endian = "big") { "big" } else { "little" }, first);
}
EOF
  for t in x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu s390x-unknown-linux-gnu riscv64gc-unknown-linux-gnu; do
    printf '%-30s ' "$t:"
    (cd "$T" && timeout 600 xcargo run -q --target "$t")
  done
  rm -rf "$T"
fi

cat <<'EOF'

=== done. How to build / run (from any crate directory):

  native x86_64 (rustc-web 1.96):  xcargo build --release
                                   ./target/cross/release/<bin>    (or: xcargo run --release)
  aarch64 (prebuilt arm64 std):    xcargo run  --release --target aarch64-unknown-linux-gnu
                                   qemu-aarch64 target/cross/aarch64-unknown-linux-gnu/release/<bin>
  s390x, big-endian (build-std):   xcargo run  --release --target s390x-unknown-linux-gnu
                                   qemu-s390x -L /usr/s390x-linux-gnu target/cross/s390x-unknown-linux-gnu/release/<bin>
  riscv64gc (build-std):           xcargo run  --release --target riscv64gc-unknown-linux-gnu
                                   qemu-riscv64 -L /usr/riscv64-linux-gnu target/cross/riscv64gc-unknown-linux-gnu/release/<bin>
  tests under qemu:                xcargo test --target <triple>

Without the wrapper (what xcargo does):
  export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc      # rustup's rustc comes first in PATH otherwise
  /usr/bin/cargo build --target aarch64-unknown-linux-gnu
  RUSTC_BOOTSTRAP=1 /usr/bin/cargo build -Zbuild-std=std,panic_unwind --target s390x-unknown-linux-gnu
and in .cargo/config.toml:
  [target.aarch64-unknown-linux-gnu]
  linker = "aarch64-linux-gnu-gcc"
  runner = "qemu-aarch64"
  [target.s390x-unknown-linux-gnu]
  linker = "s390x-linux-gnu-gcc"
  runner = "qemu-s390x -L /usr/s390x-linux-gnu"
  [target.riscv64gc-unknown-linux-gnu]
  linker = "riscv64-linux-gnu-gcc"
  runner = "qemu-riscv64 -L /usr/riscv64-linux-gnu"

xcargo builds into target/cross (set CARGO_TARGET_DIR to change it), apart from rustup's target/:
a different rustc invalidates every artifact. Build with --locked so the Cargo.lock resolved by
rustup's 1.95 (cranelift 0.135.x) is used unchanged on every target.
EOF
