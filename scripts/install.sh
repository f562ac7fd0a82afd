#!/bin/sh
# Installs tfedge as a systemd service; run it again to upgrade.
#
#   sudo scripts/install.sh [--prefix DIR] [--no-start] [BINARY]
#
# BINARY defaults to dist/tfedge-<arch>-linux for this machine (x86_64 or
# aarch64). Installs BINARY as PREFIX/bin/tfedge (PREFIX: /usr/local), the unit
# as /etc/systemd/system/tfedge.service, the example configuration as
# /etc/tfedge/config.json only where none exists yet (a user's file is never
# replaced; the current example is always at /etc/tfedge/tfedge.example.json),
# and the secrets directory /etc/tfedge/credentials (root only). Then reloads
# systemd, enables tfedge at boot and (re)starts it, unless --no-start. Asks
# nothing.
#
# Environment: DESTDIR stages every file under another root (no systemctl
# calls unless SYSTEMCTL is set); SYSTEMCTL replaces the systemctl command;
# TFEDGE_ARCH, TFEDGE_DPKG_ARCH, TFEDGE_PAGESIZE and TFEDGE_MODEL replace what
# is detected about the machine (uname -m, dpkg, getconf PAGESIZE, the
# device-tree model).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
prefix=/usr/local
start=yes
binary=

usage() {
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
}

