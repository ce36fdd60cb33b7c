"""Hostile inputs with structure, shared by the fuzz tests (`fuzz.hostile`).

Random bytes alone rarely get past a decoder or a YAML scanner; these strategies build
inputs that do (articles in every format, rule files, queries) and put the hostile parts
where they hurt: BOMs and legacy encodings, control characters and NULs, lone surrogates
(as JSON or YAML escapes, or as the bytes `surrogatepass` writes), deep nesting, YAML
anchors and aliases, huge numbers, impossible dates, query operators in odd places.
"""

from __future__ import annotations

import codecs
import json
import os
import unicodedata
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Examples per test: the fuzz folder stays well under a minute on a loaded machine by
# default; WATCHER_FUZZ_EXAMPLES=2000 for a long run.
EXAMPLES = int(os.environ.get("WATCHER_FUZZ_EXAMPLES", "60"))
# A bound per input, generous because the machine is shared: a hang or a quadratic blow-up
# on a hostile input fails the test, a slow moment does not.
DEADLINE = timedelta(seconds=5)


def fuzz_settings(examples: int = EXAMPLES) -> settings:
    """Deterministic runs (CI reproduces a failure), no example database in the repository."""
    return settings(
        max_examples=examples,
        deadline=DEADLINE,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def one_line(message: str) -> bool:
    """Whether a message shows as one line: the CLI prints each of its `splitlines()` as an
    `error:` line (control characters made visible), logs and `watcher errors` one row."""
    return len(message.splitlines()) == 1


# --- characters and text -------------------------------------------------------------------

CONTROLS = "".join(chr(c) for c in (*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))
C1 = "".join(chr(c) for c in range(0x80, 0xA0))
ODD_CHARS = (
    "\u202e\u202d\u200f\u200e\u2066\u2069"  # bidi overrides and isolates
    "\u200b\u200d\u2060\ufeff"  # zero-width, BOM inside text
    "\u0301\u0308\u20dd"  # combining marks (no base)
    "\ufffd\ufffe\uffff\U0010ffff"  # replacement, non-characters
    "\u2028\u2029\x85"  # Unicode line separators
    "ﬁ①Ⅸ²ｦ"  # NFKC changes these
    "İıßſ"  # casefold oddities
    "😀👍🏽‍"  # astral, modifiers
)
MARKUP = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "]]>",
    "<![CDATA[x]]>",
    "&amp;",
    "&bogus;",
    "&#0;",
    "&#x1F;",
    "<!--",
    "-->",
    "<p <a href='\">",
    "</div></body>",
    "<?xml version='1.0'?>",
    '<!DOCTYPE x [<!ENTITY a "b">]>',
)
WORDS = (
    "Libya",
    "Tripoli",
    "Haftar's",
    "al-Sarraj",
    "U.S.",
    "F-16",
    "Sarrāj",
    "Méndez",
    "ليبيا",
    "Ливия",
    "利比亚",
    "oil",
    "AND",
    "OR",
    "NOT",
)

plain_words = st.sampled_from(WORDS) | st.text(
    st.characters(categories=("L", "N"), exclude_characters="\x00"), min_size=1, max_size=12
)
hostile_pieces = st.one_of(
    plain_words,
    st.sampled_from(MARKUP),
    st.text(st.sampled_from(CONTROLS + C1 + ODD_CHARS), min_size=1, max_size=4),
    st.sampled_from([" ", "  ", "\t", "\n", "\n\n", "\r\n", "\r", "\n\n\n\n"]),
    st.builds(lambda n: "x" * n, st.integers(1000, 20_000)),  # one long word
    st.builds(lambda w, n: (w + " ") * n, plain_words, st.integers(50, 2000)),  # repetition
    # Any code point but a lone surrogate (kept for the escapes below).
    # Any code point but NUL (a file with one is binary: `mangled` tries it) and a lone
    # surrogate (the JSON and YAML escapes below, or `mangled`, try those).
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=8),
)
hostile_text = st.lists(hostile_pieces, max_size=12).map("".join)


def normalized(text: str) -> str:
    """NFD of the text: decomposed accents, to try the analyzer's folding too."""
    return unicodedata.normalize("NFD", text)


texts = st.one_of(hostile_text, hostile_text.map(normalized), plain_words)


# --- bytes in many encodings ---------------------------------------------------------------


