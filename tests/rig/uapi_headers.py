"""Fetch Linux 6.12 uAPI headers (Debian trixie's ``linux-libc-dev``) for the layout test.

apt runs with its own sources list / state directories (nothing of the host's apt configuration changes);
the unpacked headers are cached in ``build/uapi-headers`` and ``~/.cache/v4l2sl/uapi-headers/<version>``.
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "build" / "uapi-headers"
CACHE = Path(os.environ.get("V4L2SL_CACHE", Path.home() / ".cache" / "v4l2sl")) / "uapi-headers"
MIRROR = os.environ.get("RIG_MIRROR", "http://deb.debian.org/debian")


def _valid(inc: Path) -> bool:
    v = inc / "linux" / "version.h"
    if not (inc / "linux" / "videodev2.h").exists() or not v.exists():
        return False
    m = re.search(r"LINUX_VERSION_MAJOR\s+(\d+)\s*\n#define LINUX_VERSION_PATCHLEVEL\s+(\d+)", v.read_text())
    return bool(m) and (int(m.group(1)), int(m.group(2))) == (6, 12)


def include_dirs() -> list[str]:
    """-I directories of the 6.12 headers; raises RuntimeError (with the reason) when they can't be had."""
    for cand in [WORK / "root" / "usr" / "include", *sorted(CACHE.glob("*/usr/include"), reverse=True)]:
        if _valid(cand):
            return [str(cand), str(cand / "x86_64-linux-gnu")]
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise RuntimeError("apt-get/dpkg-deb not available to fetch linux-libc-dev (trixie)")
    apt = WORK / "apt"
    (apt / "lists" / "partial").mkdir(parents=True, exist_ok=True)
    (apt / "cache" / "archives" / "partial").mkdir(parents=True, exist_ok=True)
    (apt / "status").touch()
    (apt / "sources.list").write_text(f"deb {MIRROR} trixie main\n")
    opts = [f"-oDir::Etc::sourcelist={apt}/sources.list", "-oDir::Etc::sourceparts=-",
            f"-oDir::State::Lists={apt}/lists", f"-oDir::State::status={apt}/status",
            f"-oDir::Cache={apt}/cache", "-oAPT::Architecture=amd64", "-qq"]
    try:
        if not glob.glob(str(apt / "lists" / "*trixie*Packages*")):
            subprocess.run(["apt-get", *opts, "update"], check=True, capture_output=True, timeout=300)
        for old in WORK.glob("linux-libc-dev_*.deb"):
            old.unlink()
        subprocess.run(["apt-get", *opts, "download", "linux-libc-dev"], check=True, capture_output=True,
                       cwd=WORK, timeout=300)
    except (subprocess.SubprocessError, OSError) as e:
        detail = getattr(e, "stderr", b"") or b""
        raise RuntimeError(f"cannot download linux-libc-dev from trixie: {e} {detail.decode(errors='replace')[-300:]}")
    deb = next(WORK.glob("linux-libc-dev_*.deb"))
    shutil.rmtree(WORK / "root", ignore_errors=True)
    subprocess.run(["dpkg-deb", "-x", str(deb), str(WORK / "root")], check=True)
    inc = WORK / "root" / "usr" / "include"
    if not _valid(inc):
        raise RuntimeError(f"{deb.name} does not carry Linux 6.12 uAPI headers")
    version = deb.name.split("_")[1]
    dst = CACHE / version
    if not dst.exists():
        tmp = dst.parent / (dst.name + ".tmp")
        shutil.copytree(WORK / "root", tmp, dirs_exist_ok=True)
        os.replace(tmp, dst)
    return [str(inc), str(inc / "x86_64-linux-gnu")]
