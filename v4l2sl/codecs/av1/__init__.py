"""AV1 codec layer: :func:`plan`, :func:`requests`, :func:`probe` (contract in :mod:`v4l2sl.codecs`).

Files: ``plan.pyx`` (temporal units → frames → device operations), ``refs.pyx`` (the 8 reference slots and the
reference update/loading processes, 7.20/7.21), ``controls.py`` (one ``fill_*`` per control / sub-struct).
Syntax (OBUs, sequence/frame headers, tile groups, set_frame_refs, skip mode) is in
:mod:`v4l2sl.parsers.av1`, uAPI structs in :mod:`v4l2sl.uapi.av1`.
"""
from .plan import plan, probe, requests

__all__ = ["plan", "probe", "requests"]
