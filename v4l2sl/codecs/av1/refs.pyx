# cython: language_level=3, annotation_typing=False
"""The 8 AV1 reference slots and the processes that update them (AV1 spec 7.20, 7.21).

Everything the syntax and the decoding process need from earlier frames lives here, per slot: RefValid,
RefFrameId, RefOrderHint, RefFrameType, sizes, the saved OrderHints (SavedOrderHints), loop filter deltas,
segmentation FeatureEnabled/FeatureData, SavedGmParams, film grain params, plus the v4l2 timestamp of the
picture in the slot (what ``reference_frame_ts[]`` carries).
"""
from __future__ import annotations

from v4l2sl.parsers.av1 import DEFAULT_GM_PARAMS, DEFAULT_LF_REF_DELTAS, NO_GRAIN, ZERO_FEATURES

NUM_REF_FRAMES = 8


cdef class RefSlots:
    cdef public list valid, frame_id, order_hint, frame_type, upscaled_width, frame_width, frame_height
    cdef public list render_width, render_height, saved_order_hints, loop_filter_ref_deltas
    cdef public list loop_filter_mode_deltas, feature_enabled, feature_data, gm_params, film_grain
    cdef public list timestamp      # v4l2 timestamp of the picture held by the slot (0 = empty)
    cdef public list header         # FrameHeader of the picture held by the slot
    cdef public list dropped        # timestamps of pictures whose slot was invalidated (release candidates)

    def __init__(self) -> None:
        n = NUM_REF_FRAMES
        self.valid = [0] * n
        self.frame_id = [0] * n
        self.order_hint = [0] * n
        self.frame_type = [0] * n
        self.upscaled_width = [0] * n
        self.frame_width = [0] * n
        self.frame_height = [0] * n
        self.render_width = [0] * n
        self.render_height = [0] * n
        # saved state per slot; the defaults are shared read-only values (frame headers replace, never modify)
        self.saved_order_hints = [(0,) * 8] * n
        self.loop_filter_ref_deltas = [DEFAULT_LF_REF_DELTAS] * n
        self.loop_filter_mode_deltas = [(0, 0)] * n
        self.feature_enabled = [ZERO_FEATURES] * n
        self.feature_data = [ZERO_FEATURES] * n
        self.gm_params = [DEFAULT_GM_PARAMS] * n
        self.film_grain = [NO_GRAIN] * n
        self.timestamp = [0] * n
        self.header = [None] * n
        self.dropped = []

    def invalidate(self, i: int, order_hint: int) -> None:
        """ref_order_hint[i] differs from RefOrderHint[i] in an error resilient frame (5.9.2 / 7.20): the slot
        becomes invalid and takes the signalled order hint."""
        self.valid[i] = 0
        self.order_hint[i] = order_hint
        if self.timestamp[i]:
            self.dropped.append(self.timestamp[i])
        self.timestamp[i] = 0
        self.header[i] = None

    def update(self, h, timestamp):
        """7.20 Reference frame update process: store frame `h` in every slot of refresh_frame_flags.
        Returns the timestamps that were displaced (candidates for release)."""
        cdef list displaced = []
        cdef int i, flags = h.refresh_frame_flags & 0xFF
        if not flags:
            return displaced
        # read the frame's values once, then store them in every refreshed slot; the parser gives every frame
        # header its own lists and never changes them afterwards: share them
        frame_id, order_hint, frame_type = h.current_frame_id, h.order_hint, h.frame_type
        upscaled_width, frame_width, frame_height = h.UpscaledWidth, h.FrameWidth, h.FrameHeight
        render_width, render_height = h.RenderWidth, h.RenderHeight
        order_hints, lf_ref, lf_mode = h.OrderHints, h.loop_filter_ref_deltas, h.loop_filter_mode_deltas
        feature_enabled, feature_data = h.FeatureEnabled, h.FeatureData
        gm_params, film_grain = h.gm_params, h.film_grain
        for i in range(NUM_REF_FRAMES):
            if not (flags >> i) & 1:
                continue
            old = self.timestamp[i]
            if old and old != timestamp:
                displaced.append(old)
            self.valid[i] = 1
            self.frame_id[i] = frame_id
            self.order_hint[i] = order_hint
            self.frame_type[i] = frame_type
            self.upscaled_width[i] = upscaled_width
            self.frame_width[i] = frame_width
            self.frame_height[i] = frame_height
            self.render_width[i] = render_width
            self.render_height[i] = render_height
            self.saved_order_hints[i] = order_hints
            self.loop_filter_ref_deltas[i] = lf_ref
            self.loop_filter_mode_deltas[i] = lf_mode
            self.feature_enabled[i] = feature_enabled
            self.feature_data[i] = feature_data
            self.gm_params[i] = gm_params
            self.film_grain[i] = film_grain
            self.timestamp[i] = timestamp
            self.header[i] = h
        return displaced

    def load(self, k: int):
        """7.21 Reference frame loading process (show_existing_frame of a key frame): the frame header saved in
        slot `k`, to be stored again with refresh_frame_flags = allFrames."""
        h = self.header[k]
        if h is None:
            raise KeyError(k)
        return h

    def take_dropped(self) -> list[int]:
        d, self.dropped = self.dropped, []
        return d

    def holds(self, timestamp: int) -> bool:
        return timestamp in self.timestamp
