# Shared C-level declarations of the JPEG decoder stages.
from libc.stdint cimport int16_t, int32_t, uint8_t, uint16_t, int64_t, uint64_t

# natural order of the k-th zig-zag coefficient, padded with 63s so a corrupt run length cannot
# index outside a block (as libjpeg's jpeg_natural_order)
cdef extern from *:
    """
    static const int JPEG_NATURAL[80] = {
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
        63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63 };
    """
    const int JPEG_NATURAL[80]
