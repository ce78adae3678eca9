"""HTML building blocks: the page shell, KPI tiles and sortable tables.

Every piece of text that can come from data passes through `esc` (html.escape with quotes), so a
campaign called `<script>…</script>` is shown, never run. The only scripts on a page are the
shared Plotly file, the charts' own data calls and the small sort script below.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from dashboards.metrics import NULL, Kind, fmt_value


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


CSS = """
:root { --ink:#1d2733; --muted:#5b6776; --line:#dfe4ea; --bg:#f5f7fa; --card:#fff;
  --accent:#2457a6; --good:#16794c; --bad:#b3261e; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color:var(--ink); background:var(--bg); }
header.top { background:#14233a; color:#fff; padding:14px 28px 0; }
header.top h1 { margin:0; font-size:20px; font-weight:600; }
header.top .sub { color:#b9c6d8; font-size:13px; margin:2px 0 10px; }
header.top a { color:#fff; }
nav { display:flex; flex-wrap:wrap; gap:2px; }
nav a { color:#c9d5e6; text-decoration:none; padding:8px 12px; border-radius:6px 6px 0 0; }
nav a[aria-current="page"] { background:var(--bg); color:var(--ink); font-weight:600; }
nav a:hover { color:#fff; }
main { padding:20px 28px 8px; max-width:1500px; }
h2 { font-size:16px; margin:26px 0 8px; }
h2:first-child { margin-top:4px; }
p.note { color:var(--muted); margin:4px 0 10px; font-size:13px; }
.crumbs { font-size:13px; margin:0 0 10px; color:var(--muted); }
.crumbs a { color:var(--accent); }
.tiles { display:grid; grid-template-columns:repeat(auto-fill, minmax(215px, 1fr)); gap:12px;
  margin-bottom:14px; }
.tile { background:var(--card); border:1px solid var(--line); border-radius:10px;
  padding:12px 14px; break-inside:avoid; }
.tile .label { font-size:12px; text-transform:uppercase; letter-spacing:.04em;
  color:var(--muted); font-weight:600; }
.tile .unit { font-size:12px; color:var(--muted); }
.tile .line { margin-top:4px; }
.tile .value { font-size:24px; font-weight:650; font-variant-numeric:tabular-nums; }
.tile .line.multi .value { font-size:18px; }
.tile .cur { font-size:11px; font-weight:600; color:var(--muted); border:1px solid var(--line);
  border-radius:4px; padding:0 4px; margin-right:6px; vertical-align:3px; }
.change { display:block; font-size:12px; font-variant-numeric:tabular-nums; }
.change.good { color:var(--good); } .change.bad { color:var(--bad); }
.change.flat { color:var(--muted); }
/* Explicit tracks, not auto-fit: a chart draws while the page is still parsing, and must get
   its final width even before its sibling card exists. */
.grid2 { display:grid; grid-template-columns:repeat(2, minmax(0, 1fr)); gap:14px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px;
  padding:10px 12px; margin:0 0 14px; break-inside:avoid; overflow-x:auto; }
.card h3 { font-size:14px; margin:2px 0 6px; }
figure.chart { margin:0; min-height:300px; }
table { border-collapse:collapse; width:100%; font-variant-numeric:tabular-nums; }
th, td { padding:5px 8px; border-bottom:1px solid var(--line); text-align:left;
  vertical-align:top; }
td.num, th.num { text-align:right; white-space:nowrap; }
th { font-size:12px; color:var(--muted); font-weight:600; position:sticky; top:0;
  background:var(--card); }
th button { all:unset; cursor:pointer; }
th button:focus-visible { outline:2px solid var(--accent); }
th[aria-sort="ascending"] button::after { content:" ▲"; }
th[aria-sort="descending"] button::after { content:" ▼"; }
td.null { color:var(--muted); }
td.name { min-width:7em; max-width:360px; overflow-wrap:break-word; }
.badge { display:inline-block; padding:1px 7px; border-radius:9px; font-size:12px; }
.badge.bad { background:#fde8e6; color:var(--bad); } .badge.good { background:#e3f4ea;
  color:var(--good); }
footer { color:var(--muted); font-size:12px; padding:10px 28px 24px; }
@media (max-width: 1000px) { .grid2 { grid-template-columns:minmax(0, 1fr); } }
@media (max-width: 700px) { main, header.top, footer { padding-left:12px; padding-right:12px; } }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { background:#fff; font-size:11px; }
  header.top { background:#fff; color:#000; padding:0 0 6px; border-bottom:2px solid #000; }
  header.top .sub { color:#333; }
  nav, .modebar-container, th button::after { display:none !important; }
  main { padding:8px 0; max-width:none; }
  .tiles { grid-template-columns:repeat(5, 1fr); gap:6px; }
  .tile, .card { border-color:#999; box-shadow:none; }
  .tile .value { font-size:16px; }
  .grid2 { grid-template-columns:repeat(2, minmax(0, 1fr)); }
  .card, .tile, tr, figure.chart { break-inside:avoid; }
  th { position:static; }
  a { color:#000; text-decoration:none; }
  footer { padding:6px 0; }
}
"""

# Sorting for every `table.sortable`: a click on a header button sorts by that column, using the
# cell's data-sort (numbers) or its text; empty values ("—") always sort last.
SORT_JS = """
(function () {
  document.querySelectorAll('table.sortable').forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      var button = th.querySelector('button');
      if (!button) { return; }
      button.addEventListener('click', function () {
        var asc = th.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
        var numeric = th.classList.contains('num');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].getAttribute('data-sort');
          var y = b.cells[col].getAttribute('data-sort');
          if (x === '' && y === '') { return 0; }
          if (x === '') { return 1; }
          if (y === '') { return -1; }
          var d = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
          return asc ? d : -d;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  // Charts are sized for the screen; re-fit them to the paper before printing.
  window.addEventListener('beforeprint', function () {
    if (!window.Plotly) { return; }
    document.querySelectorAll('.js-plotly-plot').forEach(function (g) { Plotly.Plots.resize(g); });
  });
})();
"""


@dataclass(frozen=True)
class Column:
    label: str
    key: str
    kind: Kind | None = None  # None: text
    # For money columns: the row key holding the currency.
    currency_key: str = "currency"
    # Text columns: optional link target per row (a page of ours, never data-built text).
    link: Callable[[dict[str, Any]], str | None] | None = None


def table(columns: Sequence[Column], data: Sequence[dict[str, Any]], *, label: str) -> str:
    head = "".join(
        f'<th scope="col"{" class=num" if c.kind else ""}>'
        f'<button type="button">{esc(c.label)}</button></th>'
        for c in columns
    )
    body = []
    for row in data:
        cells = []
        for c in columns:
            value = row.get(c.key)
            if c.kind is None:
                text = NULL if value is None else str(value)
                inner = esc(text)
                href = c.link(row) if c.link else None
                if href:
                    inner = f'<a href="{esc(href)}">{inner}</a>'
                cls = "name null" if value is None else "name"
                sort = "" if value is None else esc(str(value).lower())
                cells.append(f'<td class="{cls}" data-sort="{sort}">{inner}</td>')
            else:
                text = fmt_value(c.kind, value, row.get(c.currency_key))
                cls = "num null" if value is None else "num"
                sort = "" if value is None else esc(repr(float(value)))
                cells.append(f'<td class="{cls}" data-sort="{sort}">{esc(text)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        return f'<p class="note">No {esc(label)} in this period.</p>'
    return (
        f'<table class="sortable" aria-label="{esc(label)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def page(
    *,
    title: str,
    subtitle: str,
    nav: Sequence[tuple[str, str]],
    current: str | None,
    body: str,
    footer: str,
    attrs: dict[str, str] | None = None,
    has_charts: bool = True,
) -> str:
    links = "".join(
        f'<a href="{esc(href)}"{" aria-current=page" if href == current else ""}>{esc(text)}</a>'
        for href, text in nav
    )
    body_attrs = "".join(f' data-{esc(k)}="{esc(v)}"' for k, v in (attrs or {}).items())
    plotly = '<script src="plotly.min.js"></script>' if has_charts else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} · calltrack</title>
<style>{CSS}</style>
{plotly}
</head>
<body{body_attrs}>
<header class="top">
<h1>{esc(title)}</h1>
<div class="sub">{esc(subtitle)}</div>
<nav aria-label="Dashboards">{links}</nav>
</header>
<main>
{body}
</main>
<footer>{footer}</footer>
<script>{SORT_JS}</script>
</body>
</html>
"""
