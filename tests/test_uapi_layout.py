"""Every uAPI mirror against the real Linux 6.12 headers: sizeof of every struct in REGISTRY, offsetof and
sizeof of every field (recursively through nested structs/unions and array elements), every ioctl number,
every registered control id and every kernel-named constant of the uapi modules.

The C program is generated from the registry, compiled with the host compiler against Debian trixie's
linux-libc-dev (fetched once, cached). Skips when the headers or a compiler are missing, fails instead
with V4L2SL_REQUIRE_KERNEL=1.
"""
from __future__ import annotations

import ctypes
import importlib
import os
import pkgutil
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import v4l2sl.uapi
from v4l2sl.uapi.ioctl import IOCTLS
from v4l2sl.uapi.struct import CONTROLS, HEADERS, REGISTRY

sys.path.insert(0, str(Path(__file__).resolve().parent / "rig"))
import uapi_headers  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "uapi-layout"
REQUIRE = os.environ.get("V4L2SL_REQUIRE_KERNEL") == "1"
CONST_RE = re.compile(r"^(V4L2_|VIDIOC_|MEDIA_|VIDEO_MAX_)[A-Z0-9_]*$")
MY_MODULES = ("videodev2", "media", "fwht", "ioctl")


def _uapi_modules() -> list[str]:
    names = []
    for m in pkgutil.iter_modules(v4l2sl.uapi.__path__):
        if m.name == "struct":
            continue
        try:
            importlib.import_module(f"v4l2sl.uapi.{m.name}")
            names.append(m.name)
        except Exception as e:  # a helper's half-written module must not hide everyone else's check
            print(f"cannot import v4l2sl.uapi.{m.name}: {e!r}")
    return names


MODULES = _uapi_modules()


def _is_composite(t) -> bool:
    return isinstance(t, type) and issubclass(t, (ctypes.Structure, ctypes.Union))


def _is_array(t) -> bool:
    return isinstance(t, type) and issubclass(t, ctypes.Array)


def field_layout(ctype, prefix: str = "", base: int = 0) -> list[tuple[str, int, int]]:
    """(C member designator, offset, size) of every member reachable from `ctype`, recursively."""
    out: list[tuple[str, int, int]] = []
    anon = set(getattr(ctype, "_anonymous_", ()))
    for f in ctype._fields_:
        name, ftype = f[0], f[1]
        desc = getattr(ctype, name)
        off = base + desc.offset
        if len(f) == 3:          # bit-field: no offsetof in C; covered by the struct size
            continue
        if name in anon:
            out.extend(field_layout(ftype, prefix, off))
            continue
        path = f"{prefix}{name}"
        out.append((path, off, ctypes.sizeof(ftype)))
        out.extend(_member_layout(ftype, path, off))
    return out


def _member_layout(ftype, path: str, off: int) -> list[tuple[str, int, int]]:
    if _is_composite(ftype):
        return field_layout(ftype, path + ".", off)
    if _is_array(ftype):
        elem = ftype._type_
        return [(f"{path}[0]", off, ctypes.sizeof(elem))] + _member_layout(elem, f"{path}[0]", off)
    return []


def _constants(modname: str) -> dict[str, int]:
    mod = importlib.import_module(f"v4l2sl.uapi.{modname}")
    return {k: v for k, v in vars(mod).items()
            if CONST_RE.match(k) and isinstance(v, int) and not isinstance(v, bool)}


def _c_program(const_names: list[str]) -> tuple[str, dict[str, int]]:
    """C source printing "key value" lines, and the values our mirrors expect for each key."""
    expect: dict[str, int] = {}
    lines = ["#include <stddef.h>", "#include <stdio.h>", "#include <sys/time.h>", "#include <time.h>",
             "#include <linux/types.h>"]
    for h in sorted(set(HEADERS.values()) | {"linux/videodev2.h", "linux/media.h", "linux/v4l2-controls.h"}):
        lines.append(f"#include <{h}>")
    lines += ["#define P(k, v) printf(\"%s %lld\\n\", k, (long long)(v))", "int main(void) {"]
    for cname, cls in sorted(REGISTRY.items()):
        t = f"struct {cname}"
        lines.append(f'P("sizeof {cname}", sizeof({t}));')
        expect[f"sizeof {cname}"] = ctypes.sizeof(cls)
        for path, off, size in field_layout(cls):
            lines.append(f'P("offsetof {cname}.{path}", offsetof({t}, {path}));')
            lines.append(f'P("sizeof {cname}.{path}", sizeof((({t} *)0)->{path}));')
            expect[f"offsetof {cname}.{path}"] = off
            expect[f"sizeof {cname}.{path}"] = size
    for name, num in sorted(IOCTLS.items()):
        lines.append(f'P("ioctl {name}", (unsigned int)({name}));')
        expect[f"ioctl {name}"] = num
    for cid, (name, _payload) in sorted(CONTROLS.items()):
        lines.append(f'P("control {name}", {name});')
        expect[f"control {name}"] = cid
    lines.append("return 0; }")
    return "\n".join(lines) + "\n", expect


