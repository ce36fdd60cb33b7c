"""One HTTP GET with the limits a poller owes the sites it polls and itself: conditional
validators, a time limit for the whole response, a size limit enforced while reading (after
gzip is undone), a redirect limit that names a loop, and a User-Agent naming watcher."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx

from watcher import __version__

USER_AGENT = f"watcher/{__version__} (self-hosted keyword alerts; feed poller)"
ACCEPT_FEEDS = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
ACCEPT_PAGES = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
CHUNK = 65_536
RETRY_AFTER_MAX = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Limits:
    timeout_s: float
    max_size: int
    max_redirects: int


@dataclass(frozen=True, slots=True)
class Fetched:
    """A 200 answer, read whole: its body (decoded from gzip), type and validators."""

    url: str  # after redirects
    status: int
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True, slots=True)
class NotModified:
    """A 304: the feed is as it was at the last fetch."""

    url: str
    etag: str | None
    last_modified: str | None


class FetchError(Exception):
    """The fetch failed; `reason` is one line for the source's state, `status` the HTTP status
    (if one came), `retry_after` what the server asked for (429, 503)."""

    def __init__(
        self, reason: str, *, status: int | None = None, retry_after: timedelta | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


def client(limits: Limits) -> httpx.Client:
    """A client for one poll: redirects are followed by `get`, which counts them itself."""
    return httpx.Client(
        timeout=httpx.Timeout(limits.timeout_s),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        trust_env=True,
    )


def get(
    http: httpx.Client,
    url: str,
    limits: Limits,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    accept: str = ACCEPT_FEEDS,
    now: datetime | None = None,
    guard: Callable[[str], str | None] = lambda url: None,
) -> Fetched | NotModified:
    """GET `url`, following at most `limits.max_redirects` redirects, within `limits`;
    FetchError saying why when no usable answer came. `guard` may refuse an address (the
    first or one redirected to), saying why."""
    headers = {"Accept": accept}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = time.monotonic() + limits.timeout_s
    try:
        request = http.build_request("GET", url, headers=headers)
    except httpx.InvalidURL as exc:
        raise FetchError(f"invalid URL: {exc}") from exc
    seen = [url]
    try:
        while True:
            refused = guard(str(request.url))
            if refused is not None:
                raise FetchError(refused)
            response = http.send(request, stream=True)
            try:
                if not response.has_redirect_location:
                    return _answer(response, limits, deadline, now)
                next_request = response.next_request
            finally:
                response.close()
            if next_request is None:  # pragma: no cover - has_redirect_location says there is one
                raise FetchError(f"HTTP {response.status_code} redirect without a usable Location")
            target = str(next_request.url)
            if target in seen:
                raise FetchError(
                    "redirect loop: " + " → ".join([*seen[seen.index(target) :], target])
                )
            if len(seen) > limits.max_redirects:
                raise FetchError(f"more than {limits.max_redirects} redirects (last to {target})")
            seen.append(target)
            request = next_request
    except httpx.TimeoutException as exc:
        raise FetchError(f"no answer within {limits.timeout_s:g} s ({_kind(exc)})") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"{_kind(exc)}: {_one_line(str(exc)) or 'the connection failed'}") from exc


def _answer(
    response: httpx.Response, limits: Limits, deadline: float, now: datetime | None
) -> Fetched | NotModified:
    url = str(response.url)
    status = response.status_code
    validators = (response.headers.get("etag"), response.headers.get("last-modified"))
    if status == httpx.codes.NOT_MODIFIED:
        return NotModified(url, *validators)
    if not 200 <= status < 300:  # noqa: PLR2004 - the success class
        retry_after = _retry_after(response.headers.get("retry-after"), now or datetime.now(UTC))
        phrase = response.reason_phrase or httpx.codes.get_reason_phrase(status)
        raise FetchError(f"HTTP {status} {phrase}".rstrip(), status=status, retry_after=retry_after)
    body = _read(response, limits, deadline)
    content_type = response.headers.get("content-type", "")
    return Fetched(url, status, body, content_type, *validators)


def _read(response: httpx.Response, limits: Limits, deadline: float) -> bytes:
    """The body, decoded; FetchError as soon as it passes the size or the time limit."""
    declared = response.headers.get("content-length", "")
    encoded = response.headers.get("content-encoding", "identity").lower() != "identity"
    if declared.isdigit() and int(declared) > limits.max_size and not encoded:
        raise FetchError(
            f"response too big ({int(declared):,} bytes announced, limit {limits.max_size:,}) "
            "— raise fetch.max_size if this feed is really that big",
            status=response.status_code,
        )
    parts, size = [], 0
    for chunk in response.iter_bytes(CHUNK):
        size += len(chunk)
        if size > limits.max_size:
            raise FetchError(
                f"response too big (over the limit of {limits.max_size:,} bytes) — raise "
                "fetch.max_size if this feed is really that big",
                status=response.status_code,
            )
        if time.monotonic() > deadline:
            raise FetchError(
                f"response not complete within {limits.timeout_s:g} s", status=response.status_code
            )
        parts.append(chunk)
    return b"".join(parts)


def _retry_after(value: str | None, now: datetime) -> timedelta | None:
    """Retry-After as seconds or an HTTP date; at most a day; None when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        wait = timedelta(seconds=int(text))
    else:
        try:
            wait = parsedate_to_datetime(text) - now
        except (TypeError, ValueError):
            return None
    return max(timedelta(0), min(wait, RETRY_AFTER_MAX))


def _kind(exc: Exception) -> str:
    """`ConnectError` -> `connect error`: the exception's class, as words."""
    name = type(exc).__name__
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()
    return words.replace("exception", "").strip()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def inside_address(url: str) -> str | None:
    """The host of `url` when it names this machine or a private network literally
    (`localhost`, 127.0.0.1, 10.x, 192.168.x, fe80::...), else None."""
    try:
        host = httpx.URL(url).host.lower().rstrip(".")
    except httpx.InvalidURL:
        return None
    if host == "localhost" or host.endswith(".localhost"):
        return host
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if address.is_private or address.is_loopback or address.is_link_local or address.is_unspecified:
        return host
    return None
