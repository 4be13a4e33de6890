"""The dashboard's charts, drawn on the server as SVG with pygal.

Each chart goes into the page as an image (`<img src="data:image/svg+xml;base64,…">`): the page's
Content-Security-Policy allows data: images, and a browser runs no script and applies no outside
style inside an SVG shown as an image, so nothing in the chart can execute. pygal's tooltip script
is left out all the same (`js=[]`), and the configuration script it always writes is taken out. The
same figures are always in a table beside the chart: the chart is for a quick look, the table is the
record (and what screen readers read).

Drawing the charts was most of the page's time (pygal builds and writes an XML tree: 10-20 ms a
chart, a dozen charts a page), and the same table always draws the same picture. So each process
keeps the charts it drew last (up to `CACHED_CHARTS_SIZE`), keyed by a digest of everything a chart
is drawn from (the table's title, columns, kinds, kind of chart, row labels and values): a repeat
view, by anyone, with any filters that give the same figures, draws nothing. It cannot show an old
picture: new figures are a new key, and the charts no page asks for any more fall off the end.
(In the process, not in Django's cache: that holds the throttles' counters, which the charts would
crowd out of a local-memory cache, and a Redis cache would add a round trip and a copy of 10-30 KB
a chart to save each process drawing a chart once.)
"""

import base64
import hashlib
import threading
from collections import OrderedDict
from decimal import Decimal

import pygal
from pygal.style import Style

from reports.figures import Table

# GOV.UK Design System colours: blue, orange, green, purple, red, turquoise, brown, pink, yellow, grey.
GOVUK_COLOURS = (
    "#1d70b8",
    "#f47738",
    "#00703c",
    "#4c2c92",
    "#d4351c",
    "#28a197",
    "#b58840",
    "#d53880",
    "#ffdd00",
    "#505a5f",
)

FONT = "Arial, Helvetica, sans-serif"  # the service's typeface (GOV.UK Frontend is built with Arial here)

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#0b0c0c",
    foreground_strong="#0b0c0c",
    foreground_subtle="#b1b4b6",
    opacity="1",
    opacity_hover="1",
    transition="none",
    colors=GOVUK_COLOURS,
    font_family=FONT,
    label_font_family=FONT,
    major_label_font_family=FONT,
    value_font_family=FONT,
    value_label_font_family=FONT,
    title_font_family=FONT,
    legend_font_family=FONT,
    label_font_size=16,
    major_label_font_size=16,
    value_font_size=16,
    value_label_font_size=16,
    legend_font_size=16,
    title_font_size=18,
    tooltip_font_size=16,
)


def _without_scripts(root):
    """pygal writes its configuration into a <script> even when no script file is asked for: take
    every script element out, so the SVG is pictures and text only."""
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return root


# Drawn small (480 × 320 units) with large type, so that at a phone's 390 px width, where the image
# is scaled to fit, the words are still about 13 px high. The SVG keeps its viewBox and no fixed size.
CONFIG = dict(
    style=STYLE,
    js=[],
    tooltip_fancy_mode=False,
    width=480,
    height=320,
    explicit_size=False,
    disable_xml_declaration=False,
    show_legend=True,
    legend_at_bottom=True,
    legend_at_bottom_columns=1,
    truncate_legend=-1,
    truncate_label=-1,
    print_values=False,
    margin=8,
    margin_right=32,  # room for the last number of the value axis
    spacing=8,
    include_x_axis=True,
)


def _named(chart):
    """pygal names each chart with a random uuid and scopes its style rules by it (`#chart-<uuid> .axis
    …`, some 45 characters on each rule): a chart drawn as an image is a document of its own, so one
    short fixed name does, and the SVG is a quarter smaller."""
    chart.uuid = "fgdm"
    return chart


def _number(value) -> float:
    """A value the chart can draw (pygal plots floats; the tables keep the exact Decimals)."""
    if value is None:
        return 0.0
    if isinstance(value, Decimal):
        return float(value)
    return float(value or 0)


# A row label longer than this does not fit beside its bar at 390 px: it goes in the legend instead.
LONG_LABEL = 26


