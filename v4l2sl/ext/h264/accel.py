"""The H.264 virtual hardware: decodes a request from its controls and OUTPUT data only, like a kernel
driver (cedrus/hantro in SLICE_BASED mode, rkvdec in FRAME_BASED mode).

* SLICE_BASED: one slice per request (or a SLICE_PARAMS array with one entry per NAL unit); slice_data()
  starts at ``header_bit_size`` bits into the slice NAL unit's RBSP (NAL header byte included, emulation
  prevention bytes excluded, as v4l2sl.codecs.h264 fills it), reference
  lists are SLICE_PARAMS ``ref_pic_list0/1`` (DPB indices), weights come from PRED_WEIGHTS.
* FRAME_BASED: the request holds every slice of the picture; each slice header is parsed here
  (slice_header.py) and the reference lists are built from DECODE_PARAMS (reflist.py).

References are the pictures named by ``dpb[i].reference_ts``; the accelerator keeps its own planar copy of
every picture it decoded, keyed by timestamp, as long as the device still holds the picture.

Requests are prepared in the caller's thread; the pixel work of each frame (slice data, deblocking, output
conversion) runs as a :class:`v4l2sl.ext.pipeline.PictureJob` on a worker thread, several frames at once: motion
compensation and colocated motion wait for the reference rows they read (frame threading; streams with field
pictures run one frame at a time).
"""
from __future__ import annotations

import ctypes
from concurrent.futures import Future
from typing import Any, Mapping

import numpy as np

from v4l2sl.device import DecodeRequest, Picture, StreamFormat
from v4l2sl.errors import BitstreamError, UnsupportedError
from v4l2sl.ext.pipeline import PictureJob, Pipeline
from v4l2sl.parsers.bitreader import rbsp_unescape
from v4l2sl.uapi import h264 as u
from v4l2sl.ext.h264.recon import PictureDecoder, field_pair_mbinfo
from v4l2sl.ext.h264 import reflist
from v4l2sl.ext.h264.slice_header import parse_slice_header

FLAT4 = [[16] * 16 for _ in range(6)]
FLAT8 = [[16] * 64 for _ in range(6)]


def split_nal_units(data: bytes) -> list[bytes]:
    """Annex B byte stream -> NAL units (without start codes); data without a start code is one NAL unit."""
    if not (data[:3] == b"\x00\x00\x01" or data[:4] == b"\x00\x00\x00\x01"):
        return [bytes(data)] if data else []
    out = []
    i = data.find(b"\x00\x00\x01")
    while i >= 0:
        start = i + 3
        j = data.find(b"\x00\x00\x01", start)
        end = len(data) if j < 0 else j
        nal = data[start:end]
        if j >= 0:
            nal = nal.rstrip(b"\x00")           # trailing_zero_8bits / next 4-byte start code
        if nal:
            out.append(bytes(nal))
        i = j
    return out


