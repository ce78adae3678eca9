"""Pure rules of the dashboards: the reporting period, the KPIs, their changes and formatting.

Everything here takes plain values and is unit-tested without a warehouse or a browser.
Formulas follow design.md ("Metrics"): a ratio with a zero denominator is null; rates are
fractions. A null is shown as "—", never as 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

NULL = "—"

Kind = Literal["count", "money", "rate", "ratio"]
# Which way is good: the change arrow is coloured by it (up is good for calls, bad for CPA).
Better = Literal["up", "down", "neutral"]


@dataclass(frozen=True)
class Period:
    """An inclusive range of local days."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of equal length that ends the day before this one starts."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def label(self) -> str:
        return f"{self.start:%d %b %Y} – {self.end:%d %b %Y} ({self.days} days)"


def choose_period(first: date, last: date, max_days: int = 28) -> Period:
    """The reporting period: the latest `max_days` days of data, shortened to half the data's
    span so that the previous period of equal length also lies within the data (a month of data
    compares its last two weeks)."""
    span = (last - first).days + 1
    days = max(1, min(max_days, span // 2))
    return Period(last - timedelta(days=days - 1), last)


@dataclass(frozen=True)
class KpiDef:
    key: str
    label: str
    kind: Kind
    numerator: str
    denominator: str | None = None
    better: Better = "up"


# The overview's tiles, in display order. Numerators/denominators are sums over the period of
# the mart columns of the same name.
KPIS: tuple[KpiDef, ...] = (
    # Volume and rates first (they add up across accounts), then money (one line per currency).
    KpiDef("calls", "Calls", "count", "calls"),
    KpiDef("qualified_calls", "Qualified calls", "count", "qualified_calls"),
    KpiDef("conversion_rate", "Conversion rate", "rate", "converted_calls", "calls"),
    KpiDef("missed_call_rate", "Missed-call rate", "rate", "missed_calls", "calls", "down"),
    KpiDef("first_time_share", "First-time share", "rate", "first_time_calls", "calls", "neutral"),
    KpiDef("spend", "Spend", "money", "spend", better="neutral"),
    KpiDef("cost_per_call", "Cost per call", "money", "spend", "calls", "down"),
    KpiDef(
        "cost_per_qualified_call",
        "Cost per qualified call",
        "money",
        "spend",
        "qualified_calls",
        "down",
    ),
    KpiDef("cpa", "Cost per conversion (CPA)", "money", "spend", "converted_calls", "down"),
    KpiDef("roas", "ROAS", "ratio", "conversion_value", "spend"),
)

# mart_location_performance has no spend: a location's tiles are the ones without money in.
LOCATION_KPIS: tuple[KpiDef, ...] = tuple(
    k for k in KPIS if "spend" not in (k.numerator, k.denominator)
) + (KpiDef("conversion_value", "Conversion value", "money", "conversion_value"),)

# Mart columns that hold money in the account's currency: never summed across currencies.
MONEY_COLUMNS = frozenset({"spend", "conversion_value"})


def per_currency(kpi: KpiDef) -> bool:
    """Whether the KPI must be computed per currency: money, or a ratio of money (ROAS)."""
    return kpi.kind == "money" or kpi.numerator in MONEY_COLUMNS or kpi.denominator in MONEY_COLUMNS


Number = int | float | Decimal


def ratio(numerator: Number | None, denominator: Number | None) -> float | None:
    """numerator / denominator; null when either is null or the denominator is zero."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return float(numerator) / float(denominator)


def kpi_value(kpi: KpiDef, totals: Mapping[str, Number | None]) -> float | None:
    num = totals.get(kpi.numerator)
    if kpi.denominator is None:
        return None if num is None else float(num)
    return ratio(num, totals.get(kpi.denominator))


def change(kind: Kind, current: float | None, previous: float | None) -> float | None:
    """Change against the previous period: relative for counts and money (0.1 = +10 %),
    absolute for rates and ratios (0.02 = +2 percentage points). Null when it is undefined."""
    if current is None or previous is None:
        return None
    if kind in ("rate", "ratio"):
        return current - previous
    if previous == 0:
        return None
    return (current - previous) / previous


def sum_nullable(values: list[Number | None]) -> Number | None:
    """Sum that stays null when every value is null (no data is not zero)."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    total: Number = 0
    for v in present:
        total = total + v
    return total


# --- formatting ----------------------------------------------------------------------------


def fmt_count(value: Number | None) -> str:
    return NULL if value is None else f"{round(float(value)):,}"


def fmt_money(value: Number | None, currency: str | None) -> str:
    if value is None:
        return NULL
    return f"{currency or ''} {float(value):,.2f}".strip()


def fmt_rate(value: float | None, digits: int = 1) -> str:
    return NULL if value is None else f"{value * 100:.{digits}f} %"


def fmt_ratio(value: float | None) -> str:
    return NULL if value is None else f"{value:,.2f}×"


def fmt_value(kind: Kind, value: Number | None, currency: str | None = None) -> str:
    if kind == "count":
        return fmt_count(value)
    if kind == "money":
        return fmt_money(value, currency)
    if kind == "rate":
        return fmt_rate(None if value is None else float(value))
    return fmt_ratio(None if value is None else float(value))


def fmt_change(kind: Kind, delta: float | None) -> str:
    if delta is None:
        return NULL
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    if kind == "rate":
        return f"{sign}{abs(delta) * 100:.1f} pp"
    if kind == "ratio":
        return f"{sign}{abs(delta):.2f}×"
    return f"{sign}{abs(delta) * 100:.1f} %"


def change_tone(better: Better, delta: float | None) -> str:
    """CSS class of a change: good, bad or flat."""
    if delta is None or delta == 0 or better == "neutral":
        return "flat"
    return "good" if (delta > 0) == (better == "up") else "bad"


def fmt_bytes(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    return f"{n / 1024:.1f} KB"