def _compile_run(src: str, tag: str) -> tuple[int, str, str]:
    try:
        inc = uapi_headers.include_dirs()
    except RuntimeError as e:
        if REQUIRE:
            pytest.fail(f"Linux 6.12 uAPI headers unavailable: {e}")
        pytest.skip(f"Linux 6.12 uAPI headers unavailable: {e}")
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        (pytest.fail if REQUIRE else pytest.skip)("no C compiler to build the layout program")
    BUILD.mkdir(parents=True, exist_ok=True)
    c, exe = BUILD / f"{tag}.c", BUILD / tag
    c.write_text(src)
    r = subprocess.run([cc, "-std=gnu11", "-w", *[f"-I{d}" for d in inc], "-o", str(exe), str(c)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return r.returncode, "", r.stderr
    p = subprocess.run([str(exe)], capture_output=True, text=True, check=True)
    return 0, p.stdout, ""


def _compare(stdout: str, expect: dict[str, int]) -> list[str]:
    got = {}
    for line in stdout.splitlines():
        k, _, v = line.rpartition(" ")
        got[k] = int(v)
    def same(k: str, v: int) -> bool:
        g = got.get(k)
        # C evaluates e.g. (0xf << 28) as a negative int; the kernel uses it as a __u32
        return g is not None and (g == v or (g < 0 <= v < 1 << 32 and g & 0xFFFFFFFF == v))

    return [f"{k}: kernel {got.get(k)} ours {v}" for k, v in expect.items() if not same(k, v)]


def test_registry_is_populated():
    # our own structs plus whatever the codec helpers registered
    for name in ("v4l2_format", "v4l2_buffer", "v4l2_ext_control", "media_v2_topology", "v4l2_ctrl_fwht_params"):
        assert name in REGISTRY
    assert set(MY_MODULES) <= set(MODULES)


def test_layout_generator_sees_every_field():
    from v4l2sl.uapi.videodev2 import v4l2_buffer, v4l2_format
    paths = {p for p, _, _ in field_layout(v4l2_buffer)}
    assert {"timestamp.tv_usec", "m.planes", "request_fd", "reserved", "timecode.userbits[0]"} <= paths
    paths = {p for p, _, _ in field_layout(v4l2_format)}
    assert "fmt.pix_mp.plane_fmt[0].bytesperline" in paths and "fmt.pix_mp.ycbcr_enc" in paths


def test_structs_ioctls_controls_match_linux_6_12():
    src, expect = _c_program([])
    rc, out, err = _compile_run(src, "layout")
    assert rc == 0, f"layout program does not compile against the 6.12 headers:\n{err[-4000:]}"
    bad = _compare(out, expect)
    assert not bad, f"{len(bad)} of {len(expect)} layout checks differ:\n" + "\n".join(bad[:80])
    print(f"{len(expect)} layout checks passed ({len(REGISTRY)} structs, {len(IOCTLS)} ioctls, "
          f"{len(CONTROLS)} controls)")


@pytest.mark.parametrize("module", [m for m in MODULES if _constants(m)])
def test_constants_match_linux_6_12(module):
    consts = _constants(module)
    lines = ["#include <stdio.h>", "#include <linux/types.h>", "#include <linux/const.h>",
             "#include <linux/videodev2.h>", "#include <linux/media.h>", "#include <linux/v4l2-controls.h>",
             "#ifndef GENMASK", "#define GENMASK(h, l) (((~0UL) >> (63 - (h))) & (~0UL << (l)))", "#endif",
             "#define P(k, v) printf(\"%s %lld\\n\", k, (long long)(v))", "int main(void) {"]
    lines += [f'P("{k}", {k});' for k in sorted(consts)] + ["return 0; }"]
    rc, out, err = _compile_run("\n".join(lines) + "\n", f"const_{module}")
    unknown = sorted(set(re.findall(r"'(\w+)' undeclared", err)))
    assert rc == 0, (f"v4l2sl.uapi.{module}: names not in the 6.12 headers: {unknown}" if unknown
                     else f"constants program failed:\n{err[-3000:]}")
    bad = _compare(out, consts)
    assert not bad, f"v4l2sl.uapi.{module}: " + "; ".join(bad)
