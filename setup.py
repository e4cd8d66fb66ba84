"""Build every Cython module under v4l2sl/ (language_level=3, -O3, numpy headers)."""
import os
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class ParallelBuildExt(build_ext):
    """Compile the C files of all extensions in parallel (one job per core)."""

    def finalize_options(self):
        super().finalize_options()
        if not self.parallel:
            self.parallel = os.cpu_count() or 1

ROOT = Path(__file__).parent


def extensions():
    # V4L2SL_ONLY=v4l2sl.ext.jpeg,v4l2sl.parsers.h264 builds only modules whose name starts with one of these
    only = [p for p in os.environ.get("V4L2SL_ONLY", "").split(",") if p]
    exts = []
    for pyx in sorted((ROOT / "v4l2sl").rglob("*.pyx")):
        rel = pyx.relative_to(ROOT)
        name = ".".join(rel.with_suffix("").parts)
        if only and not any(name.startswith(p) for p in only):
            continue
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
    cmdclass={"build_ext": ParallelBuildExt},
    zip_safe=False,
)
