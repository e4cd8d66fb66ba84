#!/bin/bash
# Builds the kernel test rig: Debian trixie's stock amd64 kernel + out-of-tree v4l2-mem2mem/visl/vicodec
# modules (built from Debian's linux-source-6.12 in a trixie chroot, with the kernel's own compiler),
# packed into an initramfs whose /init (tests/rig/init) mounts the host root read-only over 9p and runs
# a command from the host (see tests/rig/boot.sh).
#
#   tests/rig/build.sh            build (or reuse) the rig for the current trixie kernel; prints the
#                                 artefact directory (vmlinuz + initramfs.cpio.gz + kver) on the last line
#   RIG_WORK   working dir (apt lists, chroot, sources)          default: <repo>/build/kernel-rig
#   RIG_CACHE  cache outside the work tree, keyed by kernel ABI  default: ~/.cache/v4l2sl/kernel-rig
#
# The kernel version is RESOLVED from trixie's Packages index (linux-image-amd64's dependency); when
# the index cannot be refreshed (offline) the newest cached build is used.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
W=${RIG_WORK:-$ROOT/build/kernel-rig}
CACHE=${RIG_CACHE:-$HOME/.cache/v4l2sl/kernel-rig}
MIRROR=${RIG_MIRROR:-http://deb.debian.org/debian}
APT=$W/apt
CH=$W/chroot
mkdir -p "$W" "$CACHE"
AOPT=(-o "Dir::Etc::sourcelist=$APT/sources.list" -o "Dir::Etc::sourceparts=-"
      -o "Dir::State::Lists=$APT/lists" -o "Dir::State::status=$APT/status" -o "Dir::Cache=$APT/cache"
      -o "APT::Architecture=amd64")
say() { echo "[rig $(date +%T)] $*" >&2; }
t_start=$EPOCHREALTIME

prereqs() {
  local need=()
  command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
  command -v debootstrap >/dev/null || need+=(debootstrap)
  { [ -x /bin/busybox ] && file -L /bin/busybox | grep -q 'statically linked'; } || need+=(busybox-static)
  command -v file >/dev/null || need+=(file)
  if [ ${#need[@]} -gt 0 ]; then
    say "apt-get install ${need[*]}"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
  fi
}

# -> sets KABI (6.12.NN+deb13), KVER (KABI-amd64), KPKG (Debian version)
resolve() {
  mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial"
  touch "$APT/status"
  echo "deb $MIRROR trixie main" > "$APT/sources.list"
  local fresh
  fresh=$(find "$APT/lists" -name '*trixie*Packages*' -mmin -720 2>/dev/null | head -1)
  if [ -z "$fresh" ]; then
    say "apt-get update (trixie index in $APT)"
    apt-get "${AOPT[@]}" update -qq >&2 || say "trixie index refresh failed"
  fi
  local dep
  dep=$(apt-cache "${AOPT[@]}" depends linux-image-amd64 2>/dev/null \
        | awk '/Depends: linux-image-[0-9]/{print $2; exit}' || true)
  if [ -z "$dep" ]; then
    local last
    last=$(ls -1t "$CACHE" 2>/dev/null | head -1 || true)
    [ -n "$last" ] || { echo "cannot resolve the trixie kernel version and nothing is cached" >&2; exit 3; }
    say "offline: using cached rig $last"
    KVER=$last; return
  fi
  KVER=${dep#linux-image-}                 # 6.12.NN+deb13-amd64
  KABI=${KVER%-amd64}
  KPKG=$(apt-cache "${AOPT[@]}" show "linux-image-$KVER-unsigned" | awk '/^Version:/{print $2; exit}')
  say "trixie kernel: $KVER (package $KPKG)"
}

download() {
  local dl=$W/dl/$KVER
  mkdir -p "$dl"
  local p
  for p in "linux-image-$KVER-unsigned" linux-source-6.12 "linux-headers-$KVER" \
           "linux-headers-$KABI-common" "linux-kbuild-$KABI"; do
    ls "$dl/${p}_${KPKG}"_*.deb >/dev/null 2>&1 && continue
    say "download $p=$KPKG"
    (cd "$dl" && apt-get "${AOPT[@]}" download "$p=$KPKG" >&2)
  done
  DL=$dl
}

chroot_setup() {
  if [ ! -x "$CH/usr/bin/x86_64-linux-gnu-gcc-14" ]; then
    say "debootstrap trixie chroot (gcc-14 for kbuild) -> $CH"
    rm -rf "$CH"
    debootstrap --variant=minbase \
      --include=gcc-14,make,libc6-dev,pahole,libelf1t64,libssl3t64,zlib1g,xz-utils,kmod \
      trixie "$CH" "$MIRROR" >&2
  fi
  if [ ! -e "$CH/usr/src/linux-headers-$KVER/Module.symvers" ]; then
    say "unpack linux-headers/kbuild $KVER into the chroot"
    local d
    for d in "$DL"/linux-headers-*.deb "$DL"/linux-kbuild-*.deb; do dpkg-deb -x "$d" "$CH"; done
  fi
}

build_modules() {
  local src=$W/src/$KVER
  if [ ! -f "$src/linux-source-6.12/drivers/media/test-drivers/visl/visl-core.c" ]; then
    say "extract visl, vicodec, v4l2-mem2mem sources"
    rm -rf "$src"; mkdir -p "$src/deb"
    dpkg-deb -x "$DL"/linux-source-6.12_"${KPKG}"_all.deb "$src/deb"
    tar -C "$src" -xJf "$src/deb/usr/src/linux-source-6.12.tar.xz" \
      --wildcards 'linux-source-6.12/drivers/media/test-drivers/visl/*' \
      'linux-source-6.12/drivers/media/test-drivers/vicodec/*' \
      'linux-source-6.12/drivers/media/v4l2-core/v4l2-mem2mem.c'
    rm -rf "$src/deb"
  fi
  local S=$src/linux-source-6.12 M=$CH/km
  rm -rf "$M"
  mkdir -p "$M/drivers/media/test-drivers" "$M/drivers/media/v4l2-core" "$M/include/trace"
  cp -a "$S/drivers/media/test-drivers/visl" "$S/drivers/media/test-drivers/vicodec" "$M/drivers/media/test-drivers/"
  cp "$S/drivers/media/v4l2-core/v4l2-mem2mem.c" "$M/drivers/media/v4l2-core/"
  echo 'obj-m += v4l2-mem2mem.o' > "$M/drivers/media/v4l2-core/Makefile"
  cat > "$M/Kbuild" <<'KB'
obj-m += drivers/media/v4l2-core/
obj-m += drivers/media/test-drivers/visl/
obj-m += drivers/media/test-drivers/vicodec/
KB
  say "build modules (visl, vicodec, v4l2-mem2mem)"
  local t0=$EPOCHREALTIME
  # visl's trace header include path (../../drivers/media/test-drivers/visl) resolves from include/trace
  chroot "$CH" make -s -C "/usr/src/linux-headers-$KVER" M=/km -j"$(nproc)" \
    CONFIG_VIDEO_VISL=m CONFIG_VIDEO_VICODEC=m CONFIG_VISL_DEBUGFS=y \
    KCFLAGS="-I/km/include/trace -DCONFIG_VISL_DEBUGFS=1" modules >&2
  say "module build: $(awk "BEGIN{printf \"%.1f\", $EPOCHREALTIME - $t0}") s"
}

pack() {
  local out=$1 kimg=$W/kimg/$KVER st=$CH/stage ir=$W/initramfs
  [ -f "$kimg/boot/vmlinuz-$KVER" ] || { mkdir -p "$kimg"; dpkg-deb -x "$DL/linux-image-$KVER-unsigned_${KPKG}_amd64.deb" "$kimg"; }
  rm -rf "$st" "$ir"; mkdir -p "$st/lib/modules" "$ir/bin" "$ir/lib/modules"
  cp -a "$kimg/usr/lib/modules/$KVER" "$st/lib/modules/"
  mkdir -p "$st/lib/modules/$KVER/extra"
  find "$CH/km" -name '*.ko' -exec cp {} "$st/lib/modules/$KVER/extra/" \;
  chroot "$CH" depmod -b /stage "$KVER"
  : > "$ir/modules.list"
  local p f
  chroot "$CH" modprobe -d /stage -S "$KVER" -a --show-depends visl vicodec 9pnet_virtio 9p \
    | awk '$1=="insmod" && !seen[$2]++ {print $2}' | while read -r p; do
      f=$(basename "$p"); f=${f%.xz}
      case $p in *.xz) xz -dc "$CH$p" > "$ir/lib/modules/$f" ;; *) cp "$CH$p" "$ir/lib/modules/$f" ;; esac
      case $f in vicodec.ko) echo "$f multiplanar=1" ;; *) echo "$f" ;; esac >> "$ir/modules.list"
    done
  cp /bin/busybox "$ir/bin/busybox"
  install -m 0755 "$HERE/init" "$ir/init"
  mkdir -p "$out.tmp"
  (cd "$ir" && find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -1 > "$out.tmp/initramfs.cpio.gz")
  cp "$kimg/boot/vmlinuz-$KVER" "$out.tmp/vmlinuz"
  echo "$KVER" > "$out.tmp/kver"
  sha256sum "$HERE/init" | cut -d' ' -f1 > "$out.tmp/init.sha256"
  rm -rf "$out"; mv "$out.tmp" "$out"
  rm -rf "$st" "$ir"
}

prereqs
resolve
INIT_SUM=$(sha256sum "$HERE/init" | cut -d' ' -f1)
if [ -f "$CACHE/$KVER/initramfs.cpio.gz" ] && [ "$(cat "$CACHE/$KVER/init.sha256" 2>/dev/null)" = "$INIT_SUM" ]; then
  say "cached rig: $CACHE/$KVER"
else
  [ -n "${KPKG:-}" ] || { echo "offline and the cached rig is stale" >&2; exit 3; }
  download
  chroot_setup
  if [ ! -f "$W/art/$KVER/modules.ok" ]; then build_modules; fi
  pack "$W/art/$KVER"
  touch "$W/art/$KVER/modules.ok"
  rm -rf "$CACHE/$KVER.tmp"; cp -a "$W/art/$KVER" "$CACHE/$KVER.tmp"; rm -rf "$CACHE/$KVER"; mv "$CACHE/$KVER.tmp" "$CACHE/$KVER"
  say "rig built in $(awk "BEGIN{printf \"%.1f\", $EPOCHREALTIME - $t_start}") s"
fi
echo "$CACHE/$KVER"
