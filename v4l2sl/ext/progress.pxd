# cython: language_level=3
# Decoding progress of a picture shared between threads: how many rows (macroblock or superblock rows) are final,
# i.e. fully reconstructed and loop-filtered, so a picture that references them can read them (a frame-threaded
# decoder's "wait for the reference rows").
cdef extern from *:
    """
    #include <pthread.h>
    typedef struct {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        int rows;
    } v4l2sl_progress_t;

    static inline int v4l2sl_progress_get(v4l2sl_progress_t *p) {
        return __atomic_load_n(&p->rows, __ATOMIC_ACQUIRE);
    }

    /* block until at least `rows` rows are final */
    static void v4l2sl_progress_wait(v4l2sl_progress_t *p, int rows) {
        if (v4l2sl_progress_get(p) >= rows)
            return;
        pthread_mutex_lock(&p->lock);
        while (p->rows < rows)
            pthread_cond_wait(&p->cond, &p->lock);
        pthread_mutex_unlock(&p->lock);
    }

    /* publish that `rows` rows are final (never goes back) */
    static void v4l2sl_progress_set(v4l2sl_progress_t *p, int rows) {
        pthread_mutex_lock(&p->lock);
        if (rows > p->rows) {
            __atomic_store_n(&p->rows, rows, __ATOMIC_RELEASE);
            pthread_cond_broadcast(&p->cond);
        }
        pthread_mutex_unlock(&p->lock);
    }
    """
    ctypedef struct progress_t "v4l2sl_progress_t":
        pass
    int progress_get "v4l2sl_progress_get"(progress_t* p) noexcept nogil
    void progress_wait "v4l2sl_progress_wait"(progress_t* p, int rows) noexcept nogil
    void progress_set "v4l2sl_progress_set"(progress_t* p, int rows) noexcept nogil


cdef class RowProgress:
    cdef progress_t st
    cdef readonly int total
