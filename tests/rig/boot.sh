#!/bin/bash
# Boots the rig VM (QEMU TCG, 1 vCPU) and runs a shell command inside it, chrooted into the host root
# (read-only 9p) with cwd = the repository. The repository is also shared on its own (read-only), mounted at
# the same path: a checkout on another file system or under /tmp (a tmpfs in the guest) is still visible.
#
#   tests/rig/boot.sh ARTEFACT_DIR OUT_DIR 'command...'
#
# OUT_DIR (writable inside the guest at the same path) receives guest.log, guest.rc, dmesg.txt, serial.log;
# the command's exit status is in guest.rc. VM_TIMEOUT (s, default 600) bounds the whole run.
set -euo pipefail
ART=$1 OUT=$2 CMD=$3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
rm -f "$OUT/guest.log" "$OUT/guest.rc" "$OUT/dmesg.txt" "$OUT/serial.log"
cat > "$OUT/guest.sh" <<G
export HOME=/tmp PATH=/usr/local/bin:/usr/bin:/bin PYTHONDONTWRITEBYTECODE=1 RIG_OUT=$OUT V4L2SL_IN_RIG=1
export PYTHONPATH=$ROOT
cd $ROOT
$CMD
G
t0=$EPOCHREALTIME
timeout "${VM_TIMEOUT:-600}" qemu-system-x86_64 -accel tcg,thread=single -cpu "${VM_CPU:-max}" -smp 1 -m "${VM_MEM:-1536}" \
  -display none -monitor none -no-reboot -serial "file:$OUT/serial.log" \
  -kernel "$ART/vmlinuz" -initrd "$ART/initramfs.cpio.gz" \
  -append "console=ttyS0 loglevel=4 panic=-1 rig.out=$OUT rig.repo=$ROOT" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=$ROOT,mount_tag=repo,security_model=none,readonly=on,multidevs=remap" \
  -virtfs "local,path=$OUT,mount_tag=out,security_model=none" || echo "qemu exit status $?" >&2
echo "$(awk "BEGIN{printf \"%.1f\", $EPOCHREALTIME - $t0}")" > "$OUT/vm_seconds"
[ -f "$OUT/guest.rc" ] || { echo "guest did not finish; serial log:" >&2; tail -40 "$OUT/serial.log" >&2; exit 99; }
exit "$(cat "$OUT/guest.rc")"
