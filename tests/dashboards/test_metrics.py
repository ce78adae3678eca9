"""Pure rules: period, KPI formulas, changes, formatting and file names."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dashboards.build import slug, tiles_for, with_ratios
from dashboards.metrics import (
    KPIS,
    NULL,
    Period,
    change,
    change_tone,
    choose_period,
    fmt_change,
    fmt_value,
    kpi_value,
    per_currency,
    ratio,
    sum_nullable,
)

KPI = {k.key: k for k in KPIS}


@pytest.mark.parametrize(
    ("first", "last", "max_days", "expected"),
    [
        # a month of data: the last 15 days against the 15 before
        (date(2026, 10, 1), date(2026, 10, 30), 28, Period(date(2026, 10, 16), date(2026, 10, 30))),
        # a long history: capped at max_days
        (date(2025, 1, 1), date(2026, 10, 31), 28, Period(date(2026, 10, 4), date(2026, 10, 31))),
        # a single day: one day, whose previous day has no data
        (date(2026, 10, 5), date(2026, 10, 5), 28, Period(date(2026, 10, 5), date(2026, 10, 5))),
        # an odd span: the extra oldest day is left out of both periods
        (date(2026, 10, 1), date(2026, 10, 5), 28, Period(date(2026, 10, 4), date(2026, 10, 5))),
    ],
)
def test_choose_period(first: date, last: date, max_days: int, expected: Period) -> None:
    period = choose_period(first, last, max_days)
    assert period == expected
    prev = period.previous()
    assert prev.days == period.days  # equal length
    assert (period.start - prev.end).days == 1  # adjacent, no gap, no overlap


@pytest.mark.parametrize(
    ("num", "den", "expected"),
    [
        (1, 4, 0.25),
        (Decimal("10.00"), 4, 2.5),  # money comes from DuckDB as Decimal
        (3, 0, None),  # zero denominator: null, not infinity
        (None, 4, None),  # no numerator: null, not zero
        (0, 4, 0.0),  # a real zero stays zero
    ],
)
def test_ratio(num: object, den: object, expected: float | None) -> None:
    assert ratio(num, den) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "cur", "prev", "expected"),
    [
        ("count", 110, 100, pytest.approx(0.10)),  # relative for counts
        ("money", 90.0, 100.0, pytest.approx(-0.10)),
        ("count", 5, 0, None),  # from nothing: undefined, not +inf
        ("rate", 0.25, 0.20, pytest.approx(0.05)),  # absolute (points) for rates
        ("ratio", None, 2.0, None),
        ("count", 10, None, None),
    ],
)
def test_change(kind: str, cur: float | None, prev: float | None, expected: object) -> None:
    assert change(kind, cur, prev) == expected  # type: ignore[arg-type]


def test_formatting_shows_null_as_dash_and_units() -> None:
    assert fmt_value("count", None) == NULL
    assert fmt_value("money", None, "USD") == NULL
    assert fmt_value("rate", None) == NULL
    assert fmt_value("count", 0) == "0"  # zero is data, not null
    assert fmt_value("money", Decimal("1234.5"), "EUR") == "EUR 1,234.50"
    assert fmt_value("rate", 0.1234) == "12.3 %"
    assert fmt_value("ratio", 2.5) == "2.50×"
    assert fmt_change("rate", 0.021) == "+2.1 pp"
    assert fmt_change("count", -0.5) == "−50.0 %"
    assert fmt_change("money", None) == NULL


@pytest.mark.parametrize(
    ("key", "delta", "tone"),
    [
        ("calls", 0.1, "good"),
        ("cost_per_call", 0.1, "bad"),  # paying more per call is bad
        ("missed_call_rate", -0.01, "good"),
        ("spend", 0.5, "flat"),  # more spend is neither good nor bad by itself
        ("calls", None, "flat"),
    ],
)
def test_change_tone(key: str, delta: float | None, tone: str) -> None:
    assert change_tone(KPI[key].better, delta) == tone


def test_money_kpis_are_per_currency() -> None:
    assert per_currency(KPI["spend"]) and per_currency(KPI["cpa"]) and per_currency(KPI["roas"])
    assert not per_currency(KPI["calls"]) and not per_currency(KPI["conversion_rate"])


def test_tiles_never_add_money_across_currencies() -> None:
    current = [
        {"currency": "EUR", "calls": 10, "spend": Decimal("100"), "converted_calls": 2},
        {"currency": "USD", "calls": 30, "spend": Decimal("300"), "converted_calls": 0},
    ]
    tiles = {lines[0].kpi.key: lines for lines in tiles_for(KPIS, current, [])}
    assert [(t.currency, t.value) for t in tiles["spend"]] == [("EUR", 100.0), ("USD", 300.0)]
    assert [t.value for t in tiles["cpa"]] == [50.0, None]  # USD: no conversions -> null
    assert [(t.currency, t.value) for t in tiles["calls"]] == [(None, 40.0)]  # counts add up
    # no rows in the previous period: zero calls (counts are data), so no defined change
    assert tiles["calls"][0].previous == 0.0 and tiles["calls"][0].delta is None
    assert tiles["conversion_rate"][0].previous is None  # 0 / 0 calls


def test_sum_nullable_keeps_no_data_null() -> None:
    assert sum_nullable([None, None]) is None
    assert sum_nullable([None, 2, 3]) == 5


def test_with_ratios_recomputes_from_sums() -> None:
    [row] = with_ratios([{"calls": 4, "missed_calls": 1, "spend": None, "qualified_calls": 0}])
    assert row["missed_call_rate"] == 0.25
    assert row["cost_per_call"] is None  # no spend data
    assert row["cost_per_qualified_call"] is None  # zero denominator


@pytest.mark.parametrize(
    "ids",
    [("acct_1",), ("../../etc/passwd",), ("<script>",), ("ü",), ("a b", "loc/1")],
)
def test_slug_is_a_safe_file_name(ids: tuple[str, ...]) -> None:
    name = slug("account", *ids)
    assert name.endswith(".html") and "/" not in name and ".." not in name
    assert all(c.isalnum() or c in "-." for c in name)


def test_slug_distinguishes_ids_that_clean_up_alike() -> None:
    assert slug("account", "a b") != slug("account", "a-b")


def test_kpi_value_of_a_count_is_the_sum() -> None:
    assert kpi_value(KPI["calls"], {"calls": 7}) == 7.0
