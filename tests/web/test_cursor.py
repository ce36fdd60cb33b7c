"""Page cursors: keys round-trip through `?before=` tokens; anything else is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from watcher.store.pages import HitKey
from watcher.web.cursor import BadCursor, from_token, page_cursor, to_token

# Hypothesis takes naive bounds and attaches the zone itself.
moments = st.datetimes(
    min_value=datetime(1000, 1, 1),  # noqa: DTZ001
    max_value=datetime(9000, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@given(moments, moments, st.integers(min_value=0, max_value=2**63 - 1))
def test_every_key_round_trips(matched: datetime, published: datetime, hit_id: int) -> None:
    key = HitKey(matched, published, hit_id)
    assert from_token(to_token(key)) == key


def test_a_token_is_plain_numbers() -> None:
    key = HitKey(datetime(2026, 3, 1, 12, tzinfo=UTC), datetime(1969, 12, 31, tzinfo=UTC), 42)
    assert to_token(key) == "1772366400000000.-86400000000.42"


def test_no_value_is_the_first_page() -> None:
    assert page_cursor([]) is None
    key = HitKey(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC), 7)
    assert page_cursor([to_token(key)]) == key


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        pytest.param([""], "three numbers", id="empty"),
        pytest.param(["x"], "three numbers", id="word"),
        pytest.param(["1.2"], "three numbers", id="two-parts"),
        pytest.param(["1.2.3.4"], "three numbers", id="four-parts"),
        pytest.param(["1.2.-3"], "three numbers", id="negative-id"),
        pytest.param(["1.2.3 "], "three numbers", id="trailing-space"),
        pytest.param(["1.2.3\n"], "three numbers", id="trailing-newline"),
        pytest.param(["\u0661.2.3"], "three numbers", id="arabic-indic-digit"),
        pytest.param(["1e3.2.3"], "three numbers", id="exponent"),
        pytest.param(["1" * 19 + ".2.3"], "three numbers", id="too-many-digits"),
        pytest.param(["1.2." + "9" * 19], "hit id is out of range", id="id-past-int64"),
        pytest.param(["999999999999999999.2.3"], "out of range", id="time-past-year-9999"),
        pytest.param(["1.-999999999999999999.3"], "out of range", id="time-before-year-1"),
        pytest.param(["1.2.3", "1.2.3"], "not several", id="two-values"),
    ],
)
def test_bad_values_are_refused_with_a_reason(values: list[str], reason: str) -> None:
    with pytest.raises(BadCursor, match=reason):
        page_cursor(values)


def test_microseconds_are_kept() -> None:
    moment = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(microseconds=1)
    key = HitKey(moment, moment, 1)
    assert from_token(to_token(key)).matched_at == moment
