#!/usr/bin/env bash
# Boots a QEMU guest with virtual S4 cards, runs one shell command in it and
# passes its exit status through. The guest's console log is saved; the run
# fails on any kernel oops, WARN, BUG or sanitizer report, and on a guest that
# does not finish in time. Needs no TTY and no stdin.
#
#   run.sh [--cards N] [--mem-size SIZE] [--timeout SEC] [--kvm]
#          [--log FILE] [--quiet] -- COMMAND...
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${S4_CACHE:-$HOME/.cache/s4}
BUILD=${BUILD:-$top/build}
QEMU=${QEMU:-$CACHE/qemu-build/qemu-system-x86_64}
cards=2
mem_size=4G
timeout=300
accel=tcg
log=$BUILD/vm/console.log
quiet=

usage() {
	sed -n '2,9s/^# \{0,1\}//p' "$0" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--cards) cards=$2; shift 2 ;;
	--mem-size) mem_size=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--kvm) accel=kvm; shift ;;
	--log) log=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || usage

kernel=$(ls "$CACHE"/kernel/current/root/boot/vmlinuz-* 2>/dev/null | head -n 1 || true)
missing=
[ -x "$QEMU" ] || missing+="  QEMU with the S4 card ($QEMU): run 'make qemu'\n"
[ -n "$kernel" ] || missing+="  the guest kernel (in $CACHE/kernel): run 'make deps'\n"
[ -f "$top/s4.ko" ] || missing+="  s4.ko: run 'make'\n"
if [ -n "$missing" ]; then
	printf 'vm: cannot boot the guest; missing:\n%b' "$missing" >&2
	exit 1
fi

mkdir -p "$BUILD/vm" "$(dirname "$log")"
printf '%s\n' "$*" >"$BUILD/vm/cmd.sh"
"$top/tests/vm/mkinitramfs.sh" "$BUILD/vm/initramfs.cpio.gz" "$BUILD/vm/cmd.sh"

devices=()
for i in $(seq 1 "$cards"); do
	devices+=(-device "s4,mem-size=$mem_size")
done
cpu=max
[ "$accel" = kvm ] && cpu=host

# Print the command's output live (between the init's markers); keep it all.
# qboot, not SeaBIOS: under TCG, SeaBIOS takes some 30 s to start the kernel.
set +e
timeout -k 10 "$timeout" "$QEMU" \
	-M q35 -accel "$accel" -cpu "$cpu" -smp 2 -m 2G \
	-nic none -vga none -display none -monitor none -no-reboot \
	-L /usr/share/qemu -bios qboot.rom \
	-serial stdio -d guest_errors -D "$BUILD/vm/qemu-guest-errors.log" \
	-kernel "$kernel" -initrd "$BUILD/vm/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 quiet loglevel=4 drm.debug=0x2" \
	"${devices[@]}" </dev/null 2>&1 |
	tr -d '\r' | tee "$log" |
	awk -v quiet="$quiet" '
		/^S4-VM-BEGIN$/ { on = 1; next }
		/^S4-VM-EXIT: / { on = 0 }
		on && !quiet { print; fflush() }'
qemu_rc=${PIPESTATUS[0]}
set -e

rc=$(sed -n 's/^S4-VM-EXIT: \([0-9]*\)$/\1/p' "$log" | tail -n 1)
problems=$(grep -nE 'Oops|BUG:|WARNING:|Kernel panic|KASAN|UBSAN|general protection fault|Call Trace|list_del corruption|refcount_t:' "$log" | head -n 20 || true)
if [ -n "$problems" ]; then
	echo "vm: the guest kernel reported problems (full log: $log):" >&2
	echo "$problems" >&2
	exit 1
fi
if [ -z "$rc" ]; then
	if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
		echo "vm: the guest did not finish within ${timeout}s (log: $log)" >&2
	else
		echo "vm: the guest stopped without reporting a result (qemu exit $qemu_rc, log: $log)" >&2
	fi
	tail -n 20 "$log" >&2
	exit 1
fi
exit "$rc"
