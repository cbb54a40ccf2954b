#!/usr/bin/env bash
# Builds the test guest's initramfs: busybox, the guest kernel's modules that
# s4.ko needs, s4.ko, libs4's tools and the guest tests with their shared
# libraries, and /s4/cmd.sh holding the command to run.
#
#   mkinitramfs.sh OUTPUT CMDFILE
set -euo pipefail

out=$1
cmdfile=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${S4_CACHE:-$HOME/.cache/s4}
BUILD=${BUILD:-$top/build}
kroot=$CACHE/kernel/current/root
kver=$(basename "$(readlink -f "$CACHE/kernel/current")")
stage=$BUILD/vm/root

rm -rf "$stage"
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,usr/lib/s4/tests,proc,sys,dev,tmp,run,root,s4,etc}
cp /bin/busybox "$stage/bin/busybox"
install -m 755 "$top/tests/vm/init" "$stage/init"
install -m 755 "$cmdfile" "$stage/s4/cmd.sh"

# Kernel modules: the closure of s4.ko's dependencies in the guest kernel.
[ -f "$kroot/lib/modules/$kver/modules.dep" ] || depmod -b "$kroot" "$kver"
declare -A seen=()
add_module() { # name
	local name=${1//-/_} line path dep
	[ -n "${seen[$name]:-}" ] && return
	seen[$name]=1
	line=$(grep -E "/(${name}|${name//_/-})\.ko(\.xz|\.zst)?:" \
		"$kroot/lib/modules/$kver/modules.dep" | head -n 1) || {
		echo "mkinitramfs: module $1 not found in guest kernel $kver" >&2
		exit 1
	}
	path=${line%%:*}
	mkdir -p "$stage/lib/modules/$kver/$(dirname "$path")"
	case $path in
	*.xz) xz -dc "$kroot/lib/modules/$kver/$path" >"$stage/lib/modules/$kver/${path%.xz}" ;;
	*.zst) zstd -qdc "$kroot/lib/modules/$kver/$path" >"$stage/lib/modules/$kver/${path%.zst}" ;;
	*) cp "$kroot/lib/modules/$kver/$path" "$stage/lib/modules/$kver/$path" ;;
	esac
	for dep in ${line#*:}; do
		dep=$(basename "$dep")
		add_module "${dep%%.ko*}"
	done
}
for dep in $(modinfo -F depends "$top/s4.ko" | tr ',' ' '); do
	add_module "$dep"
done
install -D -m 644 "$top/s4.ko" "$stage/lib/modules/$kver/extra/s4.ko"
cp "$kroot/lib/modules/$kver"/modules.{builtin,builtin.modinfo,order} "$stage/lib/modules/$kver/"
depmod -b "$stage" "$kver"
# Hung jobs are aborted after 1 s (default 5 s) so that recovery tests are quick.
mkdir -p "$stage/etc/modprobe.d"
echo "options s4 job_timeout_ms=1000" >"$stage/etc/modprobe.d/s4.conf"

# Userspace: our binaries and the shared libraries they load.
install -m 755 "$BUILD"/bin/* "$stage/usr/bin/"
find "$BUILD/guest" -maxdepth 1 -type f -exec install -m 755 -t "$stage/usr/lib/s4/tests/" {} +
install -m 644 "$top/tests/vm/demo.sh" "$stage/usr/lib/s4/demo.sh"
for f in "$BUILD"/bin/* $(find "$BUILD/guest" -maxdepth 1 -type f); do
	ldd "$f" 2>/dev/null | grep -oE '/[^ ]+' || true
done | sort -u | while read -r lib; do
	mkdir -p "$stage$(dirname "$lib")"
	cp -L "$lib" "$stage$lib"
done

(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
