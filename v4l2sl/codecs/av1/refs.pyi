from typing import Any

NUM_REF_FRAMES: int

class RefSlots:
    """The 8 reference slots (7.20 / 7.21 state) and the v4l2 timestamp of the picture each holds."""
    valid: list[int]
    frame_id: list[int]
    order_hint: list[int]
    frame_type: list[int]
    upscaled_width: list[int]
    frame_width: list[int]
    frame_height: list[int]
    render_width: list[int]
    render_height: list[int]
    saved_order_hints: list[Any]
    loop_filter_ref_deltas: list[Any]
    loop_filter_mode_deltas: list[Any]
    feature_enabled: list[Any]
    feature_data: list[Any]
    gm_params: list[Any]
    film_grain: list[Any]
    timestamp: list[int]
    header: list[Any]
    dropped: list[int]
    def __init__(self) -> None: ...
    def invalidate(self, i: int, order_hint: int) -> None: ...
    def update(self, h: Any, timestamp: int) -> list[int]: ...
    def load(self, k: int) -> Any: ...
    def take_dropped(self) -> list[int]: ...
    def holds(self, timestamp: int) -> bool: ...
