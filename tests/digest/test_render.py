"""watcher.digest.render: a Digest -> a multipart email, parsed back as a mail client would."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import lxml.html
import pytest
from digest.factory import DESK, LINKS, LIST_ID, MESSAGE_ID, SENDER, T0, hit

from watcher.addresses import Mailbox
from watcher.digest.compose import compose
from watcher.digest.model import Digest, DigestHit, RuleInfo
from watcher.digest.render import MARK_STYLE, render, wrap

RULES = {
    "libya": RuleInfo("libya", "libya"),
    "wagner-libya": RuleInfo("wagner-libya", "Wagner Group in Libya"),
}
LONG_URL = "https://news.example.com/" + "/".join(["a-rather-long-path-segment"] * 6) + "?id=42"
INJECTION = "\r\nBcc: x@evil.example"
HOSTILE_TITLE = "Libya <script>window.t=1</script> ]]> \u202eطرابلس\x01 \ud800"  # noqa: RUF001 - RTL text on purpose
HOSTILE_BODY = (
    "Libya <script>alert('b')</script> <img src=x onerror=alert(1)> <b><i>broken <p <a href='\">"
    " ]]> &amp; &bogus; \x02\x1f\x7f\x85\ufffe \udfff ليبيا עברית " + "long " * 4000 + "Tripoli"
)


@dataclass(frozen=True)
class Parsed:
    message: EmailMessage
    raw: bytes
    text: str
    html: str

    @property
    def page(self) -> lxml.html.HtmlElement:
        return lxml.html.document_fromstring(self.html)


def parse(message: EmailMessage) -> Parsed:
    raw = message.as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    text_part, html_part = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert text_part is not None
    assert html_part is not None
    return Parsed(parsed, raw, text_part.get_content(), html_part.get_content())


def make_digest(
    hits: Sequence[DigestHit],
    *,
    recipient: Mailbox = DESK,
    timezone: str = "Europe/Rome",
    rules: dict[str, RuleInfo] = RULES,
    max_items: int = 200,
) -> Digest:
    return compose(
        recipient,
        timezone,
        hits,
        rules,
        LINKS,
        max_items=max_items,
        subscribed_rules=["libya"],
        subscribed_tags=["mena"],
    )


def rendered(digest: Digest, *, sender: Mailbox = SENDER, date: datetime = T0) -> Parsed:
    message = render(
        digest,
        LINKS,
        digest_id=7,
        message_id=MESSAGE_ID,
        date=date,
        sender=sender,
        list_id=LIST_ID,
    )
    return parse(message)


def desk_hits() -> list[DigestHit]:
    return [
        hit(1, "libya", "a", title="Wagner fighters seen in Libya", words=("Libya", "Wagner"),
            body="Fighters of the Wagner group were seen near Tripoli, Libya, on Sunday.",
            url=LONG_URL),
        hit(2, "wagner-libya", "a", title="Wagner fighters seen in Libya",
            body="Fighters of the Wagner group were seen near Tripoli, Libya, on Sunday.",
            words=("Wagner",), url=LONG_URL),
        hit(3, "libya", "b", title="Oil output in Libya falls", lead="Exports halved.",
            body="Ports are closed.", published=T0 - timedelta(days=1), url="javascript:alert(1)"),
        hit(4, "wagner-libya", "c", title="Wagner in Mali", body="The Wagner group left Mali.",
            words=("Wagner",), published=T0 - timedelta(hours=3), url=None),
    ]  # fmt: skip


def test_a_multipart_alternative_message_text_first_then_html_in_utf8() -> None:
    parsed = rendered(make_digest(desk_hits()))
    message = parsed.message
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    assert [part.get_content_charset() for part in parts] == ["utf-8", "utf-8"]
    assert all(part["MIME-Version"] is None for part in parts)
    assert parsed.raw.isascii()  # 7-bit clean: any relay can carry it


def test_headers_are_set_and_decode_back() -> None:
    recipient = Mailbox("desk@example.org", "Desk Müller, Tripoli")
    sender = Mailbox("watcher@localhost", "wätcher")
    parsed = rendered(make_digest(desk_hits(), recipient=recipient), sender=sender)
    message = parsed.message
    assert message["Message-ID"] == MESSAGE_ID
    assert message["Date"].datetime == T0
    assert [(a.display_name, a.addr_spec) for a in message["To"].addresses] == [
        ("Desk Müller, Tripoli", "desk@example.org")
    ]
    assert [(a.display_name, a.addr_spec) for a in message["From"].addresses] == [
        ("wätcher", "watcher@localhost")
    ]
    assert message["Subject"] == "[watcher] 3 new: libya (2), wagner-libya (2)"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Id"] == LIST_ID
    assert message["X-Watcher-Digest"] == "7"
    assert message["MIME-Version"] == "1.0"
    head = parsed.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert all(len(line) <= 78 for line in head.split("\r\n")), head
    assert "=?utf-8?" in head  # the non-ASCII names as encoded words


def test_a_non_ascii_subject_is_encoded_and_decodes_back() -> None:
    digest = make_digest([hit(1, "ليبيا-قديمة", "a")])  # a rule deleted since: its name shows
    parsed = rendered(digest)
    assert parsed.message["Subject"] == "[watcher] 1 new: ليبيا-قديمة (1)"
    assert parsed.raw.isascii()


def test_an_idn_domain_is_written_in_ascii_and_a_unicode_local_part_uses_smtputf8() -> None:
    parsed = rendered(make_digest(desk_hits(), recipient=Mailbox("desk@exämple.org", "Desk")))
    assert [a.addr_spec for a in parsed.message["To"].addresses] == ["desk@xn--exmple-cua.org"]
    assert parsed.raw.isascii()
    message = render(
        make_digest(desk_hits(), recipient=Mailbox("rédaction@example.org")),
        LINKS,
        digest_id=7,
        message_id=MESSAGE_ID,
        date=T0,
        sender=SENDER,
        list_id=LIST_ID,
    )
    assert message.policy.utf8  # smtplib then asks the server for SMTPUTF8
    assert "\r\nTo: rédaction@example.org\r\n".encode() in message.as_bytes()


def test_the_same_digest_renders_to_the_same_bytes() -> None:
    digest = make_digest(desk_hits())
    assert rendered(digest).raw == rendered(digest).raw


def test_the_text_part_wraps_at_72_columns_but_never_breaks_a_url() -> None:
    long_word = "x" * 150
    hits = [*desk_hits(), hit(9, "libya", "d", body=f"Libya {long_word} " + "word " * 80)]
    text = rendered(make_digest(hits)).text
    for line in text.splitlines():
        assert len(line) <= 72 or re.fullmatch(r" *https?://\S+", line), line
    assert LONG_URL in text.splitlines()[text.splitlines().index("  Original:") + 1].strip()
    assert "x" * 70 in text  # a long word that is not a URL is cut to fit
    assert long_word not in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("short line", "short line\n", id="short lines stay"),
        pytest.param("-- ", "-- \n", id="the signature separator keeps its space"),
        pytest.param(
            "- " + "word " * 20,
            "- word word word word word word word word word word word word word word\n"
            "  word word word word word word\n",
            id="a list item hangs",
        ),
        pytest.param(
            "  Read: " + LONG_URL,
            f"  Read:\n  {LONG_URL}\n",
            id="a long URL goes whole on its own line",
        ),
    ],
)
def test_wrap(text: str, expected: str) -> None:
    assert wrap(text) == expected


def test_sections_entries_highlights_links_and_also() -> None:
    parsed = rendered(make_digest(desk_hits()))
    text, page = parsed.text, parsed.page
    assert "Wagner Group in Libya (wagner-libya): 2 new" in text
    assert "libya: 2 new" in text
    assert "Fighters of the *Wagner* group were seen near Tripoli, *Libya*, on" in text
    assert "  Also matched: wagner-libya" in text
    assert f"  Read: {LINKS.article('a')}" in text
    assert "javascript:" not in text
    assert "javascript:" not in parsed.html
    marks = page.cssselect("mark")
    assert [mark.text_content() for mark in marks] == ["Wagner", "Libya", "Wagner"]
    assert all(mark.get("style") == MARK_STYLE for mark in marks)
    hrefs = [a.get("href") for a in page.cssselect("a")]
    assert LINKS.article("a") in hrefs
    assert LINKS.article("b") in hrefs
    assert LONG_URL in hrefs
    assert hrefs.count(LONG_URL) == 1  # an article is listed once, under its first rule
    assert [h2.text_content().split()[0] for h2 in page.cssselect("h2")] == ["libya", "Wagner"]


def test_times_are_shown_in_the_subscribers_zone() -> None:
    summer = datetime(2026, 7, 1, 6, 30, tzinfo=UTC)
    hits = [hit(1, "libya", "a"), hit(2, "libya", "b", published=summer)]
    rome = rendered(make_digest(hits))
    assert "2026-03-01 13:00 CET" in rome.text
    assert "2026-07-01 08:30 CEST" in rome.text
    times = {t.get("datetime"): t.text_content() for t in rome.page.cssselect("time")}
    assert times == {
        "2026-03-01T13:00:00+01:00": "2026-03-01 13:00 CET",
        "2026-07-01T08:30:00+02:00": "2026-07-01 08:30 CEST",
    }
    york = rendered(make_digest(hits, timezone="America/New_York"))
    assert "2026-03-01 07:00 EST" in york.text
    assert "Times are in America/New_York." in " ".join(york.text.split())


def test_a_headline_only_match_shows_the_lead_not_the_headline_again() -> None:
    only_title = hit(
        1,
        "libya",
        "a",
        title="Libya votes",
        lead="Polls opened at dawn.",
        body="Turnout was high.",
    )
    parsed = rendered(make_digest([only_title]))
    [snippet] = parsed.page.cssselect("div.snippet")
    assert snippet.text_content() == "Polls opened at dawn."
    assert "  Polls opened at dawn." in parsed.text
    assert parsed.text.count("Libya votes") == 1


@pytest.mark.parametrize(
    ("title", "lead", "body", "shown"),
    [
        pytest.param("Vote", "Libya votes.", "Polls in Libya.", "Polls in *Libya*.", id="body"),
        pytest.param("Vote", "Libya votes.", "Polls opened.", "*Libya* votes.", id="lead"),
        pytest.param("Libya", "Polls opened.", "Turnout high.", "Polls opened.", id="title: lead"),
        pytest.param("Libya", "", "Turnout high.", "Turnout high.", id="title, no lead: body"),
        pytest.param("", "", "Polls in Libya.", "Polls in *Libya*.", id="no title: body"),
    ],
)
def test_the_snippet_comes_from_a_matching_field_body_and_lead_before_title(
    title: str, lead: str, body: str, shown: str
) -> None:
    text = rendered(make_digest([hit(1, "libya", "a", title=title, lead=lead, body=body)])).text
    assert f"\r\n  {shown}\r\n" in text


def test_a_body_match_beats_a_lead_match_and_the_snippet_is_cut_around_it() -> None:
    body = "Opening words. " * 60 + "Then Libya came up." + " More words." * 60
    parsed = rendered(make_digest([hit(1, "libya", "a", lead="Libya lead.", body=body)]))
    [snippet] = parsed.page.cssselect("div.snippet")
    assert snippet.cssselect("mark")[0].text_content() == "Libya"
    assert snippet.text_content().startswith("…")
    assert len(snippet.text_content()) < 400


def test_more_links_to_the_rules_feed_and_every_hit_is_still_delivered() -> None:
    hits = [hit(index, "libya", f"u{index}") for index in range(1, 6)]
    digest = make_digest(hits, max_items=2)
    parsed = rendered(digest)
    feed = LINKS.rule_feed("libya")
    assert f"And 3 more in the feed: {feed}" in parsed.text
    [more] = parsed.page.cssselect("p.more a")
    assert more.get("href") == feed
    assert more.text_content() == "And 3 more in the feed of libya"
    assert len(parsed.page.cssselect("div.entry")) == 2
    assert digest.hit_ids == (1, 2, 3, 4, 5)


def test_the_footer_says_why_the_recipient_gets_it() -> None:
    parsed = rendered(make_digest(desk_hits()))
    expected = "follows the rule libya and the tag mena on the watcher at"
    assert expected in " ".join(parsed.text.split())
    [footer] = parsed.page.cssselect("p.footer")
    assert expected in footer.text_content()


def test_an_empty_digest_renders() -> None:
    parsed = rendered(make_digest([]))
    assert parsed.message["Subject"] == "[watcher] nothing new"
    assert "Nothing new for Desk <desk@example.org> since the last digest." in parsed.text
    assert parsed.page.cssselect("h1")[0].text_content() == "Nothing new"
    assert parsed.page.cssselect("div.entry") == []


def test_the_html_is_self_contained_inline_styled_and_dark_mode_aware() -> None:
    page = rendered(make_digest(desk_hits())).page
    assert page.cssselect('meta[name="color-scheme"]')[0].get("content") == "light dark"
    assert page.cssselect('meta[name="supported-color-schemes"]')[0].get("content") == (
        "light dark"
    )
    for tag in ("script", "img", "form", "iframe", "object", "link"):
        assert page.cssselect(tag) == [], tag
    [table] = page.cssselect("body > table")
    assert "max-width:640px" in table.get("style")
    assert "background" not in table.get("style")  # the client's own background shows


def test_hostile_article_text_is_escaped_and_cleaned() -> None:
    hostile = hit(
        1,
        "libya",
        "a",
        title=HOSTILE_TITLE,
        lead=HOSTILE_BODY,
        body=HOSTILE_BODY,
        source="<b>Source</b>\x00 ]]>",
        url="https://news.example.com/a?<script>",
    )
    parsed = rendered(make_digest([hostile]))
    page = parsed.page
    assert page.cssselect("script") == []
    assert page.cssselect("img") == []
    assert page.cssselect("b") == []
    entry = page.cssselect("div.entry")[0].text_content()
    assert "<script>window.t=1</script>" in entry
    assert "<img src=x onerror=alert(1)>" in entry
    assert "\u202eطرابلس" in entry  # noqa: RUF001 - RTL text kept, only isolated by dir=auto
    assert "<b>Source</b>" in entry
    for part in (parsed.text, parsed.html):
        assert re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe]", part) is None
        assert "https://news.example.com/a?<script>" not in part
    assert len(parsed.html) < 20_000  # the 20,000-character body is cut to a snippet
    assert "<script>window.t=1</script>" in parsed.text


def test_a_title_or_display_name_carrying_a_header_does_not_add_one() -> None:
    rules = {**RULES, "libya": RuleInfo("libya", f"Libya{INJECTION}")}
    recipient = Mailbox("desk@example.org", f"Desk{INJECTION}")
    sender = Mailbox("watcher@localhost", f"watcher{INJECTION}")
    digest = make_digest(desk_hits(), recipient=recipient, rules=rules)
    digest = replace(digest, subject=f"{digest.subject}{INJECTION}")
    parsed = rendered(digest, sender=sender)
    message = parsed.message
    assert message["Bcc"] is None
    assert b"\r\nBcc:" not in parsed.raw
    assert [a.addr_spec for a in message["To"].addresses] == ["desk@example.org"]
    assert [a.addr_spec for a in message["From"].addresses] == ["watcher@localhost"]
    assert message["To"].addresses[0].display_name == "Desk Bcc: x@evil.example"
    assert message["Subject"] == "[watcher] 3 new: libya (2), wagner-libya (2) Bcc: x@evil.example"
    assert "Libya Bcc: x@evil.example (libya): 2 new" in parsed.text
    assert sorted(message.keys()) == sorted(
        [
            "Message-ID",
            "Date",
            "From",
            "To",
            "Subject",
            "Auto-Submitted",
            "List-Id",
            "X-Watcher-Digest",
            "MIME-Version",
            "Content-Type",
        ]
    )


def test_a_rule_name_with_a_line_break_stays_in_the_subject() -> None:
    parsed = rendered(make_digest([hit(1, f"gone{INJECTION}", "a")]))
    assert parsed.message["Bcc"] is None
    assert parsed.message["Subject"] == "[watcher] 1 new: gone Bcc: x@evil.example (1)"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"recipient": Mailbox(f"desk@example.org{INJECTION}")}, "control", id="to"),
        pytest.param({"sender": Mailbox(f"watcher@localhost{INJECTION}")}, "control", id="from"),
        pytest.param({"sender": Mailbox("no-at-sign")}, "not an address", id="not an address"),
        pytest.param(
            {"recipient": Mailbox("desk@example.org, x@evil.example")},
            "not an address",
            id="two addresses in one",
        ),
        pytest.param(
            {"recipient": Mailbox("desk@example.org>, <x@evil.example")},
            "not an address",
            id="brackets",
        ),
        pytest.param({"sender": Mailbox("a@b@example.org")}, "not an address", id="two @"),
        pytest.param({"list_id": f"watcher <x.localhost>{INJECTION}"}, "List-Id", id="list-id"),
        pytest.param({"message_id": f"<a@b>{INJECTION}"}, "Message-ID", id="message-id"),
        pytest.param({"message_id": "no-brackets@host"}, "Message-ID", id="bare message-id"),
        pytest.param({"date": datetime(2026, 3, 1, 12)}, "time zone", id="naive date"),  # noqa: DTZ001
    ],
)
def test_an_address_or_header_value_that_could_inject_is_refused(
    change: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {
        "digest_id": 7,
        "message_id": MESSAGE_ID,
        "date": T0,
        "sender": SENDER,
        "list_id": LIST_ID,
    }
    recipient = change.get("recipient", DESK)
    assert isinstance(recipient, Mailbox)
    arguments.update((key, value) for key, value in change.items() if key != "recipient")
    digest = replace(make_digest(desk_hits()), recipient=recipient)
    with pytest.raises(ValueError, match=message):
        render(digest, LINKS, **arguments)  # type: ignore[arg-type]