def _encode(text: str, encoding: str, line_end: str) -> bytes:
    text = text.replace("\n", line_end)
    if encoding == "utf-8-sig":
        return codecs.BOM_UTF8 + text.encode("utf-8", "surrogatepass")
    if encoding in ("utf-16", "utf-32"):  # Python writes the BOM for these
        return text.encode(encoding, "surrogatepass")
    return text.encode(encoding, "replace" if encoding != "utf-8" else "surrogatepass")


ENCODINGS = (
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "utf-32",
    "latin-1",
    "cp1252",
    "cp1250",
    "koi8-r",
    "shift_jis",
)


def encoded(text: str, encoding: str, line_end: str) -> bytes:
    return _encode(text, encoding, line_end)


def in_some_encoding(text_strategy: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    """The text as a file would hold it: any of ENCODINGS, LF, CRLF or CR line ends."""
    return st.builds(
        encoded, text_strategy, st.sampled_from(ENCODINGS), st.sampled_from(["\n", "\r\n", "\r"])
    )


def _mangle(data: bytes, cuts: list[int], junk: bytes) -> bytes:
    """Bytes cut and spliced: truncated multi-byte sequences, stray bytes."""
    for cut in cuts:
        if data:
            at = cut % (len(data) + 1)
            data = data[:at] + junk + data[at:]
    return data


def mangled(data_strategy: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    return st.builds(
        _mangle,
        data_strategy,
        st.lists(st.integers(0, 10**6), max_size=3),
        st.sampled_from(
            [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\xff\xfe", b"\x00", b"\x80\x81"]
        ),
    )


# --- dates and numbers ---------------------------------------------------------------------

ODD_DATES = (
    "5/21/2020, 5:38:06 PM",
    "26-FEB-1987 15:01:01.79",
    "2020-02-30T10:00:00",
    "0000-00-00",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00-23:59",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59-23:59",
    "9999-12-31 23:59:59 -1400",
    "Fri, 31 Dec 9999 23:59:59 -1200",
    "Mon, 01 Jan 0001 00:00:00 +1400",
    "10000-01-01",
    "-0001-01-01",
    "2020-01-01T25:61:61Z",
    "24:00",
    "1/1/1, 1:1:1 PM",
    "13/13/2020, 13:00:00 PM",
    "99/99/9999, 99:99:99 PM",
    "May 32, 2020",
    "31 DEC 9999 23:59 EST",
    "yesterday",
    "2020-01-01 10:00:00 +99:00",
    "1e400",
    "NaN",
    "T",
    "",
)
huge_numbers = st.one_of(
    st.sampled_from(["1e400", "-1e400", "1e-400", ".inf", "-.inf", ".nan", "0x7fffffffffffffff"]),
    st.integers(4000, 6000).map(lambda n: "9" * n),  # past Python's int-from-text limit
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(["253402300800", "-62135596801", "1e308", "-0", "0o17", "1_000"]),
)
date_values = st.one_of(st.sampled_from(ODD_DATES), huge_numbers)


# --- JSON ----------------------------------------------------------------------------------

LONE_SURROGATE_ESCAPES = ("\\ud800", "\\udfff", "\\udc00\\ud800", "\\u0000", "\\u001b", "\\ufffe")


def _json_string(text: str, escapes: list[str]) -> str:
    """A JSON string literal: the text (escaped by json) with raw escapes spliced in, so lone
    surrogates arrive as `\\ud800` the way a real producer writes them."""
    literal = json.dumps(text, ensure_ascii=False)[1:-1]
    return '"' + literal + "".join(escapes) + '"'


json_strings = st.builds(
    _json_string, texts, st.lists(st.sampled_from(LONE_SURROGATE_ESCAPES), max_size=3)
)
json_numbers = st.one_of(
    st.sampled_from(["1e400", "-1e400", "1e-400", "253402300800", "-62135596801", "-0", "1e308"]),
    st.integers(4000, 6000).map(lambda n: "9" * n),
    st.integers(-(10**20), 10**20).map(str),
)
json_scalars = st.one_of(
    json_strings,
    json_numbers,
    st.sampled_from(["null", "true", "false", "NaN", "Infinity", "-Infinity", "[]", "{}"]),
    st.sampled_from(ODD_DATES).map(json.dumps),
)


def _json_object(pairs: list[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{json.dumps(key)}: {value}" for key, value in pairs) + "}"


ARTICLE_KEYS = ("title", "body", "text", "lead", "summary", "published", "date", "source")
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        st.lists(
            st.tuples(st.sampled_from([*ARTICLE_KEYS, "url", "tags", "x"]), inner), max_size=3
        ).map(_json_object),
    ),
    max_leaves=8,
)
json_tags = st.lists(json_strings, max_size=3).map(lambda items: "[" + ", ".join(items) + "]")
# Mostly well-formed: a text field holds text, so the other keys' oddities are reached.
json_article = st.builds(
    lambda first, rest: _json_object([first, *rest]),
    st.tuples(st.sampled_from(["title", "body", "text"]), json_strings),
    st.lists(
        st.one_of(
            st.tuples(st.sampled_from(["published", "date"]), json_scalars),
            st.tuples(st.sampled_from(["url", "source", "lead", "summary"]), json_strings),
            st.tuples(st.just("tags"), json_tags),
            st.tuples(st.sampled_from([*ARTICLE_KEYS, "url", "tags", "extra"]), json_values),
        ),
        max_size=6,
    ),
)
deep_json = st.builds(
    lambda opener, closer, depth, closed: opener * depth + (closer * depth if closed else ""),
    st.sampled_from(["[", '{"title": ']),
    st.sampled_from(["]", "}"]),
    st.integers(100, 100_000),
    st.booleans(),
)
json_documents = st.one_of(
    json_article,
    st.lists(json_article, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
    json_values,
    deep_json,
    st.builds(lambda a, cut: a[: cut % (len(a) + 1)], json_article, st.integers(0, 10**6)),
)


# --- YAML (front matter, rule files) -------------------------------------------------------


def yaml_double_quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(text)


yaml_plain_scalars = st.sampled_from(
    [
        "yes",
        "NO",
        "on",
        "~",
        "null",
        "!!binary aGVsbG8=",
        "!!python/object:os.system x",
        "!!timestamp 2020-01-01",
        "!!int 12",
        "!!str",
        "!!set {a, b}",
        "!!omap [a: 1]",
        "!custom x",
        "2020-01-01",
        "2020-01-01 10:00:00 +02:00",
        "9999-12-31T23:59:59-14:00",
        "12:30:00",
        "'single ''quoted'''",
        "|\n  block\n  text",
        ">-\n  folded\n  text",
        "[a, b, [c]]",
        "{a: 1}",
        "*undefined",
        "&anchor x",
        "'unterminated",
        '"\\ud800"',
        '"\\x00 nul"',
        '"\\e\\a"',
        "@reserved",
        "`reserved",
        "% directive",
        "key: value: nested",
        "- a",
    ]
)
yaml_scalars = st.one_of(
    yaml_plain_scalars,
    texts.map(yaml_double_quoted),
    huge_numbers,
    st.sampled_from(ODD_DATES).map(yaml_double_quoted),
    st.sampled_from(ODD_DATES),
    plain_words,
)


def _flow_list(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(_flow_list),
        st.lists(st.tuples(plain_words, inner), max_size=3).map(
            lambda pairs: "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in pairs) + "}"
        ),
    ),
    max_leaves=6,
)


def billion_laughs(depth: int, width: int) -> str:
    """Anchors that each alias the previous one `width` times: width**depth values."""
    lines = ["a0: &a0 [lol]"]
    for level in range(1, depth + 1):
        aliases = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{aliases}]")
    return "\n".join(lines)