fail() {
  echo "install.sh: $*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case $1 in
    --prefix) [ $# -ge 2 ] || fail "--prefix needs a directory"; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --no-start) start=no; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "install.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    *) [ -z "$binary" ] || fail "more than one binary given: '$binary' and '$1'"; binary=$1; shift ;;
  esac
done
case $prefix in
  /*) ;;
  *) fail "--prefix must be an absolute path, got '$prefix'" ;;
esac
destdir=${DESTDIR:-}

# --- the machine -------------------------------------------------------------
machine=${TFEDGE_ARCH:-$(uname -m)}
case $machine in
  x86_64 | amd64) arch=x86_64; elf_machine=3e ;;
  aarch64 | arm64) arch=aarch64; elf_machine=b7 ;;
  armv6l | armv7l | armv8l | armhf | arm)
    fail "this is a 32-bit ARM system ($machine). Deno, which tfedge is built on, has no
32-bit ARM build. Install the 64-bit Raspberry Pi OS (arm64; Raspberry Pi 3, 4, 5,
400 or Zero 2 W) and run this script again." ;;
  *) fail "unsupported machine '$machine': tfedge is built for x86_64 and aarch64 Linux" ;;
esac

# A 64-bit kernel can run a 32-bit user land (32-bit Raspberry Pi OS on a Pi 4
# or 5 does so by default): uname says aarch64, but a 64-bit binary cannot start.
dpkg_arch=${TFEDGE_DPKG_ARCH:-$(dpkg --print-architecture 2>/dev/null || true)}
case $dpkg_arch in
  armhf | armel | i386)
    fail "the kernel is 64-bit but the system is 32-bit ($dpkg_arch packages). Deno has
no 32-bit build: install the 64-bit Raspberry Pi OS (arm64) and run this script again." ;;
esac

pagesize=${TFEDGE_PAGESIZE:-$(getconf PAGESIZE)}
if [ "$pagesize" != 4096 ]; then
  model=${TFEDGE_MODEL:-$(tr -d '\0' </proc/device-tree/model 2>/dev/null || true)}
  case $model in
    *"Raspberry Pi 5"*)
      fail "this Raspberry Pi 5 runs a kernel with $pagesize-byte memory pages, on which
Deno (and so tfedge) crashes. Switch to the 4 KiB-page kernel: add the line
  kernel=kernel8.img
to /boot/firmware/config.txt, reboot, and run this script again." ;;
    *)
      fail "this kernel uses $pagesize-byte memory pages; Deno (and so tfedge) needs a
kernel with 4 KiB pages." ;;
  esac
fi

# --- the binary --------------------------------------------------------------
if [ -z "$binary" ]; then
  binary=$root/dist/tfedge-$arch-linux
  [ -f "$binary" ] || fail "no binary given and $binary does not exist.
Build it with 'deno task compile' or pass the path of tfedge-$arch-linux."
fi
[ -f "$binary" ] || fail "binary '$binary' does not exist"
magic=$(od -An -tx1 -N4 "$binary" | tr -d ' \n')
[ "$magic" = 7f454c46 ] || fail "'$binary' is not a Linux executable (ELF)"
found=$(od -An -tx1 -j18 -N1 "$binary" | tr -d ' \n')
if [ "$found" != "$elf_machine" ]; then
  case $found in
    3e) found=x86_64 ;;
    b7) found=aarch64 ;;
    28) found="32-bit ARM" ;;
  esac
  fail "'$binary' is a binary for $found, but this machine is $arch"
fi

for file in tfedge.service tfedge.example.json; do
  [ -f "$root/systemd/$file" ] || fail "$root/systemd/$file is missing"
done
if [ -z "$destdir" ] && [ "$(id -u)" != 0 ]; then
  fail "installing into the system needs root: run it with sudo"
fi

# --- files -------------------------------------------------------------------
bindir=$destdir$prefix/bin
unitdir=$destdir/etc/systemd/system
confdir=$destdir/etc/tfedge
mkdir -p "$bindir" "$unitdir" "$confdir" "$confdir/credentials"
# The service reads config.json itself (it is readable by everyone, so it holds no
# secrets); systemd copies the secrets from credentials/ for it (LoadCredential=).
chmod 0755 "$confdir"
chmod 0700 "$confdir/credentials"

# Copy, then rename: a running tfedge keeps its old file, and a failed copy
# leaves the installed binary as it was.
install_file() { # source target mode
  cp "$1" "$2.new.$$"
  chmod "$3" "$2.new.$$"
  mv -f "$2.new.$$" "$2"
}

install_file "$binary" "$bindir/tfedge" 0755
echo "installed $prefix/bin/tfedge"

sed "s|/usr/local/bin/tfedge|$prefix/bin/tfedge|g" "$root/systemd/tfedge.service" >"$unitdir/tfedge.service.new.$$"
chmod 0644 "$unitdir/tfedge.service.new.$$"
mv -f "$unitdir/tfedge.service.new.$$" "$unitdir/tfedge.service"
echo "installed /etc/systemd/system/tfedge.service"

if [ -e "$confdir/config.json" ]; then
  echo "kept /etc/tfedge/config.json (yours)"
else
  install_file "$root/systemd/tfedge.example.json" "$confdir/config.json" 0644
  echo "installed /etc/tfedge/config.json (the example: edit it)"
fi
# An example, not a configuration: always the current one.
install_file "$root/systemd/tfedge.example.json" "$confdir/tfedge.example.json" 0644
echo "secrets go into /etc/tfedge/credentials/ (one file each, see config.json)"
# Versions before the JSON configuration read their options from tfedge.cmdline.
if [ -e "$confdir/tfedge.cmdline" ]; then
  echo "note: /etc/tfedge/tfedge.cmdline is not read any more. Move its options into"
  echo "  /etc/tfedge/config.json; this prints them in that layout (secrets as ***):"
  echo "  $prefix/bin/tfedge --cmdline-file /etc/tfedge/tfedge.cmdline --check-config"
fi

# --- systemd -----------------------------------------------------------------
if [ -n "$destdir" ] && [ -z "${SYSTEMCTL:-}" ]; then
  echo "DESTDIR is set: systemctl not called"
  exit 0
fi
systemctl=${SYSTEMCTL:-systemctl}
$systemctl daemon-reload
if [ "$start" = no ]; then
  echo "not started (--no-start); start with: systemctl enable --now tfedge"
  exit 0
fi
$systemctl enable tfedge
# restart, not start: after an upgrade the new binary must replace the running one.
$systemctl restart tfedge
echo "tfedge enabled and (re)started; logs: journalctl -u tfedge -f"
