"""Linux system calls that the ``os`` module does not offer, called through the C library (ctypes)."""

from __future__ import annotations

import ctypes
import functools
from typing import Any


@functools.cache
def function(name: str) -> Any | None:
    """The C library's function ``name``, which keeps ``errno`` for :func:`ctypes.get_errno`; None
    where the C library cannot be loaded or has no such function (not Linux, an older C library)."""
    try:  # the process's own symbols, which hold the C library's on Linux
        return getattr(ctypes.CDLL(None, use_errno=True), name)
    except (OSError, AttributeError, TypeError):
        return None