yaml_hazards = st.one_of(
    st.builds(billion_laughs, st.integers(2, 12), st.integers(2, 10)),
    st.builds(lambda n: "x: " + "[" * n + "]" * n, st.integers(100, 20_000)),
    st.builds(lambda n: "x: " + "[" * n, st.integers(100, 20_000)),
    st.builds(lambda n: "".join(f"{'  ' * i}k{i}:\n" for i in range(n)), st.integers(10, 500)),
    st.sampled_from(
        [
            "x: &a [*a]",  # an alias inside its own anchor
            "<<: {title: merged}",
            "<<: [*undefined]",
            "<<: 5",
            "? [complex, key]\n: value",
            "? {a: 1}\n: value",
            "title: a\ntitle: b",  # duplicate key
            "\ttitle: tab",
            "%YAML 1.1\n---\ntitle: x",
            "--- !!map\ntitle: x",
            "title: x\n---\ntitle: y",  # a second document
            "title: x\n...\n",
            "&anchor",
            "*alias",
            "!!",
            "{",
            "]",
            "'",
            '"',
            ": :",
            "- - - -",
            "title: \x00",
            "title: \x1b[31mred",
            "title: \ufeffbom",
            "title: \x85next-line",
        ]
    ),
)


def _mapping_lines(pairs: list[tuple[str, str]]) -> str:
    return "\n".join(f"{key}: {value}" for key, value in pairs)


