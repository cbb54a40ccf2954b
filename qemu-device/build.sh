#!/usr/bin/env bash
# Builds qemu-system-x86_64 with the S4 card: syncs this directory and the
# firmware headers into Debian's QEMU 10.0 source tree in the cache, hooks the
# card into hw/misc, and builds incrementally in $S4_CACHE/qemu-build.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${S4_CACHE:-$HOME/.cache/s4}
QSRC=$CACHE/qemu-src
QBUILD=$CACHE/qemu-build

if [ ! -f "$QSRC/.done" ]; then
	echo "qemu-device: no QEMU source in $QSRC; run 'make deps' first" >&2
	exit 1
fi

# Copy a file only when it changed, so ninja rebuilds only what changed.
sync_file() { # src dst
	if ! cmp -s "$1" "$2"; then
		mkdir -p "$(dirname "$2")"
		cp "$1" "$2"
	fi
}

dst=$QSRC/hw/misc/s4
want=$(mktemp)
trap 'rm -f "$want"' EXIT
(
	cd "$top/qemu-device"
	find . -name '*.[ch]' -o -name meson.build -o -name Kconfig
) | sed 's|^\./||' | while read -r f; do
	sync_file "$top/qemu-device/$f" "$dst/$f"
	echo "$f" >>"$want"
done
(cd "$top" && find firmware -name '*.[ch]') | while read -r f; do
	sync_file "$top/$f" "$dst/$f"
	echo "$f" >>"$want"
done
# meson.build lists the card's sources by name: catch one that is missing.
grep '\.c$' "$want" | while read -r f; do
	grep -qF "'$f'" "$top/qemu-device/meson.build" || {
		echo "qemu-device: $f is not listed in qemu-device/meson.build" >&2
		exit 1
	}
done
# Drop files that no longer exist in the checkout.
(cd "$dst" && find . -type f | sed 's|^\./||') | while read -r f; do
	grep -qxF "$f" "$want" || rm -f "$dst/$f"
done
sync_file "$top/qemu-device/s4.mak" "$QSRC/configs/devices/x86_64-softmmu/s4.mak"

grep -qxF "subdir('s4')" "$QSRC/hw/misc/meson.build" ||
	echo "subdir('s4')" >>"$QSRC/hw/misc/meson.build"
grep -qxF "source s4/Kconfig" "$QSRC/hw/misc/Kconfig" ||
	printf '\nsource s4/Kconfig\n' >>"$QSRC/hw/misc/Kconfig"

CONFIGURE=(
	--target-list=x86_64-softmmu
	--without-default-features --without-default-devices
	--with-devices-x86_64=s4
	--disable-install-blobs --disable-docs --disable-werror --disable-download
	--python=/usr/bin/python3
)
if [ ! -f "$QBUILD/build.ninja" ] ||
   [ "$(cat "$QBUILD/.s4-configure" 2>/dev/null)" != "${CONFIGURE[*]}" ]; then
	echo "qemu-device: configuring QEMU in $QBUILD"
	rm -rf "$QBUILD" && mkdir -p "$QBUILD"
	(cd "$QBUILD" && "$QSRC/configure" "${CONFIGURE[@]}" >configure.log 2>&1) || {
		tail -n 30 "$QBUILD/configure.log" >&2
		exit 1
	}
	echo "${CONFIGURE[*]}" >"$QBUILD/.s4-configure"
fi
ninja -C "$QBUILD" qemu-system-x86_64 >"$QBUILD/ninja.log" 2>&1 || {
	grep -B2 -A12 -E 'error|FAILED' "$QBUILD/ninja.log" | head -n 60 >&2
	exit 1
}
grep -E 'warning:' "$QBUILD/ninja.log" | grep -E 'hw/misc/s4/' >&2 || true
echo "qemu-device: $QBUILD/qemu-system-x86_64"
