"""Codec layers: the decoding process of each codec, above the parsers and below the devices.

Every codec module listed in :data:`CODECS` provides:

``probe(stream) -> dict``
    Summary for ``v4l2sl probe``: profile, level/bit depth, chroma format, coded and display size,
    ``frames`` (a list with one short per-frame header summary dict each).
``plan(stream, caps=None, **options) -> Iterator[StreamFormat | DecodeRequest | OutputPicture | ReleasePicture]``
    The decoding process as a sequence of device operations (types in :mod:`v4l2sl.device`): a
    ``StreamFormat`` before the first request and at every resolution/format change, then ``DecodeRequest``
    in decode order, ``OutputPicture`` in display order as soon as the DPB/bumping process outputs a picture,
    and ``ReleasePicture`` when a picture is neither referenced nor waiting for output. `caps` is
    ``Device.capabilities(codec)`` so the plan can adapt (e.g. H.264 decode/start-code mode, VP9 without
    COMPRESSED_HDR). Options are codec specific (H.264: ``mode="frame"|"slice"``, ``start_code=True|False``).
``requests(stream, **options) -> Iterator[DecodeRequest]``
    Only the requests of ``plan`` (used by ``v4l2sl controls``).

`stream` is a :class:`v4l2sl.stream.Stream` (see that module): packets of one codec in decode order.
"""
from __future__ import annotations

import importlib
from types import ModuleType

#: codec name (as :attr:`v4l2sl.stream.Stream.codec`) -> module implementing its decoding process
CODECS: dict[str, str] = {
    "h264": "v4l2sl.codecs.h264",
    "vp9": "v4l2sl.codecs.vp9",
    "av1": "v4l2sl.codecs.av1",
    "jpeg": "v4l2sl.codecs.jpeg",
    "fwht": "v4l2sl.codecs.fwht",
}


def codec_module(codec: str) -> ModuleType:
    """The codec layer for `codec`; raises UnsupportedError if v4l2sl has none."""
    from v4l2sl.errors import UnsupportedError

    if codec not in CODECS:
        raise UnsupportedError(f"no codec layer for {codec!r} (supported: {', '.join(CODECS)})")
    try:
        return importlib.import_module(CODECS[codec])
    except ModuleNotFoundError as e:
        if e.name == CODECS[codec]:
            raise UnsupportedError(f"codec layer for {codec!r} is not built yet") from e
        raise
