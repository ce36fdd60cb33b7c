"""Tests for watcher.articles.decode: bytes -> text, and the errors for bad bytes."""

from __future__ import annotations

import codecs

import pytest

from watcher.articles.decode import decode_text, tidy_block
from watcher.errors import IngestError

TEXT = "Café crème à la française.\n\nDéjà vu: l'élève naïve, où?\n"
RUSSIAN = "Привет, как дела? Это проверка кодировки текста новостей.\n"
RUSSIAN_HTML = "<html><body><p class='article text'>Привет, как дела? Это тест.</p></body></html>"
PUNCT = "\u201cSmart\u201d quotes \u2013 \u20ac5 \u2026"
POLISH = (
    "Wczoraj w Warszawie odby\u0142o si\u0119 spotkanie, kt\u00f3re trwa\u0142o do p\u00f3\u017ana."
)
CZECH = "Příliš žluťoučký kůň úpěl ďábelské ódy."


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(TEXT.encode("utf-8"), TEXT, id="utf-8"),
        pytest.param(codecs.BOM_UTF8 + TEXT.encode("utf-8"), TEXT, id="utf-8-bom"),
        pytest.param(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), TEXT, id="utf-16-le-bom"),
        pytest.param(codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), TEXT, id="utf-16-be-bom"),
        pytest.param(codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), TEXT, id="utf-32-le-bom"),
        pytest.param(TEXT.encode("cp1252"), TEXT, id="cp1252"),
        pytest.param(TEXT.encode("latin-1"), TEXT, id="latin-1"),
        pytest.param("Caffè e perché".encode("cp1252"), "Caffè e perché", id="cp1252-short"),
        pytest.param(PUNCT.encode("cp1252"), PUNCT, id="cp1252-punct"),
        pytest.param(RUSSIAN.encode("cp1251"), RUSSIAN, id="cp1251-detected"),
        pytest.param(RUSSIAN_HTML.encode("cp1251"), RUSSIAN_HTML, id="cp1251-in-ascii-markup"),
        pytest.param(CZECH.encode("cp1250"), CZECH, id="cp1250-detected"),
        pytest.param(POLISH.encode("cp1250"), POLISH, id="cp1250-polish-not-cp1252"),
        pytest.param(
            "Þórður á Íslandi, Ærø og på øl".encode("latin-1"),
            "Þórður á Íslandi, Ærø og på øl",
            id="nordic",
        ),
    ],
)
def test_decodes(data: bytes, expected: str) -> None:
    assert decode_text(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"one\r\ntwo\r\n\r\nthree", id="crlf"),
        pytest.param(b"one\rtwo\r\rthree", id="cr"),
        pytest.param(b"one\ntwo\r\n\rthree", id="mixed"),
        pytest.param(
            codecs.BOM_UTF16_LE + "one\r\ntwo\r\n\r\nthree".encode("utf-16-le"), id="utf16"
        ),
    ],
)
def test_line_ends_become_lf(data: bytes) -> None:
    assert decode_text(data) == "one\ntwo\n\nthree"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"", "empty file", id="zero-bytes"),
        pytest.param(b" \n\t\r\n ", "empty file", id="whitespace"),
        pytest.param(codecs.BOM_UTF8, "empty file", id="bom-only"),
        pytest.param(
            codecs.BOM_UTF16_LE + " \n".encode("utf-16-le"), "empty file", id="utf16-blank"
        ),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (NUL bytes)", id="png"),
        pytest.param(b"text\x00more", "binary file (NUL bytes)", id="nul"),
        pytest.param(codecs.BOM_UTF8 + b"a\x00b", "binary file (NUL bytes)", id="utf8-bom-nul"),
        pytest.param(
            codecs.BOM_UTF16_LE + "a\x00b".encode("utf-16-le"),
            "binary file (NUL bytes)",
            id="utf16-nul-char",
        ),
        pytest.param("text".encode("utf-16-le"), "binary file (NUL bytes)", id="utf16-without-bom"),
    ],
)
def test_rejects(data: bytes, reason: str) -> None:
    with pytest.raises(IngestError) as info:
        decode_text(data)
    assert info.value.message == reason


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(codecs.BOM_UTF16_LE + b"\x00\xd8a\x00", id="utf16-lone-surrogate"),
        pytest.param(codecs.BOM_UTF8 + b"caf\xe9", id="utf8-bom-then-latin1"),
        pytest.param(b"\x01\x02\x03\x80\x81" * 20, id="control-noise"),
    ],
)
def test_undecodable(data: bytes) -> None:
    with pytest.raises(IngestError, match=r"^cannot decode text: \S"):
        decode_text(data)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("  one  \n\n\n\n two \n", "one\n\n two", id="blank-runs"),
        pytest.param("a\n  \n\t\nb", "a\n\nb", id="whitespace-lines"),
        pytest.param("line one\nline two", "line one\nline two", id="single-breaks-kept"),
        pytest.param("end.\xa0\n\nnext", "end.\n\nnext", id="nbsp-trailing"),
        pytest.param(" \n ", "", id="blank"),
    ],
)
def test_tidy_block(text: str, expected: str) -> None:
    assert tidy_block(text) == expected
