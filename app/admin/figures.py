"""The platform figures without a framework: which weeks a page covers, how their totals compare,
and the geometry of the weekly bar charts the page draws as inline SVG.

Pure: no Litestar, no Piccolo. Queries fill the weeks; templates draw what these functions measure.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from app.shared.citytime import city_day_bounds, city_today, to_city
from app.shared.money import round_half_up

WEEKS_DEFAULT = 12
WEEKS_MIN = 4
WEEKS_MAX = 52

# --- which weeks ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """The last ``len(weeks)`` city weeks (Monday to Sunday, the current one included) and, for
    comparison, as many weeks before them, cut at the same point of the week as now.

    ``edges`` are UTC instants; bucket ``i`` is ``[edges[i], edges[i + 1])``:
    buckets ``0 .. n-1`` are the previous weeks (the last one ends at the cut), bucket ``n`` is
    the rest of that week (counted nowhere), buckets ``n+1 .. 2n`` are the weeks shown.
    """

    weeks: tuple[date, ...]  # the Mondays shown, oldest first
    edges: tuple[datetime, ...]

    @property
    def count(self) -> int:
        return len(self.weeks)

    @property
    def bucket_count(self) -> int:
        return len(self.edges) - 1

    @property
    def start(self) -> datetime:
        return self.edges[self.count + 1]

    @property
    def previous_start(self) -> datetime:
        return self.edges[0]

    @property
    def previous_end(self) -> datetime:
        return self.edges[self.count]

    @property
    def last_day(self) -> date:
        return self.weeks[-1] + timedelta(days=6)

    @property
    def previous_weeks(self) -> tuple[date, ...]:
        return tuple(week - timedelta(weeks=self.count) for week in self.weeks)

    def is_previous(self, bucket: int) -> bool:
        return 0 <= bucket < self.count

    def week_of(self, bucket: int) -> int | None:
        """The index into ``weeks`` of a bucket of the weeks shown, else None."""
        index = bucket - self.count - 1
        return index if 0 <= index < self.count else None

    def bucket_of(self, instant: datetime) -> int | None:
        """Which bucket an instant falls in, or None outside the window."""
        bucket = bisect_right(self.edges, instant) - 1
        return bucket if 0 <= bucket < self.bucket_count else None


def figures_window(now: datetime, zone: ZoneInfo, weeks: int = WEEKS_DEFAULT) -> Window:
    """The ``weeks`` city weeks up to the one containing ``now``; week boundaries are the city's
    Monday midnights, so a week with a clock change is 167 or 169 hours long."""
    if weeks < 1:
        raise ValueError("a window has at least one week")
    today = city_today(now, zone)
    this_monday = today - timedelta(days=today.weekday())
    mondays = tuple(this_monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks))

    def midnight(day: date) -> datetime:
        return city_day_bounds(day, zone)[0]

    # The same weekday and wall-clock time as now, ``weeks`` weeks earlier.
    local = to_city(now, zone).replace(tzinfo=None) - timedelta(weeks=weeks)
    cut = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    edges = (
        *(midnight(monday - timedelta(weeks=weeks)) for monday in mondays),
        cut,
        *(midnight(monday) for monday in mondays),
        midnight(this_monday + timedelta(weeks=1)),
    )
    return Window(weeks=mondays, edges=edges)


# --- comparing --------------------------------------------------------------------------------


def percent_change(current: int, previous: int) -> int | None:
    """How much ``current`` differs from ``previous``, in whole percent (None: nothing before)."""
    if previous == 0:
        return None
    return round_half_up(Decimal(current - previous) * 100 / previous)


def points_change(current: float | None, previous: float | None) -> int | None:
    """The difference between two percentages, in whole percentage points (None: one is missing)."""
    if current is None or previous is None:
        return None
    return round_half_up(Decimal(str(current)) - Decimal(str(previous)))


def ratio(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent, or None when there is no whole to take part of."""
    return part * 100 / whole if whole else None


# --- bar charts -------------------------------------------------------------------------------