def front_matter_pairs(keys: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Well-formed YAML: some of `keys`, each with a quoted or odd scalar."""
    scalar = st.one_of(texts.map(yaml_double_quoted), yaml_scalars)
    return st.lists(st.tuples(st.sampled_from(keys), scalar), max_size=6).map(_mapping_lines)


def front_matter_body(keys: tuple[str, ...]) -> st.SearchStrategy[str]:
    """YAML for a front matter or a rule item: some of `keys` with hostile values, or a hazard."""
    pairs = st.lists(st.tuples(st.sampled_from(keys), yaml_values), max_size=6)
    return st.one_of(pairs.map(_mapping_lines), yaml_hazards, yaml_values, texts)


# --- articles, one strategy per format -----------------------------------------------------


def _seeds(source: str, headline: str, when: str, lead: str, body: str) -> str:
    return f"{source}\n\n{headline}\n\n{when}\n\n{lead}\n\n{body}"


seeds_texts = st.builds(_seeds, texts, texts, date_values, texts, texts)
plain_texts = texts
FRONT_MATTER_KEYS = ("title", "source", "published", "date", "url", "tags", "lead", "summary")
CLOSINGS = ("---", "---", "...", "--- ", "", "----")


def _markdown(opening: str, front: str, closing: str, heading: str, body: str) -> str:
    head = f"{opening}\n{front}\n{closing}\n" if opening else ""
    return f"{head}{heading}\n\n{body}"


markdown_texts = st.builds(
    _markdown,
    st.sampled_from(["---", "---", "--- ", "", "----", "\ufeff---"]),
    st.one_of(front_matter_pairs(FRONT_MATTER_KEYS), front_matter_body(FRONT_MATTER_KEYS)),
    st.sampled_from(CLOSINGS),
    st.one_of(texts.map(lambda t: "# " + t), st.sampled_from(["#", "#  #", "```\n# in code", ""])),
    texts,
)


def _html(title: str, date: str, body: str, extra: str) -> str:
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title>"
        f'<meta property="article:published_time" content="{date}">'
        f'<meta name="keywords" content="{title},{extra}"></head>'
        f"<body><article><h1>{title}</h1><p>{body}</p><p>{extra} {body}</p></article>"
        f"{extra}</body></html>"
    )


html_texts = st.one_of(
    st.builds(_html, texts, date_values, texts, texts),
    st.builds(
        lambda n, body: "<div>" * n + f"<p>{body}</p>" + "</div>" * n, st.integers(10, 3000), texts
    ),
    texts,
)

# (suffix, file bytes): every reader, through every encoding, sometimes mangled.
articles = st.one_of(
    st.tuples(st.just(".txt"), in_some_encoding(seeds_texts)),
    st.tuples(st.just(".txt"), in_some_encoding(plain_texts)),
    st.tuples(st.sampled_from([".md", ".MD"]), in_some_encoding(markdown_texts)),
    st.tuples(st.just(".json"), in_some_encoding(json_documents)),
    st.tuples(st.sampled_from([".html", ".htm"]), in_some_encoding(html_texts)),
    st.tuples(st.sampled_from([".txt", ".md", ".json", ".html"]), mangled(in_some_encoding(texts))),
    st.tuples(st.sampled_from([".txt", ".md", ".json", ".html"]), st.binary(max_size=2000)),
)


# --- queries -------------------------------------------------------------------------------

QUERY_FRAGMENTS = (
    "(",
    ")",
    "((",
    "))",
    '"',
    '""',
    "'",
    "~",
    "~2",
    "~0",
    "~1.5",
    "~99999999999999999999",
    "^",
    "^2",
    "^0.5",
    "*",
    "?",
    "**",
    "Lib*",
    "Qadd?fi",
    "*ya",
    "?ibya",
    ":",
    "title:",
    "body:",
    "lead:",
    "source:",
    "nope:",
    "title:(",
    "title:body:x",
    "AND",
    "OR",
    "NOT",
    "NOT NOT NOT",
    "and",
    "or",
    "not",
    "-",
    "+",
    "--",
    "+-",
    "&&",
    "||",
    "!",
    "!x",
    "[a TO b]",
    "{a TO b}",
    "[",
    "]",
    "{",
    "}",
    "\\",
    "\\(",
    "/regex/",
    "TO",
    "_exists_:x",
    "\n",
    "\t",
    "\x00",
    "\u3000",
)
query_pieces = st.one_of(
    st.sampled_from(QUERY_FRAGMENTS),
    plain_words,
    plain_words.map(lambda w: f'"{w} {w}"'),
    st.text(st.sampled_from(CONTROLS + ODD_CHARS), min_size=1, max_size=3),
)
queries = st.one_of(
    st.lists(query_pieces, max_size=14).map(" ".join),
    st.lists(query_pieces, max_size=14).map("".join),
    st.builds(lambda n, w: "(" * n + w + ")" * n, st.integers(1, 3000), plain_words),
    st.builds(lambda n, w: "NOT " * n + w, st.integers(1, 3000), plain_words),
    st.builds(lambda n, w: "-" * n + w, st.integers(1, 3000), plain_words),
    st.builds(lambda n, w: " OR ".join([w] * n), st.integers(1, 3000), plain_words),
    st.builds(lambda n, w: f'"{w}"~{n}', st.integers(-5, 10**30), plain_words),
    st.text(max_size=40).filter(lambda t: "\x00" not in t) | st.text(max_size=40),
)


# --- rule files ----------------------------------------------------------------------------

RULE_KEYS = (
    "name",
    "title",
    "query",
    "keywords",
    "tags",
    "fields",
    "case_sensitive",
    "enabled",
    "backfill",
    "unknown",
)
rule_names = st.one_of(
    st.sampled_from(["libya", "oil", "a", "x-1", "Libya", "bad name", "", "ü", "-", "a" * 200]),
    plain_words,
)


def _rule_item(name: str, query: str, extra: str) -> str:
    lines = [f"name: {yaml_double_quoted(name)}", f"query: {yaml_double_quoted(query)}"]
    lines += [line for line in extra.split("\n") if line.strip()]
    return "  - " + "\n    ".join(lines)


rule_queries = st.one_of(
    queries, plain_words, st.lists(plain_words, min_size=1, max_size=4).map(" OR ".join)
)
well_formed_rule_items = st.builds(
    _rule_item,
    st.sampled_from(["libya", "oil", "x-1", "a", "b"]) | rule_names,
    rule_queries,
    front_matter_pairs(RULE_KEYS[2:]),
)
rule_items = st.one_of(
    well_formed_rule_items,
    st.builds(_rule_item, rule_names, queries, front_matter_body(RULE_KEYS)),
    front_matter_body(RULE_KEYS).map(lambda body: "  - " + body.replace("\n", "\n    ")),
    yaml_values.map(lambda value: f"  - {value}"),
)
SECTION_SAMPLES = (
    "subscribers:\n  - email: desk@example.org\n    rules: [libya]",
    "subscribers:\n  - email: not-an-address\n    schedule: '99 99 * * *'",
    "subscribers:\n  - email: a@b.c\n    tags: [x]\n    max_items: 1e400\n    timezone: Mars/Base",
    "subscribers: 5",
    "channels:\n  - name: desk\n    url: ntfy://example.org/${TOPIC}\n    rules: [libya]",
    "channels:\n  - name: x\n    url: 'json://'\n    quiet: '25:00-99:00'\n    max_per_hour: -1",
    "channels: {a: 1}",
    "defaults:\n  fields: [title, nope]",
    "defaults:\n  fields: title",
    "defaults: []",
)


def _rule_file(defaults: str, items: list[str], sections: list[str], hazard: str) -> str:
    parts = [defaults, "rules:" if items else "rules: []", *items, *sections, hazard]
    return "\n".join(part for part in parts if part) + "\n"


well_formed_rule_files = st.builds(
    _rule_file,
    st.sampled_from(["", "defaults:\n  fields: [title, lead, body]", "defaults: {fields: [body]}"]),
    st.lists(well_formed_rule_items, max_size=4),
    st.lists(st.sampled_from(SECTION_SAMPLES[:1] + SECTION_SAMPLES[4:5]), max_size=1),
    st.just(""),
)
rule_files = st.one_of(
    well_formed_rule_files,
    st.builds(
        _rule_file,
        st.sampled_from(["", "defaults:\n  fields: [title, lead, body]", "defaults: {fields: []}"]),
        st.lists(rule_items, max_size=4),
        st.lists(st.sampled_from(SECTION_SAMPLES), max_size=2),
        st.one_of(st.just(""), yaml_hazards),
    ),
    yaml_hazards,
    texts,
)
rule_file_bytes = st.one_of(
    rule_files.map(lambda text: text.encode("utf-8", "surrogatepass")),
    rule_files.map(lambda text: codecs.BOM_UTF8 + text.encode("utf-8", "surrogatepass")),
    in_some_encoding(rule_files),
    mangled(rule_files.map(lambda text: text.encode("utf-8", "surrogatepass"))),
)
