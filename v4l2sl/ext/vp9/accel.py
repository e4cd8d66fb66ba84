"""The VP9 software accelerator: a virtual stateless VP9 decoder.

Like a kernel driver (rkvdec, hantro, mtk) it gets only the request: ``V4L2_CID_STATELESS_VP9_FRAME``, the
optional ``V4L2_CID_STATELESS_VP9_COMPRESSED_HDR`` and the frame data, finds the reference pictures by the
timestamps in the frame control, and keeps the four probability contexts itself (reset, refresh:
:mod:`v4l2sl.ext.vp9.probs`; forward update and backward adaptation in C in the decoder). Without the
compressed-header control it reads the compressed header from the data, as hardware that does not take that
control does. Requests are checked in the caller's thread and decoded in order on a worker thread (the
returned Picture is a Future), so the caller prepares the next request meanwhile.
"""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Mapping

import numpy as np

from v4l2sl.device import DecodeRequest, Picture, StreamFormat
from v4l2sl.errors import BitstreamError, ResourceLimitError, UnsupportedError
from v4l2sl.ext.pipeline import default_threads
from v4l2sl.ext.vp9 import probs as P
from v4l2sl.ext.vp9 import tables as T
from v4l2sl.ext.vp9.decoder import adapt_probs, decode_frame, forward_update, new_decoder
from v4l2sl.uapi import vp9 as u

_DC_Q = {8: T.DC_Q8, 10: T.DC_Q10, 12: T.DC_Q12}
_AC_Q = {8: T.AC_Q8, 10: T.AC_Q10, 12: T.AC_Q12}
_FOURCC = {(1, 1): "YUV420", (1, 0): "YUV422", (0, 0): "YUV444", (0, 1): "YUV440"}


