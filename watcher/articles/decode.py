"""Bytes -> text: BOMs, UTF-16/32, charset detection, line ends; tidying of multi-line fields."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from watcher.errors import IngestError

# UTF-32 before UTF-16: the UTF-32 LE BOM starts with the UTF-16 LE one.
_WIDE_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Control characters, and the cp1252 symbols that in practice are cp1250 letters
# (e.g. Polish "ł" 0xB3 reads "³", "ą" 0xB9 reads "¹"): implausible in Western text.
_IMPLAUSIBLE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\xa4\xa6\xac\xaf\xb2\xb3\xb8\xb9]")
_WORD = re.compile(r"[^\W\d_]+")
_ACCENTED_SHARE_MAX = 0.6
_BLANK_RUN = re.compile(r"\n{3,}")


def decode_text(data: bytes) -> str:
    """A file's bytes as text with LF line ends; IngestError if empty, binary or undecodable."""
    if not data.strip():
        raise IngestError("empty file")
    text = _decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")
    if not text.strip():
        raise IngestError("empty file")
    return text


def _decode(data: bytes) -> str:
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            text = _strict(data[len(bom) :], encoding)
            if "\x00" in text:
                raise IngestError("binary file (NUL bytes)")
            return text
    if b"\x00" in data:
        raise IngestError("binary file (NUL bytes)")
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8) :], "utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    western = _western(data)
    if western is not None:
        return western
    return _detect(data)


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise IngestError(f"cannot decode text: {exc}") from exc


def _western(data: bytes) -> str | None:
    """The cp1252 reading of `data` if it looks like Western-European text, else None.

    charset-normalizer guesses short accented Latin texts as cp1250/cp1257 or worse, while
    most non-UTF-8 news text is cp1252; so cp1252 wins when its reading is plausible:
    no control characters or rare symbols, and within words that have accented letters,
    a minority of accented ones ("città", "élève"). Cyrillic or Greek bytes also decode
    to Latin-1 letters, but to words made of nothing else.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    if _IMPLAUSIBLE.search(text):
        return None
    accented = letters = 0
    for word in _WORD.findall(text):
        count = sum(not char.isascii() for char in word)
        if count:
            accented += count
            letters += len(word)
    if accented > letters * _ACCENTED_SHARE_MAX:
        return None
    return text


def _detect(data: bytes) -> str:
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise IngestError("cannot decode text: not UTF-8, UTF-16 or any encoding that fits")
    return str(best)


def tidy_block(text: str) -> str:
    """Strip a multi-line field: no trailing spaces on lines, paragraphs split by one blank line."""
    text = "\n".join([line.rstrip() for line in text.split("\n")])
    if "\n\n\n" in text:  # a search for the run itself costs more than the whole test
        text = _BLANK_RUN.sub("\n\n", text)
    return text.strip()
