# cython: language_level=3
"""Rows of a picture that are final, shared between the thread decoding it and the threads decoding pictures
that reference it (see progress.pxd; Cython code uses the C functions directly)."""

cdef extern from "<pthread.h>" nogil:
    ctypedef struct pthread_mutex_t:
        pass
    ctypedef struct pthread_cond_t:
        pass
    int pthread_mutex_init(pthread_mutex_t*, void*)
    int pthread_mutex_destroy(pthread_mutex_t*)
    int pthread_cond_init(pthread_cond_t*, void*)
    int pthread_cond_destroy(pthread_cond_t*)

cdef extern from *:
    """
    #define V4L2SL_PROGRESS_LOCK(p) (&((v4l2sl_progress_t *)(p))->lock)
    #define V4L2SL_PROGRESS_COND(p) (&((v4l2sl_progress_t *)(p))->cond)
    #define V4L2SL_PROGRESS_ROWS(p) (((v4l2sl_progress_t *)(p))->rows)
    """
    pthread_mutex_t* PROGRESS_LOCK "V4L2SL_PROGRESS_LOCK"(progress_t* p) nogil
    pthread_cond_t* PROGRESS_COND "V4L2SL_PROGRESS_COND"(progress_t* p) nogil
    int PROGRESS_ROWS "V4L2SL_PROGRESS_ROWS"(progress_t* p) nogil


cdef class RowProgress:
    """`total` rows; none final at first."""

    def __cinit__(self, int total):
        if total < 0:
            raise ValueError("total rows must be >= 0")
        self.total = total
        pthread_mutex_init(PROGRESS_LOCK(&self.st), NULL)
        pthread_cond_init(PROGRESS_COND(&self.st), NULL)
        progress_set(&self.st, 0)

    def __dealloc__(self):
        pthread_cond_destroy(PROGRESS_COND(&self.st))
        pthread_mutex_destroy(PROGRESS_LOCK(&self.st))

    @property
    def rows(self) -> int:
        return progress_get(&self.st)

    def set(self, int rows) -> None:
        """Publish that `rows` rows are final (a smaller value than before is ignored)."""
        with nogil:
            progress_set(&self.st, rows)

    def complete(self) -> None:
        """Every row is final (also after an error: no reader may wait forever)."""
        with nogil:
            progress_set(&self.st, self.total)

    def wait(self, rows=None) -> None:
        """Block (without the GIL) until `rows` rows, by default all, are final."""
        cdef int n = self.total if rows is None else min(int(rows), self.total)
        with nogil:
            progress_wait(&self.st, n)
