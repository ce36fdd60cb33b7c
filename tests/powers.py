"""Permission tests that also run as root (CI runs as root): for a while, this process
obeys file modes as any user would."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import Iterator
from contextlib import contextmanager

_CAPABILITY_VERSION_3 = 0x20080522
# Root reads and writes past any file mode by these two capabilities.
_DAC_OVERRIDE, _DAC_READ_SEARCH = 1, 2
_OVERRIDES = (1 << _DAC_OVERRIDE) | (1 << _DAC_READ_SEARCH)


class _Header(ctypes.Structure):
    _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))


class _Data(ctypes.Structure):
    _fields_ = (
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    )


@contextmanager
def obeying_file_modes() -> Iterator[None]:
    """Within the block, a folder of mode 0 cannot be listed, even by root: root's
    capabilities to override file modes are lowered (kept permitted) and raised again after.

    Only the calling thread's capabilities change (Linux capabilities are per thread)."""
    if os.geteuid() != 0:
        yield
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    header = _Header(_CAPABILITY_VERSION_3, 0)
    data = (_Data * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget failed")
    saved = data[0].effective
    data[0].effective = saved & ~_OVERRIDES
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")
    try:
        yield
    finally:
        data[0].effective = saved
        libc.capset(ctypes.byref(header), data)
