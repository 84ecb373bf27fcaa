#!/usr/bin/env bash
# Makes sure what a Native AOT publish of smqtt links with is installed (scripts/build-native.sh): Debian's clang
# (the ILCompiler package drives `clang` as its linker), zlib1g-dev (the runtime links libz) and binutils (objcopy
# strips the symbols into smqtt.dbg). Installs them with apt-get when missing and running as root; otherwise says how.
set -euo pipefail
missing=0
command -v clang >/dev/null 2>&1 || missing=1
command -v objcopy >/dev/null 2>&1 || command -v llvm-objcopy >/dev/null 2>&1 || missing=1
dpkg-query -W -f='${Status}' zlib1g-dev 2>/dev/null | grep -q 'install ok installed' || missing=1
[ "$missing" -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "The Native AOT toolchain is missing: installing clang, zlib1g-dev and binutils with apt-get."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq clang zlib1g-dev binutils >/dev/null
else
  echo "The Native AOT toolchain is missing. Install it with: sudo apt-get install -y clang zlib1g-dev binutils" >&2
  exit 1
fi
