"""VP9 codec layer: :func:`plan`, :func:`requests`, :func:`probe` (contract in :mod:`v4l2sl.codecs`).

Files: ``plan.py`` (decoding process → device operations), ``refs.py`` (the 8 reference slots, validity,
picture lifetime), ``controls.py`` (one ``fill_*`` per control / sub-struct). Syntax is in
:mod:`v4l2sl.parsers.vp9`, uAPI structs in :mod:`v4l2sl.uapi.vp9`.
"""
from .plan import plan, probe, requests

__all__ = ["plan", "probe", "requests"]
