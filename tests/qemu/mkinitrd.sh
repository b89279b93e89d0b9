#!/bin/sh
# Build the initramfs of qemu_test's guests: static busybox, the init
# script beside this file, and the NIC's modules from the kernel cache
# that tools/qemu-kernel.sh fills.  About 1 MB, made in well under a
# second, so it is built afresh by each test rather than kept.
#
# Usage: mkinitrd.sh cache_dir output.cpio.gz
set -eu

cache=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
busybox=$(command -v busybox)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/modules"
cp "$busybox" "$tmp/bin/busybox"
# It is the guest's only program: a dynamic one would find no libc.
if readelf -l "$busybox" | grep -q INTERP; then
	echo "mkinitrd.sh: $busybox is not static (busybox-static)" >&2
	exit 1
fi
ln -s busybox "$tmp/bin/sh"
cp "$here/init" "$tmp/init"
chmod 755 "$tmp/init"
cp "$cache/modules/"*.ko "$cache/modules/order" "$tmp/modules/"
(cd "$tmp" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out"