def _ticks(top: float) -> list[float]:
    """At most six round numbers from 0 to at least `top` (0, 5, 10… or 0, 200, 400…), so the value
    axis stays readable at a phone's width."""
    if top <= 0:
        return [0, 1]
    step = 1.0
    while top / step > 5:
        for factor in (2, 2.5, 2):  # 1, 2, 5, 10, 20, 50…
            step *= factor
            if top / step <= 5:
                break
    count = int(-(-top // step))
    return [round(step * i, 2) for i in range(count + 1)]


# How much of the drawn charts each process keeps, in characters of their data: URIs (a chart is
# 10-30 KB, a dashboard page has a dozen): the pages of some 50 different cuts of the figures.
CACHED_CHARTS_SIZE = 8 * 1024 * 1024


class _Drawn:
    """The charts drawn last, by digest, up to `size` characters in all, the least recently used
    dropped first. Thread-safe (an app process may serve requests on threads)."""

    def __init__(self, size: int):
        self.size, self.used, self.hits, self.misses = size, 0, 0, 0
        self._charts: OrderedDict[bytes, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes) -> str | None:
        with self._lock:
            chart = self._charts.get(key)
            if chart is None:
                self.misses += 1
            else:
                self.hits += 1
                self._charts.move_to_end(key)
            return chart

    def put(self, key: bytes, chart: str) -> None:
        with self._lock:
            if key in self._charts:
                return
            self._charts[key] = chart
            self.used += len(chart)
            while self.used > self.size and self._charts:
                self.used -= len(self._charts.popitem(last=False)[1])

    def __contains__(self, key: bytes) -> bool:
        return key in self._charts

    def __len__(self) -> int:
        return len(self._charts)

    def clear(self) -> None:
        with self._lock:
            self._charts.clear()
            self.used = self.hits = self.misses = 0


DRAWN = _Drawn(CACHED_CHARTS_SIZE)


def digest(table: Table) -> bytes:
    """What the table's chart is drawn from, as a digest: two tables with the same digest draw the
    same chart. (repr() of str, int, Decimal and None says the value and its type unambiguously.)"""
    content = (table.chart, table.title, table.columns, table.kinds, [(row.label, row.values) for row in table.rows])
    return hashlib.blake2b(repr(content).encode(), digest_size=20).digest()


def chart_for(table: Table) -> str:
    """The table drawn as a chart (see `draw`), from the cache of drawn charts when the same table
    was drawn before."""
    if not table.chart or not table.rows:
        return ""
    key = digest(table)
    chart = DRAWN.get(key)
    if chart is None:
        chart = draw(table)
        DRAWN.put(key, chart)
    return chart


def draw(table: Table) -> str:
    """The table drawn as a chart: SVG as a data: URI, or "" for a table without a chart.

    Bars are horizontal, so that the rows' labels (often long: "Furniture and bedding") are written
    out in full beside them; a table of counts and money draws the money. Months are a line."""
    if not table.chart or not table.rows:
        return ""
    numeric = [i for i, kind in enumerate(table.kinds) if i > 0 and kind in ("count", "money", "days")]
    if not numeric:
        return ""
    money = [i for i in numeric if table.kinds[i] == "money"]
    days = [i for i in numeric if table.kinds[i] == "days"]
    # One measure per chart where a table has several kinds: the money, else the days, else the counts.
    # (Spend against budget draws both, side by side.)
    columns = (money if len(money) == len(numeric) else money[:1]) or days[:1] or numeric
    labels = [row.label for row in table.rows]
    if table.chart == "line":
        chart = _named(pygal.Line(**CONFIG, x_label_rotation=-45, show_dots=True, dots_size=4))
        columns = numeric[:1]  # packages a month; the money is in the table
    elif table.chart == "stacked":
        chart = _named(pygal.HorizontalStackedBar(**CONFIG))
    elif max(map(len, labels)) > LONG_LABEL:
        # Labels too long to stand beside a bar at a phone's width: each row is its own colour,
        # named in full in the legend underneath (grouped under the columns when there are several).
        # Taller by a line of legend a row, so the bars keep their height.
        config = {**CONFIG, "height": CONFIG["height"] + 24 * len(table.rows)}
        chart = _named(pygal.Bar(**config))
        if len(columns) > 1:
            chart.x_labels = [table.columns[c] for c in columns]
        for row in table.rows:
            chart.add(row.label, [_number(row.values[c - 1]) for c in columns])
        chart.y_labels = _ticks(max((_number(row.values[c - 1]) for row in table.rows for c in columns), default=0))
        chart.add_xml_filter(_without_scripts)
        return _data_uri(chart.render())
    else:
        chart = _named(pygal.HorizontalBar(**CONFIG))
    # pygal stacks horizontal bars from the bottom up: reversed, the table's first row is on top.
    rows = table.rows if table.chart == "line" else list(reversed(table.rows))
    chart.x_labels = [row.label for row in rows]
    series = {table.columns[c]: [_number(row.values[c - 1]) for row in rows] for c in columns}
    for name, values in series.items():
        chart.add(name, values)
    if table.chart == "stacked":
        top = max((sum(v) for v in zip(*series.values(), strict=True)), default=0)
    else:
        top = max((max(v) for v in series.values()), default=0)
    chart.y_labels = _ticks(top)
    chart.add_xml_filter(_without_scripts)
    return _data_uri(chart.render())


def _data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