class VP9Accelerator:
    """Decodes VP9 requests from the controls only (see :mod:`v4l2sl.ext.soft`)."""

    CAPABILITIES: dict[str, Any] = {
        "codec": "vp9",
        "profiles": [0, 1, 2, 3],
        "bit_depths": [8, 10, 12],
        "chroma_formats": ["420", "422", "440", "444"],
        "controls": [u.V4L2_CID_STATELESS_VP9_FRAME, u.V4L2_CID_STATELESS_VP9_COMPRESSED_HDR],
        "compressed_hdr": True,      # accepted, not required
        "output_fourccs": ["YUV420", "YUV422", "YUV444", "YUV440", "NV12"],
        "scaled_references": True,
    }

    def __init__(self, fmt: StreamFormat):
        self.fmt = fmt
        self.nv12 = str(fmt.extra.get("fourcc", fmt.extra.get("output_fourcc", ""))).upper() == "NV12"
        self.contexts = [P.DEFAULT_CONTEXT] * 4      # byte images of v4l2_vp9_frame_context
        threads = fmt.extra.get("threads") or default_threads()
        self._dec = new_decoder(threads)
        self._last_key = False
        self._last_show = False
        self._last_size: tuple[int, int] | None = None
        self._internal: dict[int, tuple[np.ndarray, ...]] = {}   # timestamp -> uint16 planes (cropped)
        # frames decode one after another on a worker thread while the caller prepares the next request;
        # threads=1 decodes in the caller's thread
        self._worker = None if threads == 1 else ThreadPoolExecutor(1, "vp9-frame")

    # --- references -----------------------------------------------------------------------------------------
    def _ref_planes(self, ts: int, pic: "Picture | Future[Picture]") -> tuple[np.ndarray, ...]:
        if ts in self._internal:
            return self._internal[ts]
        if isinstance(pic, Future):
            pic = pic.result()
        if pic.fourcc == "NV12":
            y, uv = pic.planes
            planes = (y, uv[:, 0::2], uv[:, 1::2])
        else:
            planes = tuple(pic.planes[:3])
        return tuple(np.ascontiguousarray(p, np.uint16) for p in planes)

    # --- decoding ---------------------------------------------------------------------------------------------
    def decode(self, request: DecodeRequest, refs: Mapping[int, Any]) -> "Picture | Future[Picture]":
        """Check and prepare the request here; decode it (after the frames before it) on the worker thread."""
        try:
            job = self._prepare(request, refs)
        except BitstreamError as e:
            raise e.at_frame(request.frame_number)
        if self._worker is None:
            return self._run(job)
        return self._worker.submit(self._run, job)

    def close(self) -> None:
        if self._worker is not None:
            self._worker.shutdown(wait=True)
            self._worker = ThreadPoolExecutor(1, "vp9-frame")

    def _run(self, job: dict) -> Picture:
        try:
            return self._decode(job)
        except BitstreamError as e:
            raise e.at_frame(job["frame_number"])

    def _prepare(self, request: DecodeRequest, refs: Mapping[int, Any]) -> dict:
        """Everything that depends on the request and the headers of earlier requests only: control checks,
        compressed-header deltas, the header values for the decoder, the reference pictures."""
        try:
            f = request.control(u.V4L2_CID_STATELESS_VP9_FRAME)
        except KeyError:
            raise BitstreamError("VP9 request without V4L2_CID_STATELESS_VP9_FRAME") from None
        try:
            hdr = request.control(u.V4L2_CID_STATELESS_VP9_COMPRESSED_HDR)
        except KeyError:
            hdr = None
        data = bytes(request.data)
        flags = int(f.flags)
        width, height = f.frame_width_minus_1 + 1, f.frame_height_minus_1 + 1
        limit = max(4 * self.fmt.width * self.fmt.height, 1920 * 1088)
        if width * height > limit:
            raise ResourceLimitError(f"VP9 frame {width}x{height} is larger than the configured format allows")
        intra = P.frame_is_intra(flags)
        key = bool(flags & u.V4L2_VP9_FRAME_FLAG_KEY_FRAME)
        error_res = bool(flags & u.V4L2_VP9_FRAME_FLAG_ERROR_RESILIENT)
        ssx = 1 if flags & u.V4L2_VP9_FRAME_FLAG_X_SUBSAMPLING else 0
        ssy = 1 if flags & u.V4L2_VP9_FRAME_FLAG_Y_SUBSAMPLING else 0
        bit_depth = int(f.bit_depth) or 8
        if bit_depth not in (8, 10, 12):
            raise BitstreamError(f"VP9 bit depth {bit_depth} not valid")
        if f.profile > 3:
            raise UnsupportedError(f"VP9 profile {f.profile}")
        self._validate(f)
        uhs, chs = int(f.uncompressed_header_size), int(f.compressed_header_size)
        if chs == 0 or uhs + chs > len(data):
            raise BitstreamError(f"VP9 header sizes {uhs}+{chs} do not fit the {len(data)}-byte frame")
        q = f.quant
        lossless = q.base_q_idx == 0 and q.delta_q_y_dc == 0 and q.delta_q_uv_dc == 0 and q.delta_q_uv_ac == 0
        sign_bias = [0] + [(int(f.ref_frame_sign_bias) >> i) & 1 for i in range(3)]
        reference_mode = int(f.reference_mode)

        # compressed header deltas (6.3)
        if hdr is not None:
            raw = hdr.to_bytes()
            tx_mode, delta_image = raw[0], raw[1:]
        else:
            deltas = P.parse_compressed_header(data, uhs, chs, flags, lossless, int(f.interpolation_filter),
                                               0 if intra else int(f.ref_frame_sign_bias))
            tx_mode, delta_image = int(deltas["tx_mode"]), P.delta_image(deltas)
        tx_mode = 0 if lossless else tx_mode
        if tx_mode > 4:
            raise BitstreamError(f"v4l2_ctrl_vp9_compressed_hdr.tx_mode = {tx_mode} is out of range")
        allow_hp = int(bool(flags & u.V4L2_VP9_FRAME_FLAG_ALLOW_HIGH_PREC_MV))

        # references (by timestamp, as the kernel resolves them)
        ref_pics: list = [None, None, None]
        if not intra:
            for i, ts in enumerate((f.last_frame_ts, f.golden_frame_ts, f.alt_frame_ts)):
                if int(ts) not in refs:
                    raise BitstreamError(f"VP9 reference {('LAST', 'GOLDEN', 'ALTREF')[i]} (timestamp {ts}) "
                                         "is not a decoded picture")
                ref_pics[i] = (int(ts), refs[int(ts)])

        adapt = not error_res and not (flags & u.V4L2_VP9_FRAME_FLAG_PARALLEL_DEC_MODE)
        seg, lf = f.seg, f.lf
        seg_enabled = bool(seg.flags & u.V4L2_VP9_SEGMENTATION_FLAG_ENABLED)
        h = {
            "width": width, "height": height, "ssx": ssx, "ssy": ssy, "bit_depth": bit_depth,
            "frame_is_intra": int(intra), "error_res": int(error_res),
            "allow_hp": allow_hp,
            "interp_filter": int(f.interpolation_filter), "reference_mode": reference_mode,
            "tx_mode": tx_mode, "lossless": int(lossless),
            "tile_cols_log2": int(f.tile_cols_log2), "tile_rows_log2": int(f.tile_rows_log2),
            "use_prev_mvs": int(not error_res and self._last_size == (width, height) and self._last_show),
            "sign_bias": sign_bias,
            "seg_enabled": int(seg_enabled),
            "seg_update_map": int(bool(seg.flags & u.V4L2_VP9_SEGMENTATION_FLAG_UPDATE_MAP)),
            "seg_temporal": int(bool(seg.flags & u.V4L2_VP9_SEGMENTATION_FLAG_TEMPORAL_UPDATE)),
            "seg_abs": int(bool(seg.flags & u.V4L2_VP9_SEGMENTATION_FLAG_ABS_OR_DELTA_UPDATE)),
            "seg_tree_probs": list(seg.tree_probs), "seg_pred_probs": list(seg.pred_probs),
            "seg_feature_enabled": list(seg.feature_enabled),
            "seg_feature_data": [list(seg.feature_data[i]) for i in range(8)],
            "reset_seg_map": int(intra or error_res),
            "base_q_idx": int(q.base_q_idx), "delta_q_y_dc": int(q.delta_q_y_dc),
            "delta_q_uv_dc": int(q.delta_q_uv_dc), "delta_q_uv_ac": int(q.delta_q_uv_ac),
            "dc_q": _DC_Q[bit_depth], "ac_q": _AC_Q[bit_depth],
            "lf_level": int(lf.level), "lf_sharpness": int(lf.sharpness),
            "lf_delta_enabled": int(bool(lf.flags & u.V4L2_VP9_LOOP_FILTER_FLAG_DELTA_ENABLED)),
            "lf_ref_deltas": list(lf.ref_deltas), "lf_mode_deltas": list(lf.mode_deltas),
            "tile_data_offset": uhs + chs,
            "count_symbols": int(adapt),
        }
        job = {
            "frame_number": request.frame_number, "timestamp": request.timestamp, "data": data, "h": h,
            "flags": flags, "reset_frame_context": int(f.reset_frame_context),
            "frame_context_idx": int(f.frame_context_idx), "delta_image": delta_image, "refs": ref_pics,
            "live": set(refs), "last_key": self._last_key,
            "adapt": adapt,
        }
        self._last_key = key
        self._last_show = bool(flags & u.V4L2_VP9_FRAME_FLAG_SHOW_FRAME)
        self._last_size = (width, height)
        return job

    def _decode(self, job: dict) -> Picture:
        """Decode a prepared request (the frames before it are decoded)."""
        h, flags = job["h"], job["flags"]
        intra = h["frame_is_intra"]
        # probability contexts: reset, load, forward update (7.2, 6.3)
        fctx = P.reset_frame_contexts(self.contexts, flags, job["reset_frame_context"], job["frame_context_idx"])
        pre = self.contexts[fctx]
        cur = forward_update(pre, job["delta_image"], h["tx_mode"], intra, h["interp_filter"], h["reference_mode"],
                             h["allow_hp"])
        ref_planes = [None if r is None else self._ref_planes(*r) for r in job["refs"]]
        planes, raw_counts, corrupted = decode_frame(self._dec, job["data"], h, cur, ref_planes)

        # backward adaptation (8.4.2) and refresh of the saved context
        if job["adapt"]:
            cur = adapt_probs(pre, cur, raw_counts, intra, int(job["last_key"]), h["tx_mode"], h["interp_filter"],
                              h["allow_hp"])
        if flags & u.V4L2_VP9_FRAME_FLAG_REFRESH_FRAME_CTX:
            self.contexts[fctx] = cur

        width, height, ssx, ssy = h["width"], h["height"], h["ssx"], h["ssy"]
        cw, ch = (width + ssx) >> ssx, (height + ssy) >> ssy
        cropped = (planes[0][:height, :width], planes[1][:ch, :cw], planes[2][:ch, :cw])
        self._internal = {ts: p for ts, p in self._internal.items() if ts in job["live"]}
        self._internal[job["timestamp"]] = cropped
        return self._picture(job["timestamp"], cropped, width, height, h["bit_depth"], ssx, ssy, corrupted)

    @staticmethod
    def _validate(f) -> None:
        """Reject control values outside their kernel-documented ranges (a driver returns -EINVAL)."""
        checks = (
            ("interpolation_filter", f.interpolation_filter, 4), ("reference_mode", f.reference_mode, 2),
            ("frame_context_idx", f.frame_context_idx, 3), ("reset_frame_context", f.reset_frame_context, 2),
            ("tile_cols_log2", f.tile_cols_log2, 6), ("tile_rows_log2", f.tile_rows_log2, 2),
            ("lf.level", f.lf.level, 63), ("lf.sharpness", f.lf.sharpness, 7),
        )
        for name, v, hi in checks:
            if int(v) > hi:
                raise BitstreamError(f"v4l2_ctrl_vp9_frame.{name} = {int(v)} is out of range (max {hi})")
        for seg in range(8):
            ref = int(f.seg.feature_data[seg][u.V4L2_VP9_SEG_LVL_REF_FRAME])
            if (f.seg.feature_enabled[seg] >> u.V4L2_VP9_SEG_LVL_REF_FRAME) & 1 and not 0 <= ref <= 3:
                raise BitstreamError(f"segment {seg} reference feature {ref} is out of range")

    def _picture(self, ts: int, planes, width: int, height: int, bit_depth: int, ssx: int, ssy: int,
                 corrupted: bool) -> Picture:
        dtype = np.uint8 if bit_depth == 8 else np.uint16
        out = [np.ascontiguousarray(p, dtype) for p in planes]
        if self.nv12 and (ssx, ssy) == (1, 1):
            uv = np.empty((out[1].shape[0], out[1].shape[1] * 2), dtype)
            uv[:, 0::2] = out[1]
            uv[:, 1::2] = out[2]
            return Picture(ts, "NV12", width, height, [out[0], uv], error=corrupted)
        return Picture(ts, _FOURCC[(ssx, ssy)], width, height, out, error=corrupted)
