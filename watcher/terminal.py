"""Text safe for a terminal (and a journal viewer): control characters spelled out.

Article text, file names and server replies can hold ESC and BEL; printed raw, an ESC
sequence can retitle the terminal, clear it or worse. Newline and tab are kept.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """`text` with every control character but newline and tab written as `\\x1b`."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
