"""``v4l2sl devices``: every stateless decoder of this machine, with its OUTPUT (coded) formats and frame
size ranges, CAPTURE formats and codec controls (like ``v4l2-ctl --list-devices`` + ``--list-formats-out``)."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _sizes(sizes: list[dict[str, int]]) -> str:
    out = []
    for s in sizes:
        if s["type"] == "discrete":
            out.append(f"{s['width']}x{s['height']}")
        else:
            out.append(f"{s['min_width']}x{s['min_height']} - {s['max_width']}x{s['max_height']} "
                       f"(step {s['step_width']}x{s['step_height']})")
    return ", ".join(out) or "-"


def describe() -> list[dict[str, Any]]:
    """Probe results of every stateless decoder (errors are reported per device, not raised). Decoder
    entities whose OUTPUT queue has no V4L2_BUF_CAP_SUPPORTS_REQUESTS (stateful decoders) are left out."""
    from v4l2sl.kernel import KernelDevice, list_decoders

    out = []
    for node in list_decoders():
        entry: dict[str, Any] = {"video": node.video_path, "media": node.media_path, "driver": node.driver,
                                 "model": node.model, "bus_info": node.bus_info, "entity": node.entity}
        try:
            with KernelDevice(node.video_path, node.media_path) as dev:
                info = dev.info
                if not info["supports_requests"]:
                    continue            # a stateful decoder (no Request API on its OUTPUT queue)
                entry.update({k: info[k] for k in ("card", "mplane", "supports_requests", "supports_hold_capture",
                                                   "output_formats", "capture_formats", "codecs")})
                entry["controls"] = [c for c in info["controls"] if c["codec"]]
                entry["capabilities"] = {c: dev.capabilities(c) for c in info["codecs"]}
        except Exception as e:  # noqa: BLE001 - one broken device must not hide the others
            entry["error"] = str(e)
        out.append(entry)
    return out


def run(args: argparse.Namespace) -> int:
    devs = describe()
    if args.json:
        json.dump(devs, sys.stdout, indent=1, default=str)
        print()
        return 0
    if not devs:
        print("no stateless decoders found (no /dev/media* with a MEDIA_ENT_F_PROC_VIDEO_DECODER entity)")
        return 0
    for d in devs:
        print(f"{d['model']} ({d['driver']}, {d['bus_info']}): {d['video']} {d['media']}  [{d['entity']}]")
        if "error" in d:
            print(f"  error: {d['error']}")
            continue
        print(f"  requests: {'yes' if d['supports_requests'] else 'NO'}, "
              f"hold capture buffer: {'yes' if d['supports_hold_capture'] else 'no'}")
        print("  OUTPUT formats:")
        for f in d["output_formats"]:
            print(f"    '{f['fourcc']}' {f['description']}: {_sizes(f['sizes'])}")
        print("  CAPTURE formats: " + ", ".join(f"'{f['fourcc']}'" for f in d["capture_formats"]))
        print("  codec controls:")
        for c in d["controls"]:
            extra = ""
            if "menu" in c:
                extra = " menu=" + ",".join(f"{k}:{v}" for k, v in c["menu"].items()) + f" value={c.get('value')}"
            if "our_size" in c:
                extra += f" elem_size={c['elem_size']}" + ("" if c["size_ok"] else f" (MISMATCH: ours {c['our_size']})")
            print(f"    0x{c['id']:08x} {c.get('kernel_name', c['name'])}{extra}")
    return 0
