#!/usr/bin/env bash
# Installs what building and testing the S4 stack needs on Debian 12 (bookworm),
# idempotently, and fetches the guest kernel, kselftest headers and QEMU source into
# the cache ($S4_CACHE, default ~/.cache/s4). Run through `make deps`.
set -euo pipefail

CACHE=${S4_CACHE:-$HOME/.cache/s4}
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
mkdir -p "$CACHE"

say() { printf 'deps: %s\n' "$*"; }

add_source() { # name, deb822 text
	local f=/etc/apt/sources.list.d/$1.sources
	if [ ! -f "$f" ]; then
		printf '%s\n' "$2" | $SUDO tee "$f" >/dev/null
		NEED_UPDATE=1
	fi
}

NEED_UPDATE=
add_source s4-trixie-src "Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
add_source s4-backports "Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"

# Refresh package lists at most once a day, or when a source was just added.
lists_age=$(( $(date +%s) - $(stat -c %Y /var/lib/apt/lists 2>/dev/null || echo 0) ))
if [ -n "$NEED_UPDATE" ] || [ ! -f "$CACHE/apt-updated" ] ||
   [ $(( $(date +%s) - $(stat -c %Y "$CACHE/apt-updated") )) -gt 86400 ] ||
   [ "$lists_age" -gt 86400 ]; then
	say "apt-get update"
	$SUDO apt-get update -qq
	touch "$CACHE/apt-updated"
fi

# Newest 6.12 kernel for which both headers and image are available.
KVER=$(apt-cache pkgnames linux-image-6.12. |
	sed -n 's/^linux-image-\(6\.12\.[0-9]*+deb12-amd64\)-unsigned$/\1/p' |
	sort -V | while read -r v; do
		apt-cache show "linux-headers-$v" >/dev/null 2>&1 && echo "$v"
	done | tail -n 1)
[ -n "$KVER" ] || { echo "deps: no linux 6.12 image/headers pair in apt sources" >&2; exit 1; }

PKGS=(
	build-essential clang lld llvm pkg-config bc kmod cpio xz-utils zstd
	libdrm-dev libudev-dev libpciaccess-dev busybox-static
	"linux-headers-$KVER"
	ninja-build python3 python3-venv libglib2.0-dev libfdt-dev zlib1g-dev flex bison
	dpkg-dev qemu-system-data
	libopenblas-dev libdnnl-dev libclang-rt-14-dev
)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ! dpkg --compare-versions "$(dpkg-query -W -f='${Version}' meson 2>/dev/null || echo 0)" ge 1.5; then
	missing+=(meson/bookworm-backports)
fi
if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi

# Guest kernel: the image .deb matching the headers, unpacked into the cache.
KDIR=$CACHE/kernel/$KVER
if [ ! -f "$KDIR/.done" ]; then
	say "fetching linux-image-$KVER"
	rm -rf "$KDIR" && mkdir -p "$KDIR/deb"
	(cd "$KDIR/deb" && apt-get download -qq -o APT::Sandbox::User=root "linux-image-$KVER-unsigned")
	dpkg -x "$KDIR"/deb/*.deb "$KDIR/root"
	rm -rf "$KDIR/deb"
	touch "$KDIR/.done"
fi
ln -sfn "$KDIR" "$CACHE/kernel/current"

# kselftest harness and checkpatch from linux-source-6.12 (only those files),
# where Debian's linux-source tarball unpacks: /usr/src/linux-source-6.12.
KSRC=${S4_KSRC:-/usr/src/linux-source-6.12}
if [ ! -f "$KSRC/.s4-extracted" ]; then
	say "extracting kselftest harness and checkpatch from linux-source-6.12 into $KSRC"
	dl=$CACHE/linux-source-dl
	rm -rf "$dl" && mkdir -p "$dl"
	(cd "$dl" && apt-get download -qq -o APT::Sandbox::User=root linux-source-6.12)
	$SUDO mkdir -p "$KSRC"
	dpkg-deb --fsys-tarfile "$dl"/*.deb |
		tar -xO --wildcards './usr/src/linux-source-6.12.tar.xz' |
		$SUDO tar -xJ -C "$KSRC" --strip-components=1 --wildcards \
			'*/tools/testing/selftests/kselftest_harness.h' \
			'*/tools/testing/selftests/kselftest.h' \
			'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch'
	rm -rf "$dl"
	$SUDO touch "$KSRC/.s4-extracted"
fi

# QEMU 10.0 source from trixie, with Debian's patches applied.
QSRC=$CACHE/qemu-src
if [ ! -f "$QSRC/.done" ]; then
	QVER=$(apt-cache showsrc qemu | sed -n 's/^Version: \(1:10\.0\..*\)$/\1/p' | sort -V | tail -n 1)
	[ -n "$QVER" ] || { echo "deps: no QEMU 10.0 source package in apt sources" >&2; exit 1; }
	say "fetching qemu $QVER source"
	rm -rf "$QSRC" "$CACHE/qemu-dl" && mkdir -p "$CACHE/qemu-dl"
	(cd "$CACHE/qemu-dl" && apt-get source -qq -o APT::Sandbox::User=root --download-only "qemu=$QVER" &&
		dpkg-source -x --no-check ./*.dsc "$QSRC" >/dev/null)
	rm -rf "$CACHE/qemu-dl"
	touch "$QSRC/.done"
fi
say "ok (kernel $KVER)"
