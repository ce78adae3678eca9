"""Chart fragments: nothing to draw gives a note, not an empty axis; data strings are escaped
for Plotly's pseudo-HTML."""

from __future__ import annotations

from datetime import date

import pytest

from dashboards import charts
from dashboards.metrics import Period

PERIOD = Period(date(2026, 10, 1), date(2026, 10, 7))


@pytest.mark.parametrize(
    "fragment",
    [
        charts.trend([], PERIOD, "t", ("calls",)),  # an account without calls yet
        charts.spend_by_currency(
            [{"date_local": PERIOD.end, "currency": "USD", "spend": None}], "s"
        ),
        charts.missed_heatmap([{"day_of_week_local": 0, "hour_local": 9, "calls": 0}], "m"),
        charts.caller_mix([], "c"),
        charts.pool_peaks([], "p", {}),
    ],
)
def test_nothing_to_draw_says_so(fragment: str) -> None:
    assert 'data-empty="chart"' in fragment
    assert "<figure" not in fragment


def test_a_chart_references_the_shared_plotly_and_escapes_names() -> None:
    rows = [{"channel": "<b>x</b>", "value": "positive", "calls": 3}]
    fragment = charts.mix_by_channel(rows, "mix", "Sentiment mix")
    assert '<figure class="chart" data-chart="mix"' in fragment
    assert "plotly.min.js" not in fragment and "cdn" not in fragment.lower()
    # the entity is what Plotly shows as literal text (its JSON also escapes the slash)
    assert '"y":["&lt;b&gt;x&lt;\\u002fb&gt;"]' in fragment


def test_plotly_text_escapes_tags_but_keeps_quotes() -> None:
    assert charts.text('"Bob\'s" <b>') == '"Bob\'s" &lt;b&gt;'
