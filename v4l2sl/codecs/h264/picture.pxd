# cython: language_level=3
"""C view of :class:`FrameStore` for the other decoding-process modules (``cimport``)."""


cdef class FrameStore:
    cdef public long long ts, frame_num, frame_num_wrap, long_term_frame_idx, decode_index
    cdef public int fields
    cdef public bint field_coded, needed_for_output, non_existing, idr, mmco5, concealed
    cdef public list ref, poc
    cdef public object sps

    cdef long long c_frame_poc(self)
