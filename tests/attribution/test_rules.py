"""Pure rules: channel table, caller keys (SQL HMAC = Python hmac), multi-touch weights."""

import math

import duckdb
import pytest

from pipelines.attribution.rules import (
    caller_key_py,
    caller_keys_sql,
    channel_of,
    touch_weights,
)


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    yield c
    c.close()


# (fields, expected channel): one row per rule of design.md ("Channel"), then precedence cases.
CHANNEL_CASES = [
    # gclid alone is paid search, whatever the medium says
    ({"gclid": "abc", "utm_medium": "email"}, "Paid Search"),
    # msclkid (Microsoft Ads) is paid search too
    ({"msclkid": "m1"}, "Paid Search"),
    # every paid-search medium, case and padding ignored
    ({"utm_medium": "cpc"}, "Paid Search"),
    ({"utm_medium": " PPC "}, "Paid Search"),
    ({"utm_medium": "paid_search"}, "Paid Search"),
    ({"utm_medium": "paidsearch"}, "Paid Search"),
    # paid search wins over paid social when both click ids are present (first rule wins)
    ({"gclid": "g", "fbclid": "f"}, "Paid Search"),
    ({"fbclid": "f"}, "Paid Social"),
    ({"utm_medium": "paid_social"}, "Paid Social"),
    ({"utm_medium": "paidsocial"}, "Paid Social"),
    # cpm is paid social only with a social source...
    ({"utm_medium": "cpm", "utm_source": "facebook"}, "Paid Social"),
    ({"utm_medium": "cpm", "utm_source": "Instagram"}, "Paid Social"),
    # ...otherwise it falls through (to Direct here: no referrer)
    ({"utm_medium": "cpm", "utm_source": "newsweb"}, "Direct"),
    ({"utm_medium": "email"}, "Email"),
    ({"utm_medium": "display"}, "Display"),
    ({"utm_medium": "banner"}, "Display"),
    # search-engine referrers, any country domain or subdomain
    ({"referrer": "https://www.google.com/search?q=plumber"}, "Organic Search"),
    ({"referrer": "https://www.google.co.uk/"}, "Organic Search"),
    ({"referrer": "https://www.bing.com/"}, "Organic Search"),
    ({"referrer": "https://search.yahoo.com/"}, "Organic Search"),
    ({"referrer": "https://duckduckgo.com/"}, "Organic Search"),
    ({"referrer": "https://www.baidu.com/"}, "Organic Search"),
    ({"referrer": "https://yandex.ru/"}, "Organic Search"),
    # a host that merely contains an engine's name is not that engine
    ({"referrer": "https://notgoogle.com/"}, "Referral"),
    # social referrers, including the two-label hosts t.co and x.com
    ({"referrer": "https://l.facebook.com/"}, "Organic Social"),
    ({"referrer": "https://t.co/abc"}, "Organic Social"),
    ({"referrer": "https://x.com/acme"}, "Organic Social"),
    ({"referrer": "https://www.linkedin.com/"}, "Organic Social"),
    ({"referrer": "https://www.reddit.com/r/x"}, "Organic Social"),
    ({"referrer": "https://www.youtube.com/watch"}, "Organic Social"),
    ({"referrer": "https://www.tiktok.com/"}, "Organic Social"),
    ({"referrer": "https://www.instagram.com/"}, "Organic Social"),
    ({"referrer": "https://twitter.com/"}, "Organic Social"),
    # any other referrer
    ({"referrer": "https://yelp.com/biz/acme"}, "Referral"),
    # a medium that is not a rule leaves the referrer to decide
    ({"utm_medium": "organic", "referrer": "https://www.bing.com/"}, "Organic Search"),
    # nothing at all, or empty strings: direct
    ({}, "Direct"),
    ({"referrer": "", "gclid": ""}, "Direct"),
]


@pytest.mark.parametrize(("fields", "expected"), CHANNEL_CASES)
def test_channel_rules(con, fields: dict, expected: str) -> None:
    assert channel_of(con, **fields) == expected


@pytest.mark.parametrize(
    "secret",
    ["s", "calltrack-dev-secret-change-me", "k" * 64, "a much longer secret " * 10, "ünïcødé"],
)
def test_sql_hmac_equals_python_hmac(con, secret: str) -> None:
    # Keys shorter than, equal to and longer than the 64-byte block (RFC 2104 hashes long keys).
    numbers = ["+15551234567", "+442071838750", "+1", None]
    got = caller_keys_sql(con, secret, numbers)
    assert got == [caller_key_py(secret, n) for n in numbers[:3]] + [None]
    assert all(len(k) == 64 for k in got[:3])


def test_caller_key_depends_on_secret(con) -> None:
    a = caller_keys_sql(con, "one", ["+15551234567"])
    b = caller_keys_sql(con, "two", ["+15551234567"])
    assert a != b


@pytest.mark.parametrize(
    ("model", "ages", "expected"),
    [
        ("first_touch", [3.0, 1.0, 0.0], [1.0, 0.0, 0.0]),
        ("last_touch", [3.0, 1.0, 0.0], [0.0, 0.0, 1.0]),
        ("linear", [3.0, 1.0, 0.0, 0.0], [0.25] * 4),
        # one session takes everything
        ("position_based", [0.0], [1.0]),
        # two sessions: no middle to give 20% to, the ends split evenly
        ("position_based", [2.0, 0.0], [0.5, 0.5]),
        ("position_based", [5.0, 2.0, 0.0], [0.4, 0.2, 0.4]),
        ("position_based", [5.0, 3.0, 2.0, 0.0], [0.4, 0.1, 0.1, 0.4]),
        # 7-day half-life: a session a week older weighs half as much
        ("time_decay", [7.0, 0.0], [1 / 3, 2 / 3]),
        ("time_decay", [14.0, 7.0, 0.0], [1 / 7, 2 / 7, 4 / 7]),
    ],
)
def test_touch_weights(model: str, ages: list[float], expected: list[float]) -> None:
    got = touch_weights(model, ages)
    assert got == pytest.approx(expected)
    assert math.isclose(sum(got), 1.0)


def test_unknown_model_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown touch model"):
        touch_weights("u_shaped", [1.0])
