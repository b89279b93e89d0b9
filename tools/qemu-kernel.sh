#!/bin/sh
# Fetch the kernel that tests/qemu_test boots its Linux guests with,
# without installing it: Debian's linux-image-cloud-amd64 is downloaded
# with apt-get download and unpacked with dpkg -x into a scratch
# directory; kept from it are only the kernel and the modules that a
# virtio-net NIC needs (that kernel has no e1000), in the order they
# must be loaded, which depmod works out.  The cache then holds:
#
#	vmlinuz			the kernel
#	modules/*.ko		uncompressed, for insmod in the guest
#	modules/order		their names, one a line, dependencies first
#	version			the kernel's release, written last
#
# Usage: tools/qemu-kernel.sh [cache_dir]   (default: $VKNET_QEMU_CACHE,
# else /var/cache/vknet-test).  Does nothing if the cache is complete.
set -eu

cache=${1:-${VKNET_QEMU_CACHE:-/var/cache/vknet-test}}
meta=linux-image-cloud-amd64
# virtio_pci is built in on some kernels; then it is simply not found.
want="virtio_pci virtio_net"

[ -s "$cache/version" ] && exit 0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The meta-package depends on the current image package: fetch that.
image()
{
	apt-cache depends "$meta" 2>/dev/null |
	    awk '$1 == "Depends:" { print $2; exit }'
}
image=$(image)
if [ -z "$image" ]; then
	apt-get update -qq >/dev/null
	image=$(image)
fi
[ -n "$image" ] || { echo "qemu-kernel.sh: no $meta in apt's lists" >&2;
    exit 1; }
echo "qemu-kernel.sh: fetching $image into $cache" >&2
# apt's sandbox user could not write to a root-only mktemp directory.
(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$image" \
    >/dev/null)
dpkg -x "$tmp"/*.deb "$tmp/root"
kver=$(ls "$tmp/root/lib/modules")
mods=$tmp/root/lib/modules/$kver
# The package leaves modules.dep to its postinst: make it here.
busybox depmod -b "$tmp/root" "$kver"

# The line of modules.dep for module $1, "path: dependencies".
depline()
{
	grep -E "^([^:]*/)?$1\.ko(\.[a-z]+)?:" "$mods/modules.dep"
}

# order MODULE: the paths of MODULE's dependencies, then its own, as
# modules.dep has them (relative to $mods), each once.  sh has no
# local variables: the recursion overwrites $line, so it is read again.
seen=" "
order()
{
	line=$(depline "$1") || return 0
	case $seen in *" ${line%%:*} "*) return 0 ;; esac
	for dep in ${line#*:}; do
		dep=${dep##*/}
		order "${dep%%.ko*}"
	done
	line=$(depline "$1")
	seen="$seen${line%%:*} "
	echo "${line%%:*}"
}

rm -rf "$cache"
mkdir -p "$cache/modules"
for m in $want; do
	order "$m"
done >"$tmp/paths"
[ -s "$tmp/paths" ] || { echo "qemu-kernel.sh: $kver has no" \
    "$want modules" >&2; exit 1; }
out=$cache/modules
while read -r path; do
	name=${path##*/}
	case $name in
	*.ko.xz)	xz -dc "$mods/$path" >"$out/${name%.xz}" ;;
	*.ko.gz)	gzip -dc "$mods/$path" >"$out/${name%.gz}" ;;
	*.ko.zst)	zstd -qdc "$mods/$path" >"$out/${name%.zst}" ;;
	*)		cp "$mods/$path" "$out/$name" ;;
	esac
	echo "${name%%.ko*}" >>"$out/order"
done <"$tmp/paths"
cp "$tmp/root/boot/vmlinuz-$kver" "$cache/vmlinuz"
echo "$kver" >"$cache/version"
echo "qemu-kernel.sh: $kver, modules:" $(cat "$out/order") >&2
