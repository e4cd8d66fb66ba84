"""Stream framing: cut byte streams into the units a decoder consumes.

- :mod:`v4l2sl.framing.scan` (Cython): Annex B start codes, length-prefixed NAL units, JPEG images.
- :mod:`v4l2sl.framing.h264`: avcC, AVCC → Annex B, access units (7.4.1.2.3).
- :mod:`v4l2sl.framing.ivf`: IVF files.
- :mod:`v4l2sl.framing.vp9`: superframes.
- :mod:`v4l2sl.framing.av1`: OBUs, temporal units, Annex B → section 5, av1C.
- :mod:`v4l2sl.framing.jpeg`: SOI..EOI images.

:mod:`v4l2sl.stream` puts them together behind ``open_stream``.
"""
from v4l2sl.framing.scan import annexb_nal_spans, jpeg_image_spans, length_prefixed_spans, split_annexb
from v4l2sl.framing.vp9 import split_superframe

__all__ = ["annexb_nal_spans", "jpeg_image_spans", "length_prefixed_spans", "split_annexb", "split_superframe"]