VIEW_WIDTH = 360
VIEW_HEIGHT = 200
PLOT_TOP = 12
PLOT_BOTTOM = 170
PLOT_RIGHT = 346
LABEL_BASELINE = 190
# Tick labels are drawn at most this big (user units, see site.css).
TICK_FONT = 14
GROUP_SHARE = 0.72  # of a week's width taken by its bars
MIN_BAR = 1.0  # a value above zero stays visible however small
# Week labels under a chart: few on a phone, more where the chart is wider (site.css shows one set).
MAX_LABELS_NARROW = 4
MAX_LABELS_WIDE = 6
TARGET_TICKS = 4
TICK_GAP = 6  # between a tick label and the plot


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: float | None
    series: int


@dataclass(frozen=True, slots=True)
class Column:
    """One week: the span its bars share, its bars (one per series), and its label.

    ``label`` is None (no label), "always", "narrow" (on phones only) or "wide" (on wider
    screens only). A label near an edge of the box is anchored to that edge (``label_anchor``
    "start" or "end" at ``label_x``) so it stays inside whatever the font size; others are
    centred under their week. ``missing`` is a week where
    nothing could be measured (every value None).
    """

    week: date
    x: float
    width: float
    center: float
    bars: tuple[Bar, ...]
    label: str | None
    label_x: float
    label_anchor: str
    missing: bool

    @property
    def labelled(self) -> bool:
        return self.label is not None


@dataclass(frozen=True, slots=True)
class Tick:
    value: int
    y: float
    text: str


@dataclass(frozen=True, slots=True)
class BarChart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    label_y: float
    columns: tuple[Column, ...]
    ticks: tuple[Tick, ...]
    scale_max: int
    peak: float
    empty: bool

    @property
    def tick_x(self) -> float:
        """Where tick labels end (they are right-aligned just left of the plot)."""
        return round(self.left - TICK_GAP, 1)

    @property
    def bars(self) -> tuple[Bar, ...]:
        return tuple(bar for column in self.columns for bar in column.bars)

    @property
    def peak_week(self) -> date | None:
        """The first week holding the highest value (None for an empty chart)."""
        if self.empty:
            return None
        return next(c.week for c in self.columns if any(b.value == self.peak for b in c.bars))


# Glyph widths in em of a wide sans-serif (DejaVu Sans, the fallback on Debian): an overestimate
# for most system fonts, so tick labels fit left of the plot whatever font the browser picks.
_NARROW_GLYPHS = {".": 0.32, ",": 0.32, " ": 0.32, "\u00a0": 0.32, "-": 0.36}
_WIDE_GLYPHS = {"%": 0.95, "€": 0.64, "£": 0.64, "$": 0.64}


def text_width(text: str, font_size: float = TICK_FONT) -> float:
    """About how wide ``text`` is drawn at ``font_size`` (digits, separators, currency signs)."""
    return font_size * sum(_NARROW_GLYPHS.get(ch, _WIDE_GLYPHS.get(ch, 0.64)) for ch in text)


# Half the width of the widest week label ("28 Sept"): labels are kept this far inside the box.
LABEL_HALF = round(text_width("28 Sept") / 2)
EDGE = 2  # the closest text comes to the sides of the box


def nice_step(maximum: float, target_ticks: int = TARGET_TICKS) -> int:
    """A whole step of 1, 2, 2.5 or 5 times a power of ten giving about ``target_ticks`` steps."""
    raw = maximum / target_ticks
    if raw <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        step = multiple * magnitude
        if step == int(step) and step >= raw:
            return int(step)
    raise AssertionError("unreachable: ten times the magnitude always exceeds raw")  # pragma: no cover


def nice_scale(maximum: float, target_ticks: int = TARGET_TICKS) -> tuple[int, tuple[int, ...]]:
    """The axis top (a whole multiple of a nice step, at least ``maximum``) and its ticks from 0."""
    if maximum <= 0:
        return 1, (0, 1)
    step = nice_step(maximum, target_ticks)
    steps = math.ceil(maximum / step)
    return steps * step, tuple(i * step for i in range(steps + 1))


def label_stride(count: int, max_labels: int) -> int:
    return max(1, math.ceil(count / max_labels))


