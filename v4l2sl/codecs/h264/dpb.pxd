# cython: language_level=3
"""C view of :class:`DPB` for the picture driver (``cimport``)."""


cdef class DPB:
    cdef public int size, max_num_reorder
    cdef public list stores, output, removed
