"""Conformance runner: decode vectors listed in Fluster suite JSONs or our MANIFEST.tsv and compare checksums
in each list's own convention (see ../shared/conformance/README.md):

whole-output md5/sha1 (``md5_all_frames_<pix_fmt>``, ``sha1_all_frames_i420``), per-frame md5 / Adler-32 /
CRC-32 lists (FFmpeg framemd5/framecrc, NV12 framehash, Chromium JSON), reference Y4M, djpeg PPM/PGM file md5,
lossless raw-sample md5, reference PNGs with a tolerance.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import time
import zlib
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np

WHOLE_OUTPUT_KINDS = ("md5_all_frames", "sha1_all_frames", "reference_y4m")

SUCCESS, FAIL, ERROR, NOT_SUPPORTED, TIMEOUT, MISSING = (
    "Success", "Fail", "Error", "Not supported", "Timeout", "Missing")
STATUSES = (SUCCESS, FAIL, ERROR, NOT_SUPPORTED, TIMEOUT, MISSING)


@dataclass
class Check:
    """One expected checksum of a vector in one convention."""

    kind: str            # normalized checksum kind, e.g. "md5_all_frames", "per_frame_md5", "djpeg_ppm_md5"
    expected: str        # hex digest, or a path to a side-car list
    pix_fmt: str = ""    # for whole-output digests: the layout the digest is over
    note: str = ""
    verification: str = ""  # MANIFEST's verification_here: how the value was re-checked, or why it is not usable

    @property
    def is_reference(self) -> bool:
        """False for values the manifest itself says are not reproducible, partial or truncated."""
        v, n = self.verification.upper(), self.note.upper()
        return not (v.startswith("NOT REPRODUCED") or v.startswith("PARTIAL") or "UNUSABLE" in n)

    @property
    def libav_value(self) -> str | None:
        """For a value libavcodec did not reproduce: what libavcodec produced (``got <hex>``), if recorded."""
        m = re.search(r"\(got ([0-9a-f]{32,40})\b", self.verification)
        return m.group(1) if m else None

    @property
    def is_whole_output(self) -> bool:
        """Digests over the whole decoded output: what the conformance suites themselves (and Fluster) use."""
        return self.kind in WHOLE_OUTPUT_KINDS


@dataclass
class Vector:
    suite: str
    name: str
    codec: str
    path: Path | None
    checks: list[Check] = field(default_factory=list)


@dataclass
class Result:
    suite: str
    name: str
    status: str
    detail: str = ""
    frames: int = 0
    seconds: float = 0.0
    first_mismatch: int | None = None
    checks: dict[str, str] = field(default_factory=dict)   # check kind -> status


# ---- loading -------------------------------------------------------------------------------------------
_CODEC_OF_FLUSTER = {"H.264": "h264", "VP9": "vp9", "AV1": "av1", "VP8": "vp8", "H.265": "h265"}


def _normalize_kind(kind: str) -> tuple[str, str]:
    """MANIFEST checksum_kind text -> (normalized kind, pix_fmt)."""
    k = kind.replace("DERIVED ", "").split(" ")[0]
    m = re.match(r"md5_all_frames_(.+)", k)
    if m:
        fmt = m.group(1)
        return "md5_all_frames", ("" if fmt in ("native", "dav1d_verify") else fmt)
    return {
        "sha1_all_frames_i420": ("sha1_all_frames", "yuv420p"),
        "per_frame_md5_ffmpeg_framemd5": ("per_frame_md5", ""),
        "per_frame_adler32_ffmpeg_framecrc": ("per_frame_adler32", ""),
        "per_frame_md5_nv12": ("per_frame_md5_nv12", ""),
        "per_frame_crc32_nv12": ("per_frame_crc32_nv12", ""),
        "per_frame_md5_chromium_json": ("per_frame_md5_json", ""),
        "reference_decode_y4m": ("reference_y4m", ""),
        "md5_djpeg_output_file": ("djpeg_file_md5", ""),
        "md5_raw_samples": ("raw_samples_md5", ""),
        "reference_png": ("reference_png", ""),
    }.get(k, (k, ""))


def load_manifest(path: str | Path) -> list[Vector]:
    """Vectors of a MANIFEST.tsv, one per file, with all of that file's checks."""
    path = Path(path)
    base = path.parent
    vectors: dict[str, Vector] = {}
    with path.open(newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            rel = row["file"]
            suite = str(Path(rel).parent)
            v = vectors.get(rel)
            if v is None:
                p = base / rel
                v = vectors[rel] = Vector(suite=suite, name=Path(rel).name, codec=row["codec"],
                                          path=p if p.exists() else None)
            kind, pix_fmt = _normalize_kind(row["checksum_kind"])
            expected = row["expected_checksum"]
            if expected.startswith("file:"):
                expected = str(base / expected[5:])
            v.checks.append(Check(kind=kind, expected=expected, pix_fmt=pix_fmt, note=row.get("notes", ""),
                                  verification=row.get("verification_here", "")))
    return list(vectors.values())


def load_fluster_suite(path: str | Path, search_dirs: Iterable[Path]) -> list[Vector]:
    """Vectors of a Fluster test-suite JSON; input files are looked up by name under `search_dirs`."""
    suite = json.loads(Path(path).read_text())
    codec = _CODEC_OF_FLUSTER.get(suite.get("codec", ""), suite.get("codec", "").lower())
    index: dict[str, Path] = {}
    for d in search_dirs:
        for p in Path(d).rglob("*"):
            if p.is_file():
                index.setdefault(p.name, p)
    out = []
    for tv in suite["test_vectors"]:
        p = index.get(Path(tv["input_file"]).name)
        out.append(Vector(suite=suite["name"], name=tv["name"], codec=codec, path=p,
                          checks=[Check(kind="md5_all_frames", expected=tv["result"],
                                        pix_fmt=tv.get("output_format", ""))]))
    return out


# ---- checksum computation ------------------------------------------------------------------------------
def _planar(frame: Any, pix_fmt: str) -> bytes:
    """Frame bytes in `pix_fmt` (adds neutral chroma when a 4:0:0 frame is asked for as 4:2:0)."""
    data = frame.tobytes()
    if not pix_fmt or pix_fmt == frame.pix_fmt:
        return data
    if frame.pix_fmt.startswith("gray") and pix_fmt.startswith("yuv420p"):
        y = frame.planes[0]
        c = np.full(((y.shape[0] + 1) // 2, (y.shape[1] + 1) // 2), 1 << (frame.bit_depth - 1), y.dtype)
        return data + c.astype(c.dtype.newbyteorder("<")).tobytes() * 2
    raise ValueError(f"cannot express {frame.pix_fmt} output as {pix_fmt}")


def _nv12(frame: Any) -> bytes:
    y, u, v = frame.planes
    uv = np.empty((u.shape[0], u.shape[1] * 2), u.dtype)
    uv[:, 0::2], uv[:, 1::2] = u, v
    return y.tobytes() + uv.tobytes()


def _side_list(path: str) -> list[str]:
    p = Path(path)
    if p.suffix == ".json":
        return list(json.loads(p.read_text())["md5_checksums"])
    out = []
    for line in p.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line.split(",")[-1].strip().lower())
    return out


class _Accumulator:
    """Computes, frame by frame, every digest the vector's checks need."""

    def __init__(self, checks: list[Check]):
        self.checks = checks
        # one running digest per (algorithm, layout): several checks may share it
        self.whole: dict[tuple[str, str], Any] = {}
        for c in checks:
            if c.kind in WHOLE_OUTPUT_KINDS:
                self.whole.setdefault(self._key(c), hashlib.sha1() if c.kind == "sha1_all_frames" else hashlib.md5())
        self.per_frame: dict[str, list[str]] = defaultdict(list)
        self.kinds = {c.kind for c in checks}
        self.frames = 0
        self.errors: dict[tuple[str, str], str] = {}

    @staticmethod
    def _key(c: Check) -> tuple[str, str]:
        return ("sha1" if c.kind == "sha1_all_frames" else "md5", c.pix_fmt)

    def add(self, frame: Any) -> None:
        self.frames += 1
        for key, h in self.whole.items():
            try:
                h.update(_planar(frame, key[1]))
            except ValueError as e:
                self.errors[key] = str(e)
        native = frame.tobytes() if self.kinds & {"per_frame_md5", "per_frame_adler32", "per_frame_md5_json"} \
            else b""
        if "per_frame_md5" in self.kinds or "per_frame_md5_json" in self.kinds:
            self.per_frame["md5"].append(hashlib.md5(native).hexdigest())
        if "per_frame_adler32" in self.kinds:
            self.per_frame["adler32"].append(f"0x{zlib.adler32(native, 0):08x}")
        if self.kinds & {"per_frame_md5_nv12", "per_frame_crc32_nv12"}:
            nv = _nv12(frame)
            self.per_frame["nv12_md5"].append(hashlib.md5(nv).hexdigest())
            self.per_frame["nv12_crc32"].append(f"{zlib.crc32(nv):08x}")

    def verdict(self, c: Check) -> tuple[str, str, int | None]:
        """(status, detail, first mismatching frame) of one check."""
        if c.kind in WHOLE_OUTPUT_KINDS and self._key(c) in self.errors:
            return NOT_SUPPORTED, self.errors[self._key(c)], None
        if c.kind in ("md5_all_frames", "sha1_all_frames"):
            got = self.whole[self._key(c)].hexdigest()
            return (SUCCESS, "", None) if got == c.expected.lower() else (FAIL, f"{got} != {c.expected}", None)
        if c.kind == "reference_y4m":
            ref = Path(c.expected).read_bytes()
            payload = b"".join(part.split(b"\n", 1)[1] for part in ref.split(b"FRAME")[1:])
            exp = hashlib.md5(payload).hexdigest()
            got = self.whole[self._key(c)].hexdigest()
            return (SUCCESS, "", None) if got == exp else (FAIL, "differs from the reference Y4M", None)
        key = {"per_frame_md5": "md5", "per_frame_md5_json": "md5", "per_frame_adler32": "adler32",
               "per_frame_md5_nv12": "nv12_md5", "per_frame_crc32_nv12": "nv12_crc32"}.get(c.kind)
        if key is None:
            return NOT_SUPPORTED, f"checksum kind {c.kind} not applicable to video", None
        exp = _side_list(c.expected)
        got = self.per_frame[key]
        if key == "adler32":
            exp = [f"0x{int(x, 16):08x}" for x in exp]
        if key == "nv12_crc32":
            exp = [x[-8:].lower().rjust(8, "0") for x in exp]
        for i, (a, b) in enumerate(zip(got, exp)):
            if a != b:
                return FAIL, f"frame {i}: {a} != {b}", i
        if len(got) != len(exp):
            return FAIL, f"{len(got)} frames, expected {len(exp)}", min(len(got), len(exp))
        return SUCCESS, "", None


# ---- JPEG checks -----------------------------------------------------------------------------------------
#: djpeg options whose output v4l2sl reproduces (full-size islow decode, fancy upsampling, PPM/PGM)
SUPPORTED_DJPEG = {"-dct int", "-ppm", "-pnm", "-rgb"}


def djpeg_args(note: str) -> list[str]:
    """djpeg options of a ``md5_djpeg_output_file`` row from its notes (default: ``-dct int -ppm``)."""
    m = re.search(r"decode cmd: (?:djpeg|example decompress) ([^;]*)", note)
    if not m or "example decompress" in note:
        return ["-dct int", "-ppm"]
    toks = m.group(1).split()
    args, i = [], 0
    while i < len(toks):
        t = toks[i]
        if t in ("-dct", "-scale", "-crop", "-skip", "-icc", "-dither", "-colors", "-maxmemory", "-outfile"):
            args.append(f"{t} {toks[i + 1]}" if i + 1 < len(toks) else t)
            i += 2
        else:
            args.append(t)
            i += 1
    return args


def pnm_bytes(img: Any, rgb: bool = False) -> bytes:
    """What ``djpeg -pnm`` writes for a decoded image (PGM for gray unless `rgb`; 16-bit BE above 8 bits)."""
    a = img.array
    if rgb and a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    maxv = (1 << img.precision) - 1
    head = b"P%d\n%d %d\n%d\n" % (6 if a.ndim == 3 else 5, img.width, img.height, maxv)
    return head + (a.astype(">u2").tobytes() if maxv > 255 else a.astype(np.uint8).tobytes())


def raw_samples(img: Any) -> bytes:
    """Interleaved component samples of a lossless image (1 byte per sample up to 8 bits, else 2 bytes BE)."""
    a = np.stack(img.planes, axis=-1) if len(img.planes) > 1 else img.planes[0]
    return a.astype(">u2").tobytes() if img.precision > 8 else a.astype(np.uint8).tobytes()


def check_jpeg(check: Check, data: bytes) -> tuple[str, str]:
    """(status, detail) of one JPEG check. Raises UnsupportedError for decodes v4l2sl does not reproduce."""
    from v4l2sl.codecs import jpeg
    from v4l2sl.errors import UnsupportedError

    if check.kind == "djpeg_file_md5":
        args = djpeg_args(check.note)
        extra = [a for a in args if a not in SUPPORTED_DJPEG and not a.startswith("-icc")]
        if extra or "-dct int" not in args:
            raise UnsupportedError(f"djpeg options {' '.join(extra) or '(not -dct int)'} "
                                   "(partial/scaled/ifast/merged decodes or PNG files) not reproduced")
        got = hashlib.md5(pnm_bytes(jpeg.decode_image(data), rgb="-rgb" in args)).hexdigest()
    elif check.kind == "raw_samples_md5":
        got = hashlib.md5(raw_samples(jpeg.decode_image(data, output="yuv"))).hexdigest()
    elif check.kind == "reference_png":
        from PIL import Image

        im = Image.open(check.expected)
        if im.mode in ("P", "1"):
            im = im.convert("RGB" if im.mode == "P" else "L")
        ref = np.asarray(im)
        img = jpeg.decode_image(data)
        a = img.array
        if ref.ndim == 3 and ref.shape[2] == 4:
            ref = ref[:, :, :3]
        if a.ndim == 2 and ref.ndim == 3:
            a = np.repeat(a[:, :, None], 3, axis=2)
        if ref.ndim == 2 and a.ndim == 3 and (a == a[:, :, :1]).all():
            a = a[:, :, 0]
        if a.shape != ref.shape:
            return FAIL, f"shape {a.shape} vs {ref.shape}"
        if ref.dtype == np.uint16 and a.dtype == np.uint8:
            a = a.astype(np.uint16) * 257
        tol = 0 if img.header.frame.process == "lossless" else 3 * (257 if ref.dtype == np.uint16 else 1)
        d = int(np.abs(a.astype(np.int64) - ref.astype(np.int64)).max()) if a.size else 0
        return (SUCCESS, "") if d <= tol else (FAIL, f"max diff {d} > {tol}")
    else:
        raise UnsupportedError(f"checksum kind {check.kind} does not apply to JPEG")
    return (SUCCESS, "") if got == check.expected else (FAIL, f"{got} != {check.expected}")


def _run_jpeg(vector: Vector) -> Result:
    from v4l2sl.errors import UnsupportedError

    data = vector.path.read_bytes()  # type: ignore[union-attr]
    res = Result(vector.suite, vector.name, SUCCESS, frames=1)
    statuses = []
    for c in vector.checks:
        try:
            st, detail = check_jpeg(c, data)
        except UnsupportedError as e:
            st, detail = NOT_SUPPORTED, str(e)
        res.checks[c.kind + (" " + " ".join(djpeg_args(c.note)) if c.kind == "djpeg_file_md5" else "")] = st
        statuses.append(st)
        if st == FAIL and not res.detail:
            res.detail = f"{c.kind}: {detail}"
    res.status = _combine(statuses)
    return res


def _video_verdict(checks: list[Check], acc: _Accumulator, record: dict[str, str]) -> tuple[str, str, int | None]:
    """Status of a decoded video vector: the whole-output digests decide when there are any (the suites'
    own convention), per-frame lists otherwise; values the manifest marks as not reproducible are only
    recorded. Per-frame lists that disagree with a passing whole-output digest are noted in the detail."""
    decisive: list[str] = []
    detail, first, notes = "", None, []
    has_whole = any(c.is_whole_output and c.is_reference for c in checks)
    for c in checks:
        st, why, frame = acc.verdict(c)
        label = c.kind + (f"[{c.pix_fmt}]" if c.pix_fmt else "")
        if not c.is_reference:
            record[label] = f"{st} (not a reference: {c.verification[:60]})"
            alt = c.libav_value
            if alt is None or not c.is_whole_output:
                continue
            # the manifest records libavcodec's result instead: that becomes the reference
            c = Check(c.kind, alt, c.pix_fmt, c.note, verification="libavcodec value from the manifest")
            st, why, frame = acc.verdict(c)
            label += "[libavcodec]"
            record[label] = st
        record[label] = st
        if has_whole and not c.is_whole_output:
            if st == FAIL:
                notes.append(f"secondary {c.kind} differs ({why})")
            continue
        decisive.append(st)
        if st == FAIL and not detail:
            detail, first = f"{c.kind}: {why}", frame
    status = _combine(decisive) if decisive else NOT_SUPPORTED
    if status != FAIL and notes:
        detail = "; ".join(notes)
    return status, detail, first


def _combine(statuses: list[str]) -> str:
    for s in (ERROR, TIMEOUT, FAIL):
        if s in statuses:
            return s
    if SUCCESS in statuses:
        return SUCCESS
    return NOT_SUPPORTED


# ---- running ---------------------------------------------------------------------------------------------
def run_vector(vector: Vector, device: str = "soft", timeout: float | None = None) -> Result:
    """Decode one vector and evaluate all its checks."""
    import signal

    from v4l2sl.errors import UnsupportedError, V4l2slError

    t0 = time.perf_counter()
    if vector.path is None:
        return Result(vector.suite, vector.name, MISSING, "bitstream not present")

    def on_alarm(*_):
        raise TimeoutError

    old = signal.signal(signal.SIGALRM, on_alarm) if timeout else None
    if timeout:
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        if vector.codec == "jpeg":
            res = _run_jpeg(vector)
        else:
            import v4l2sl.decoder as decoder

            acc = _Accumulator(vector.checks)
            with decoder.open(str(vector.path), device=device) as dec:
                for frame in dec:
                    acc.add(frame)
            res = Result(vector.suite, vector.name, SUCCESS, frames=acc.frames)
            res.status, res.detail, res.first_mismatch = _video_verdict(vector.checks, acc, res.checks)
    except TimeoutError:
        res = Result(vector.suite, vector.name, TIMEOUT, f"over {timeout} s")
    except UnsupportedError as e:
        res = Result(vector.suite, vector.name, NOT_SUPPORTED, str(e))
    except V4l2slError as e:
        res = Result(vector.suite, vector.name, ERROR, f"{type(e).__name__}: {e}")
    except Exception as e:  # a bug in v4l2sl: report it as an error of this vector, keep going
        res = Result(vector.suite, vector.name, ERROR, f"internal {type(e).__name__}: {e}")
    finally:
        if timeout:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    res.seconds = round(time.perf_counter() - t0, 3)
    return res


def _run_star(args: tuple[Vector, str, float | None]) -> Result:
    return run_vector(*args)


def run(vectors: list[Vector], device: str = "soft", jobs: int = 1, timeout: float | None = None,
        progress: Any = None) -> list[Result]:
    work = [(v, device, timeout) for v in vectors]
    results: list[Result] = []
    if jobs <= 1:
        for w in work:
            r = _run_star(w)
            results.append(r)
            if progress:
                progress(r)
        return results
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for r in pool.map(_run_star, work):
            results.append(r)
            if progress:
                progress(r)
    return results


# ---- reports ---------------------------------------------------------------------------------------------
def totals(results: list[Result]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for r in results:
        t = out.setdefault(r.suite, {s: 0 for s in STATUSES})
        t[r.status] += 1
    return out


def table(results: list[Result]) -> str:
    """A Fluster-style Markdown table: one row per vector, then totals per suite."""
    lines = ["|Suite|Test|Result|Frames|Time (s)|Detail|", "|-|-|-|-|-|-|"]
    for r in results:
        lines.append(f"|{r.suite}|{r.name}|{r.status}|{r.frames}|{r.seconds:.2f}|{r.detail[:120]}|")
    lines.append("")
    lines.append("|Suite|" + "|".join(STATUSES) + "|Total|")
    lines.append("|-|" + "-|" * (len(STATUSES) + 1))
    for suite, t in totals(results).items():
        lines.append(f"|{suite}|" + "|".join(str(t[s]) for s in STATUSES) + f"|{sum(t.values())}|")
    return "\n".join(lines)


def junit(results: list[Result]) -> str:
    from xml.sax.saxutils import escape, quoteattr

    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>"]
    by_suite: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_suite[r.suite].append(r)
    for suite, rs in by_suite.items():
        fails = sum(r.status == FAIL for r in rs)
        errs = sum(r.status in (ERROR, TIMEOUT) for r in rs)
        skips = sum(r.status in (NOT_SUPPORTED, MISSING) for r in rs)
        out.append(f'  <testsuite name={quoteattr(suite)} tests="{len(rs)}" failures="{fails}" errors="{errs}" '
                   f'skipped="{skips}">')
        for r in rs:
            out.append(f'    <testcase classname={quoteattr(suite)} name={quoteattr(r.name)} time="{r.seconds}">')
            if r.status == FAIL:
                out.append(f"      <failure message={quoteattr(r.detail)}/>")
            elif r.status in (ERROR, TIMEOUT):
                out.append(f"      <error message={quoteattr(r.status + ': ' + r.detail)}/>")
            elif r.status in (NOT_SUPPORTED, MISSING):
                out.append(f"      <skipped message={quoteattr(r.status + ': ' + escape(r.detail))}/>")
            out.append("    </testcase>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"


def to_json(results: list[Result]) -> str:
    return json.dumps({"results": [asdict(r) for r in results], "totals": totals(results)}, indent=1)


# ---- download --------------------------------------------------------------------------------------------
def download_suite(suite_json: str | Path, dest: str | Path, only: Iterable[str] | None = None) -> list[Path]:
    """Fetch a Fluster suite's vectors from their official URLs into `dest` (checks source md5, unzips)."""
    import shutil
    import urllib.request
    import zipfile

    from v4l2sl.errors import V4l2slError

    suite = json.loads(Path(suite_json).read_text())
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    fetched: dict[str, Path] = {}
    got = []
    wanted = set(only) if only else None
    for tv in suite["test_vectors"]:
        if wanted and tv["name"] not in wanted:
            continue
        url = tv["source"]
        local = fetched.get(url)
        if local is None:
            local = dest / "downloads" / os.path.basename(url)
            local.parent.mkdir(parents=True, exist_ok=True)
            if not local.exists():
                with urllib.request.urlopen(url, timeout=60) as r, open(local, "wb") as f:  # noqa: S310
                    shutil.copyfileobj(r, f)
            md5 = hashlib.md5(local.read_bytes()).hexdigest()
            if tv.get("source_checksum") and md5 != tv["source_checksum"]:
                raise V4l2slError(f"{url}: md5 {md5} != published {tv['source_checksum']}")
            fetched[url] = local
        target = dest / suite["name"] / Path(tv["input_file"]).name
        target.parent.mkdir(parents=True, exist_ok=True)
        if zipfile.is_zipfile(local):
            with zipfile.ZipFile(local) as z:
                names = [n for n in z.namelist() if n.endswith(tv["input_file"]) or
                         os.path.basename(n) == os.path.basename(tv["input_file"])]
                if not names:
                    raise V4l2slError(f"{tv['input_file']} not in {local.name}")
                target.write_bytes(z.read(names[0]))
        else:
            shutil.copyfile(local, target)
        got.append(target)
    return got