def _label(from_latest: int, narrow: int, wide: int) -> str | None:
    on_narrow, on_wide = from_latest % narrow == 0, from_latest % wide == 0
    if on_narrow and on_wide:
        return "always"
    if on_narrow:
        return "narrow"
    return "wide" if on_wide else None


def _label_position(center: float) -> dict:
    if center + LABEL_HALF > VIEW_WIDTH - EDGE:
        return {"label_x": VIEW_WIDTH - EDGE, "label_anchor": "end"}
    if center - LABEL_HALF < EDGE:
        return {"label_x": EDGE, "label_anchor": "start"}
    return {"label_x": round(center, 1), "label_anchor": "middle"}


def bar_chart(
    weeks: Sequence[date],
    series: Sequence[Sequence[float | None]],
    *,
    tick_text: Callable[[int], str] = str,
    fixed_max: int | None = None,
    zeros_are_data: bool = False,
) -> BarChart:
    """Bars for one or more weekly series (grouped side by side), in a ``VIEW_WIDTH`` x
    ``VIEW_HEIGHT`` box that the page scales to its width.

    A value of None is a week with nothing to measure (a rate without visits): no bar. The chart
    is ``empty`` when nothing was measured, or, unless ``zeros_are_data``, when every value is 0.
    The y-axis runs from 0 to a nice round number (or ``fixed_max``, e.g. 100 for percentages);
    the latest week is always labelled, and then every few weeks back (see ``Column``).
    """
    if not weeks or not series:
        raise ValueError("a chart needs at least one week and one series")
    if any(len(values) != len(weeks) for values in series):
        raise ValueError("every series needs one value per week")
    measured = [v for values in series for v in values if v is not None]
    if any(v < 0 for v in measured):
        raise ValueError("bar charts start at zero: values can't be negative")
    peak = max(measured, default=0)
    empty = not measured or (peak == 0 and not zeros_are_data)
    if fixed_max is not None:
        scale_max, tick_values = fixed_max, (0, fixed_max // 2, fixed_max)
    else:
        scale_max, tick_values = nice_scale(peak)
    texts = [tick_text(value) for value in tick_values]
    left = round(max(text_width(text) for text in texts) + TICK_GAP + 2, 1)
    plot_height = PLOT_BOTTOM - PLOT_TOP
    slot = (PLOT_RIGHT - left) / len(weeks)
    group = slot * GROUP_SHARE
    bar_width = group / len(series)
    narrow = label_stride(len(weeks), MAX_LABELS_NARROW)
    wide = label_stride(len(weeks), MAX_LABELS_WIDE)

    columns = []
    for i, week in enumerate(weeks):
        start = left + i * slot + (slot - group) / 2
        bars = []
        for j, values in enumerate(series):
            value = values[i]
            height = 0.0 if not value else max(plot_height * min(value, scale_max) / scale_max, MIN_BAR)
            bars.append(
                Bar(
                    x=round(start + j * bar_width, 1),
                    y=round(PLOT_BOTTOM - height, 1),
                    # A hairline between grouped bars keeps the two series apart.
                    width=round(bar_width - (1 if len(series) > 1 else 0), 1),
                    height=round(height, 1),
                    value=value,
                    series=j,
                )
            )
        center = left + (i + 0.5) * slot
        columns.append(
            Column(
                week=week,
                x=round(start, 1),
                width=round(group, 1),
                center=round(center, 1),
                bars=tuple(bars),
                label=_label(len(weeks) - 1 - i, narrow, wide),
                **_label_position(center),
                missing=all(values[i] is None for values in series),
            )
        )
    ticks = tuple(
        Tick(value=value, y=round(PLOT_BOTTOM - plot_height * value / scale_max, 1), text=text)
        for value, text in zip(tick_values, texts, strict=True)
    )
    return BarChart(
        width=VIEW_WIDTH,
        height=VIEW_HEIGHT,
        left=left,
        right=PLOT_RIGHT,
        top=PLOT_TOP,
        bottom=PLOT_BOTTOM,
        label_y=LABEL_BASELINE,
        columns=tuple(columns),
        ticks=ticks,
        scale_max=scale_max,
        peak=peak,
        empty=empty,
    )
