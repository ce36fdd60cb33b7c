"""Whether a process of this host still runs: how what a process killed with -9 left behind
(a digest's claim, a half-delivered file in a Maildir's `tmp/`), named by its pid, is told
from the work of one still running."""

from __future__ import annotations

import os


def pid_alive(pid: int) -> bool:
    """Whether process `pid` of this host exists, under any user (0 or less: assume so)."""
    if pid <= 0:
        return True  # os.kill would signal a process group, not ask about one process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True
