"""A real browser reads a digest's HTML part: headless Debian Chromium (driven by Playwright)
opens it in a light and a dark colour scheme, with its <style> block and without it (as
clients that drop it would), and measures what a reader would see: no script runs, text
contrasts with its background, highlights stand out, the column stays narrow."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from digest.factory import DESK, LINKS, LIST_ID, MESSAGE_ID, SENDER, T0, hit
from e2e.chromium import launched, needs_chromium

from watcher.digest.compose import compose
from watcher.digest.model import RuleInfo
from watcher.digest.render import render

MIN_TEXT_CONTRAST = 4.5  # WCAG AA for body text
MIN_MARK_CONTRAST = 1.2  # the highlight against the page: visibly a different colour
MAX_WIDTH = 640

pytestmark = needs_chromium

# What the page shows, as computed by the browser: each element holding text of its own, its
# colour and the first opaque background behind it (else the canvas of the colour scheme).
MEASURE = """() => {
  const probe = document.createElement('div');
  probe.style.backgroundColor = 'Canvas';
  document.body.appendChild(probe);
  const canvas = getComputedStyle(probe).backgroundColor;
  probe.remove();
  const opaque = (c) => c !== 'transparent' && !/^rgba\\(.*, 0\\)$/.test(c);
  const behind = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      if (opaque(c)) return c;
    }
    return canvas;
  };
  const texts = [];
  for (const element of document.body.querySelectorAll('*')) {
    const own = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (own) texts.push({
      tag: element.tagName, text: element.textContent.trim().slice(0, 60),
      color: getComputedStyle(element).color, background: behind(element),
    });
  }
  const marks = [...document.querySelectorAll('mark')].map((m) => ({
    text: m.textContent, background: behind(m), page: behind(m.parentElement),
  }));
  const handlers = [...document.querySelectorAll('*')].flatMap(
    (e) => [...e.attributes].map((a) => a.name).filter((n) => n.startsWith('on')));
  return {
    canvas, texts, marks, handlers,
    scripts: document.scripts.length,
    embedded: document.querySelectorAll('img, form, iframe, object, embed, link').length,
    injected: window.injected === undefined ? null : window.injected,
    column: document.querySelector('body > table').getBoundingClientRect().width,
    scrollWidth: document.scrollingElement.scrollWidth,
  };
}"""


def rgb(css: str) -> tuple[float, float, float, float]:
    match = re.fullmatch(r"rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)", css)
    assert match is not None, css
    red, green, blue, alpha = match.groups()
    return int(red), int(green), int(blue), float(alpha) if alpha is not None else 1.0


def luminance(css: str, over: str | None = None) -> float:
    """WCAG relative luminance; a translucent colour is first blended over `over`."""
    red, green, blue, alpha = rgb(css)
    if alpha < 1 and over is not None:
        under = rgb(over)
        red, green, blue = (
            alpha * own + (1 - alpha) * base
            for own, base in zip((red, green, blue), under[:3], strict=True)
        )

    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted(
        (luminance(foreground, over=background), luminance(background)), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


@pytest.fixture(scope="module")
def digest_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A digest with highlights, several rules, a cut, and hostile article text."""
    hostile = "<script>window.injected = 1</script><img src=x onerror='window.injected = 2'>"
    hits = [
        hit(1, "libya", "a", title="Wagner fighters seen in Libya", words=("Libya", "Wagner"),
            body="Fighters of the Wagner group were seen near Tripoli, Libya, on Sunday."),
        hit(2, "wagner", "a", title="Wagner fighters seen in Libya", words=("Wagner",),
            body="Fighters of the Wagner group were seen near Tripoli, Libya, on Sunday."),
        hit(3, "libya", "b", title=f"Libya {hostile} \u202eطرابلس", source=hostile,  # noqa: RUF001
            body=f"Libya {hostile} {'x' * 300} " + "long " * 4000,
            url="https://news.example.com/" + "very-long-segment/" * 12),
        hit(4, "wagner", "c", title="Wagner in Mali", body="The Wagner group left Mali.",
            words=("Wagner",)),
    ]  # fmt: skip
    hits += [hit(10 + n, "libya", f"old-{n}", published=T0.replace(year=2025)) for n in range(5)]
    rules = {"libya": RuleInfo("libya", "Libya"), "wagner": RuleInfo("wagner", "Wagner Group")}
    digest = compose(DESK, "Europe/Rome", hits, rules, LINKS, max_items=4)
    message = render(
        digest,
        LINKS,
        digest_id=1,
        message_id=MESSAGE_ID,
        date=T0,
        sender=SENDER,
        list_id=LIST_ID,
    )
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    part = parsed.get_body(("html",))
    assert part is not None
    path = tmp_path_factory.mktemp("digest") / "digest.html"
    path.write_text(part.get_content(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched() as browser:
        yield browser


def measure(browser: Any, path: Path, scheme: str, width: int, *, style: bool) -> dict[str, Any]:
    context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri(), wait_until="load")
        if not style:
            page.evaluate("() => document.querySelectorAll('style').forEach((s) => s.remove())")
        found: dict[str, Any] = page.evaluate(MEASURE)
        found["errors"] = errors
        return found
    finally:
        context.close()


@pytest.mark.parametrize("style", [True, False], ids=["with its style block", "inline only"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_digest_reads_well_in_light_and_dark(
    browser: Any, digest_html: Path, scheme: str, style: bool
) -> None:
    found = measure(browser, digest_html, scheme, 1280, style=style)
    assert found["errors"] == []
    assert (found["scripts"], found["embedded"], found["handlers"]) == (0, 0, [])
    assert found["injected"] is None
    canvas = luminance(found["canvas"])
    assert canvas < 0.1 if scheme == "dark" else canvas > 0.9  # the page follows the scheme
    texts = found["texts"]
    assert any("Wagner fighters seen in Libya" in t["text"] for t in texts)
    assert any("<script>window.injected = 1</script>" in t["text"] for t in texts)
    for text in texts:
        ratio = contrast(text["color"], text["background"])
        assert ratio >= MIN_TEXT_CONTRAST, (scheme, round(ratio, 2), text)
    marks = found["marks"]
    assert {mark["text"] for mark in marks} == {"Wagner", "Libya"}
    for mark in marks:
        assert mark["background"] != mark["page"]
        assert contrast(mark["background"], mark["page"]) >= MIN_MARK_CONTRAST, mark
    assert found["column"] <= MAX_WIDTH


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_a_phone_nothing_runs_off_the_side(browser: Any, digest_html: Path, scheme: str) -> None:
    found = measure(browser, digest_html, scheme, 360, style=False)
    assert found["column"] <= 360
    assert found["scrollWidth"] <= 360  # the long URL and the 300-letter word wrap too
