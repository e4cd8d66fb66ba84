"""Typed interface of the Python test entry of cavlc.pyx (9.2 CAVLC residual parsing)."""

def coeff_token_py(data: bytes, nC: int) -> tuple[int, int, int]:
    """(TotalCoeff, TrailingOnes, bits read) of the coeff_token at the start of `data`; TotalCoeff -1 if invalid."""
