"""Build every Cython module under v4l2sl/ (language_level=3, -O3, numpy headers)."""
import os
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

ROOT = Path(__file__).parent


def extensions():
    exts = []
    for pyx in sorted((ROOT / "v4l2sl").rglob("*.pyx")):
        rel = pyx.relative_to(ROOT)
        name = ".".join(rel.with_suffix("").parts)
        exts.append(
            Extension(
                name,
                [str(rel)],
                include_dirs=[numpy.get_include()],
                extra_compile_args=["-O3", "-Wno-unused-function", "-Wno-unreachable-code"],
                define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            )
        )
    return exts


setup(
    ext_modules=cythonize(
        extensions(),
        language_level=3,
        annotate=bool(os.environ.get("V4L2SL_ANNOTATE")),
        compiler_directives={
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
            "embedsignature": True,
        },
        nthreads=int(os.environ.get("V4L2SL_BUILD_JOBS", "2")),
    ),
    zip_safe=False,
)