class H264Accelerator:
    """Software H.264 stateless decoder (see module docstring)."""

    CAPABILITIES: dict[str, Any] = {
        "codec": "h264",
        "decode_modes": ["slice", "frame"],
        "start_codes": ["annexb", "none"],
        "fourccs": ["YUV420", "NV12", "GREY"],
        "bit_depths": [8, 9, 10],
        "chroma_formats": ["420", "400"],
        "profiles": ["constrained-baseline", "baseline", "main", "extended-without-SP/SI/partitions", "high",
                     "high10"],
        "features": ["CAVLC", "CABAC", "I/P/B slices", "I_PCM", "intra 4x4/8x8/16x16", "transform 8x8",
                     "scaling matrices", "multiple slices", "deblocking", "direct spatial/temporal",
                     "explicit/implicit weighted prediction", "multiple/long-term references",
                     "field pictures (PAFF)", "MBAFF", "frame threading"],
        "unsupported": ["4:2:2/4:4:4", "FMO/ASO",
                        "SP/SI slices", "data partitioning", "lossless"],
    }

    def __init__(self, fmt: StreamFormat):
        if fmt.bit_depth not in (8, 9, 10):
            raise UnsupportedError(f"bit depth {fmt.bit_depth} (the software H.264 decoder supports 8 to 10 bits)")
        if fmt.chroma_format not in ("420", "400"):
            raise UnsupportedError(f"chroma format {fmt.chroma_format}")
        self.fmt = fmt
        self.fourcc = fmt.extra.get("fourcc", "YUV420")
        # timestamp -> frame store {"planes": (Y, U, V) uint16, "uid", "frame_mbinfo", "field_mbinfo": [top, bottom],
        # "job": its PictureJob, "error": damage seen, "concealed": macroblocks concealed}
        self._store: dict[int, dict] = {}
        self._frame: dict = self._new_frame(None, 0)
        self._uid = 0
        self._cur: PictureDecoder | None = None
        self._cur_ts: int | None = None
        self._conceal_src = None
        self._pipeline = Pipeline(fmt.extra.get("threads"))
        self._spare: list[tuple[tuple, list]] = []    # released frame stores: (planes, jobs that may read them)
        self._bit_depth = 0

    @staticmethod
    def _new_frame(ts: int | None, uid: int) -> dict:
        frame = {"uid": uid, "planes": None, "frame_mbinfo": None, "field_mbinfo": [None, None], "ts": ts,
                 "job": PictureJob(), "error": False, "concealed": 0, "progress": None, "decoders": []}
        frame["job"].always(_complete, frame)
        return frame

    # ------------------------------------------------------------------------------------------------
    def decode(self, request: DecodeRequest, refs: Mapping[int, Any]) -> "Picture | Future[Picture] | None":
        ctrls = {c.cid: c.payload for c in request.controls}
        try:
            sps = ctrls[u.V4L2_CID_STATELESS_H264_SPS]
            pps = ctrls[u.V4L2_CID_STATELESS_H264_PPS]
            dp = ctrls[u.V4L2_CID_STATELESS_H264_DECODE_PARAMS]
        except KeyError as e:
            raise BitstreamError(f"H.264 request without control 0x{e.args[0]:08x}", frame=request.frame_number)
        mode = ctrls.get(u.V4L2_CID_STATELESS_H264_DECODE_MODE)
        if mode is None:
            mode = self.fmt.extra.get("decode_mode", u.V4L2_STATELESS_H264_DECODE_MODE_FRAME_BASED)
            if isinstance(mode, str):
                mode = (u.V4L2_STATELESS_H264_DECODE_MODE_SLICE_BASED if mode.startswith("slice")
                        else u.V4L2_STATELESS_H264_DECODE_MODE_FRAME_BASED)
        self._check_supported(sps, pps, dp)
        # drop pictures the device released
        for ts in [t for t in self._store if t not in refs]:
            st = self._store.pop(ts)
            if st["planes"] is not None and st["progress"] is not None:
                # reusable once the jobs that may still read it (submitted before now) have ended
                self._spare.append((st["planes"], self._pipeline.pending()))
        field = bool(dp.flags & u.V4L2_H264_DECODE_PARAM_FLAG_FIELD_PIC)
        parity = (1 if dp.flags & u.V4L2_H264_DECODE_PARAM_FLAG_BOTTOM_FIELD else 0) if field else -1
        if self._cur is None or self._cur_ts != request.timestamp or self._cur.parity != parity:
            self._start_picture(request, sps, field, parity)
        nals = split_nal_units(request.data)
        if mode == u.V4L2_STATELESS_H264_DECODE_MODE_SLICE_BASED:
            sp_ctrl = ctrls.get(u.V4L2_CID_STATELESS_H264_SLICE_PARAMS)
            if sp_ctrl is None:
                raise BitstreamError("SLICE_BASED request without SLICE_PARAMS", frame=request.frame_number)
            sps_list = list(sp_ctrl) if isinstance(sp_ctrl, ctypes.Array) else [sp_ctrl]
            pw = ctrls.get(u.V4L2_CID_STATELESS_H264_PRED_WEIGHTS)
            nals = [n for n in nals if (n[0] & 0x1F) in (1, 5)] if len(nals) > 1 else nals
            for nal, spar in zip(nals, sps_list):
                self._decode_slice_mode(nal, spar, sps, pps, dp, pw, ctrls, refs)
        else:
            for nal in nals:
                if (nal[0] & 0x1F) not in (1, 5):
                    continue
                self._decode_frame_mode(nal, sps, pps, dp, ctrls, refs)
        if request.hold_capture:
            return None
        return self._finish(request)

    def _start_picture(self, request, sps, field: bool, parity: int) -> None:
        """New frame, or the second field of the frame store being decoded (the first field is finished:
        deblocked and kept as a reference for the second)."""
        mbw = sps.pic_width_in_mbs_minus1 + 1
        # FrameHeightInMbs (7-18): map units are MB pairs when frame_mbs_only_flag is 0
        mbh = (sps.pic_height_in_map_units_minus1 + 1) * (1 if sps.flags & u.V4L2_H264_SPS_FLAG_FRAME_MBS_ONLY else 2)
        bd = 8 + sps.bit_depth_luma_minus8
        if self._cur is not None and self._cur_ts == request.timestamp and field and self._cur.parity >= 0:
            self._finish_field()
        else:
            if not sps.flags & u.V4L2_H264_SPS_FLAG_FRAME_MBS_ONLY:
                # field pictures (and MBAFF frames) publish no row progress: no other picture may be in flight
                self._pipeline.drain()
            self._bit_depth = bd
            self._uid += 1
            self._frame = self._new_frame(request.timestamp, self._uid)
        self._cur_ts = request.timestamp
        self._conceal_src = None
        if not field:
            self._cur = PictureDecoder(mbw, mbh, sps.chroma_format_idc, bd,
                                       self._spare_planes(mbw, mbh, sps.chroma_format_idc),
                                       mbaff=bool(sps.flags & u.V4L2_H264_SPS_FLAG_MB_ADAPTIVE_FRAME_FIELD))
            self._frame["planes"] = (self._cur.Y, self._cur.U, self._cur.V)
            self._frame["progress"] = self._cur.progress
            self._frame["decoders"].append(self._cur)
            return
        if self._frame["planes"] is None:
            h = mbh * 16
            self._frame["planes"] = (np.zeros((h, mbw * 16), np.uint16),
                                     np.full((h // 2, mbw * 8), 1 << (bd - 1), np.uint16),
                                     np.full((h // 2, mbw * 8), 1 << (bd - 1), np.uint16))
        self._cur = PictureDecoder(mbw, mbh // 2, sps.chroma_format_idc, bd, self._frame["planes"], parity)
        self._frame["decoders"].append(self._cur)

    def _spare_planes(self, mbw: int, mbh: int, chroma_format_idc: int) -> tuple | None:
        """A released frame store of this size and chroma format no job reads any more (saves allocating and
        page-faulting a new one), or None."""
        for i, (planes, readers) in enumerate(self._spare):
            if planes[0].shape != (mbh * 16, mbw * 16) or not all(f.done() for f in readers):
                continue
            del self._spare[i]
            if chroma_format_idc == 0 and planes[1][0, 0] != 1 << (self._bit_depth - 1):
                return None
            return planes
        if len(self._spare) > 8:
            del self._spare[0]
        return None

    def _finish_field(self) -> None:
        dec = self._cur
        self._frame["job"].add(_finish_picture, self._frame, dec, self._conceal_src)
        self._frame["field_mbinfo"][dec.parity] = dec.mbinfo

    def _check_supported(self, sps, pps, dp) -> None:
        if sps.bit_depth_luma_minus8 > 2 or sps.bit_depth_chroma_minus8 != sps.bit_depth_luma_minus8:
            raise UnsupportedError(f"bit depth {8 + sps.bit_depth_luma_minus8}/{8 + sps.bit_depth_chroma_minus8} "
                                   "(the software H.264 decoder supports 8 to 10 bits, equal for luma and chroma)")
        if sps.chroma_format_idc not in (0, 1):
            raise UnsupportedError(f"chroma_format_idc {sps.chroma_format_idc} is not supported")
        if sps.flags & u.V4L2_H264_SPS_FLAG_QPPRIME_Y_ZERO_TRANSFORM_BYPASS:
            raise UnsupportedError("lossless (qpprime_y_zero_transform_bypass) is not supported")
        if pps.num_slice_groups_minus1:
            raise UnsupportedError("slice groups (FMO) are not supported")

    # ---- parameters common to both modes ----------------------------------------------------------------
    def _params(self, sps, pps, ctrls, slice_type, first_mb, slice_qp_delta, num_active, dbk, weights,
                cabac_init_idc=0, dp=None, direct_spatial=1):
        sm = ctrls.get(u.V4L2_CID_STATELESS_H264_SCALING_MATRIX)
        if sm is not None and pps.flags & u.V4L2_H264_PPS_FLAG_SCALING_MATRIX_PRESENT:
            s4 = [list(sm.scaling_list_4x4[i]) for i in range(6)]
            s8 = [list(sm.scaling_list_8x8[i]) for i in range(6)]
        else:
            s4, s8 = FLAT4, FLAT8
        qp = 26 + pps.pic_init_qp_minus26 + slice_qp_delta
        if not -6 * sps.bit_depth_luma_minus8 <= qp <= 51:
            raise BitstreamError(f"slice QP {qp} out of range")
        return {
            "entropy_coding_mode": bool(pps.flags & u.V4L2_H264_PPS_FLAG_ENTROPY_CODING_MODE),
            "slice_type": slice_type,
            "first_mb_in_slice": first_mb,
            "qp": qp,
            "num_ref_idx_active": num_active,
            "constrained_intra_pred": bool(pps.flags & u.V4L2_H264_PPS_FLAG_CONSTRAINED_INTRA_PRED),
            "transform_8x8_mode": bool(pps.flags & u.V4L2_H264_PPS_FLAG_TRANSFORM_8X8_MODE),
            "chroma_qp_index_offset": pps.chroma_qp_index_offset,
            "second_chroma_qp_index_offset": pps.second_chroma_qp_index_offset,
            "scaling_list_4x4": s4,
            "scaling_list_8x8": s8,
            "disable_deblocking_filter_idc": dbk[0],
            "slice_alpha_c0_offset_div2": dbk[1],
            "slice_beta_offset_div2": dbk[2],
            "weights": weights,
            "cabac_init_idc": cabac_init_idc,
            "poc": (min(dp.top_field_order_cnt, dp.bottom_field_order_cnt) if self._cur.parity < 0 else
                    dp.bottom_field_order_cnt if self._cur.parity else dp.top_field_order_cnt) if dp is not None else 0,
            "field_pocs": (dp.top_field_order_cnt, dp.bottom_field_order_cnt) if dp is not None else (0, 0),
            "direct_spatial_mv_pred": direct_spatial,
            "direct_8x8_inference": bool(sps.flags & u.V4L2_H264_SPS_FLAG_DIRECT_8X8_INFERENCE),
            "weighted_bipred_idc": pps.weighted_bipred_idc,
        }

    def _ref_planes(self, dp, indices, refs, fields=None):
        """Reference tuples for the slice decoder: (Y, U, V, ref_id, POC, long_term, colocated motion, parity,
        (top, bottom) POC of frames, frame-layout motion, RowProgress of frames). In field pictures each entry is
        one field of a frame store (`fields`: V4L2_H264_*_FIELD_REF)."""
        out = []
        cur_parity = self._cur.parity
        for k, idx in enumerate(indices):
            if idx is None or idx >= len(dp.dpb):
                out.append(None)
                continue
            e = dp.dpb[idx]
            ts = e.reference_ts
            if ts == self._frame["ts"] and cur_parity >= 0:
                st = self._frame                       # first field of the current frame
            else:
                st = self._store.get(ts) if ts in refs else None
            if st is None or st["planes"] is None:
                self._frame["error"] = True
                out.append(None)
                continue
            y, cb, cr = st["planes"]
            lt = 1 if e.flags & u.V4L2_H264_DPB_ENTRY_FLAG_LONG_TERM else 0
            if cur_parity < 0:
                out.append((y, cb, cr, st["uid"] * 4 + 3, min(e.top_field_order_cnt, e.bottom_field_order_cnt), lt,
                            st["frame_mbinfo"], -1, (e.top_field_order_cnt, e.bottom_field_order_cnt), None,
                            st["progress"]))
                if self._conceal_src is None:
                    self._conceal_src = (y, cb, cr, st["progress"])
            else:
                par = 1 if (fields[k] if fields else u.V4L2_H264_TOP_FIELD_REF) == u.V4L2_H264_BOTTOM_FIELD_REF else 0
                out.append((y[par::2], cb[par::2], cr[par::2], st["uid"] * 4 + par,
                            e.bottom_field_order_cnt if par else e.top_field_order_cnt, lt,
                            st["field_mbinfo"][par], par, None, st["frame_mbinfo"]))
                if self._conceal_src is None:
                    self._conceal_src = (y[par::2], cb[par::2], cr[par::2])
        return out

    def _run(self, rbsp, bit, params, refs_planes):
        if params["slice_type"] not in (0, 1, 2):
            raise UnsupportedError(f"slice_type {params['slice_type']} (SP/SI) is not supported")
        self._frame["job"].add(_decode_slice, self._frame, self._cur, rbsp, bit, params, refs_planes)

    # ---- SLICE_BASED -------------------------------------------------------------------------------------
    def _decode_slice_mode(self, nal, spar, sps, pps, dp, pw, ctrls, refs):
        rbsp, _ = rbsp_unescape(nal)
        bit = spar.header_bit_size       # RBSP bits, NAL header included (v4l2sl.codecs.h264.controls)
        st = spar.slice_type % 5
        num_active = [0, 0]
        lists = [[], []]
        fields = [[], []]
        if st in (0, 1, 3):
            num_active[0] = spar.num_ref_idx_l0_active_minus1 + 1
            lists[0] = [spar.ref_pic_list0[i].index for i in range(num_active[0])]
            fields[0] = [spar.ref_pic_list0[i].fields for i in range(num_active[0])]
        if st == 1:
            num_active[1] = spar.num_ref_idx_l1_active_minus1 + 1
            lists[1] = [spar.ref_pic_list1[i].index for i in range(num_active[1])]
            fields[1] = [spar.ref_pic_list1[i].fields for i in range(num_active[1])]
        weights = None
        if pw is not None and u.V4L2_H264_CTRL_PRED_WEIGHTS_REQUIRED(pps, spar):
            weights = {
                "luma_log2_weight_denom": pw.luma_log2_weight_denom,
                "chroma_log2_weight_denom": pw.chroma_log2_weight_denom,
                "luma_weight": [list(pw.weight_factors[l].luma_weight) for l in range(2)],
                "luma_offset": [list(pw.weight_factors[l].luma_offset) for l in range(2)],
                "chroma_weight": [[list(pw.weight_factors[l].chroma_weight[i]) for i in range(32)] for l in range(2)],
                "chroma_offset": [[list(pw.weight_factors[l].chroma_offset[i]) for i in range(32)] for l in range(2)],
            }
        params = self._params(sps, pps, ctrls, st, spar.first_mb_in_slice, spar.slice_qp_delta, num_active,
                              (spar.disable_deblocking_filter_idc, spar.slice_alpha_c0_offset_div2,
                               spar.slice_beta_offset_div2), weights, spar.cabac_init_idc, dp,
                              1 if spar.flags & u.V4L2_H264_SLICE_FLAG_DIRECT_SPATIAL_MV_PRED else 0)
        if pps.flags & u.V4L2_H264_PPS_FLAG_ENTROPY_CODING_MODE:
            bit = (bit + 7) & ~7
        refs_planes = [self._ref_planes(dp, lists[0], refs, fields[0]),
                       self._ref_planes(dp, lists[1], refs, fields[1])]
        self._run(rbsp, bit, params, refs_planes)

    # ---- FRAME_BASED -------------------------------------------------------------------------------------
    def _decode_frame_mode(self, nal, sps, pps, dp, ctrls, refs):
        rbsp, _ = rbsp_unescape(nal)
        sh = parse_slice_header(rbsp, sps, pps)
        lists = [[], []]
        fields = [None, None]
        parity = self._cur.parity
        mfn = 1 << (sps.log2_max_frame_num_minus4 + 4)
        if sh.slice_type in (0, 1, 3):
            if parity < 0:
                init0, init1 = reflist.initial_lists(dp, sh.slice_type)
                lists[0] = reflist.modify(init0, sh.modifications[0], sh.num_ref_idx_active[0], dp, mfn)
                if sh.slice_type == 1:
                    lists[1] = reflist.modify(init1, sh.modifications[1], sh.num_ref_idx_active[1], dp, mfn)
            else:
                init0, init1 = reflist.initial_field_lists(dp, sh.slice_type, parity, mfn)
                for k, init in enumerate((init0, init1)):
                    if k == 1 and sh.slice_type != 1:
                        break
                    ent = reflist.modify_field(init, sh.modifications[k], sh.num_ref_idx_active[k], dp, parity, mfn)
                    lists[k] = [e[0] if e is not None else None for e in ent]
                    fields[k] = [(u.V4L2_H264_BOTTOM_FIELD_REF if e[1] else u.V4L2_H264_TOP_FIELD_REF)
                                 if e is not None else 0 for e in ent]
        params = self._params(sps, pps, ctrls, sh.slice_type, sh.first_mb_in_slice, sh.slice_qp_delta,
                              sh.num_ref_idx_active, (sh.disable_deblocking_filter_idc,
                                                      sh.slice_alpha_c0_offset_div2, sh.slice_beta_offset_div2),
                              sh.weights, sh.cabac_init_idc, dp, sh.direct_spatial_mv_pred_flag)
        refs_planes = [self._ref_planes(dp, lists[0], refs, fields[0]),
                       self._ref_planes(dp, lists[1], refs, fields[1])]
        self._run(rbsp, sh.data_bit_offset, params, refs_planes)

    # ---- output ------------------------------------------------------------------------------------------
    def _finish(self, request: DecodeRequest) -> "Picture | Future[Picture]":
        """End of the frame: its job (slices, deblocking, conversion) goes to the pipeline."""
        dec = self._cur
        frame = self._frame
        if dec.parity >= 0:
            self._finish_field()
            # frame-layout motion for frame/MBAFF pictures using this frame as the colocated picture (field
            # streams run one frame at a time: it is ready before the next frame reads it)
            frame["job"].add(_pair_mbinfo, frame, dec.mbw, dec.mbh * 2)
        else:
            frame["job"].add(_finish_picture, frame, dec, self._conceal_src)
            frame["frame_mbinfo"] = dec.mbinfo
        self._cur = None
        self._store[request.timestamp] = frame
        frame["job"].add(_output_picture, frame, request.timestamp, dec.bd, dec.chroma_format_idc, self.fourcc)
        return self._pipeline.submit(frame["job"])

    def close(self) -> None:
        self._pipeline.drain()


# ---- the steps of a frame's job (run on a pipeline worker) -------------------------------------------------
def _decode_slice(frame: dict, dec: PictureDecoder, rbsp: bytes, bit: int, params: dict, refs_planes: list) -> None:
    decoded, err = dec.decode_slice(np.frombuffer(rbsp, np.uint8), bit, params, refs_planes)
    if err:
        frame["error"] = True


def _finish_picture(frame: dict, dec: PictureDecoder, conceal_src: Any) -> None:
    """Conceal what no slice decoded, then deblock (8.7) the rest of one frame or field."""
    frame["concealed"] += dec.finish(True, conceal_src)


def _pair_mbinfo(frame: dict, mbw: int, mbh: int) -> None:
    frame["frame_mbinfo"] = field_pair_mbinfo(*frame["field_mbinfo"], mbw, mbh)


def _complete(frame: dict) -> None:
    """Whatever happened, no picture may wait for this frame's rows any longer."""
    for dec in frame["decoders"]:
        dec.progress.complete()
    frame["decoders"] = []


def _output_picture(frame: dict, timestamp: int, bd: int, chroma_format_idc: int, fourcc: str) -> Picture:
    """The CAPTURE buffer: the 16-bit frame store converted to the negotiated format."""
    concealed = frame["concealed"]
    error = frame["error"] or concealed > 0
    dt = np.uint8 if bd == 8 else np.uint16      # decoding runs on 16-bit samples
    y, cb, cr = (a.astype(dt) for a in frame["planes"])
    if chroma_format_idc == 0:
        out, planes = "GREY", [y]
    elif fourcc == "NV12":
        uv = np.empty((cb.shape[0], cb.shape[1] * 2), dt)
        uv[:, 0::2] = cb
        uv[:, 1::2] = cr
        out, planes = "NV12", [y, uv]
    else:
        out, planes = "YUV420", [y, cb, cr]
    return Picture(timestamp=timestamp, fourcc=out, width=y.shape[1], height=y.shape[0],
                   planes=planes, error=error, concealed_mbs=concealed)
