from typing import Any

from v4l2sl.device import DecodeRequest, OutputPicture, ReleasePicture, StreamFormat

START_CODE: bytes

class H264Warning(UserWarning): ...

def first_slice_of_new_picture(prev: Any, sh: Any) -> bool: ...

class H264Process:
    mode: str
    start_code: bool
    sps: dict[int, Any]
    pps: dict[int, Any]
    warnings: list[str]
    pictures: int
    errors: str
    def __init__(self, mode: str = "frame", start_code: bool = True, caps: dict | None = None,
                 errors: str = "raise") -> None: ...
    def feed(self, data: bytes) -> list[StreamFormat | DecodeRequest | OutputPicture | ReleasePicture]: ...
    def feed_nal(self, nal: bytes) -> list[StreamFormat | DecodeRequest | OutputPicture | ReleasePicture]: ...
    def flush(self) -> list[StreamFormat | DecodeRequest | OutputPicture | ReleasePicture]: ...
    def ref_lists(self, s: Any, parity: int, refs: list, cur_poc: int, curr_pic_num: int,
                  max_pic_num: int) -> tuple[list, list]: ...
