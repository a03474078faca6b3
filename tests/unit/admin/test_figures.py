"""The figures page's pure parts: which weeks it covers, and the geometry of its bar charts."""

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.admin.figures import (
    LABEL_HALF,
    MIN_BAR,
    PLOT_BOTTOM,
    PLOT_RIGHT,
    PLOT_TOP,
    VIEW_WIDTH,
    bar_chart,
    figures_window,
    label_stride,
    nice_scale,
    nice_step,
    percent_change,
    points_change,
    ratio,
    text_width,
)
from app.shared.citytime import to_city

MADRID = ZoneInfo("Europe/Madrid")
SUNDAY_MORNING = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)  # 10:30 in Valencia
TWELVE_WEEKS = [date(2026, 8, 31) + timedelta(weeks=i) for i in range(12)]


# --- the window -------------------------------------------------------------------------------


def test_the_window_ends_with_the_current_city_week_and_starts_on_mondays():
    window = figures_window(SUNDAY_MORNING, MADRID, 12)
    assert window.weeks[0] == date(2026, 8, 31) and window.weeks[-1] == date(2026, 11, 16)
    assert all(week.weekday() == 0 for week in window.weeks)
    assert window.last_day == date(2026, 11, 22)
    assert window.previous_weeks[0] == date(2026, 6, 8)
    assert window.start == datetime(2026, 8, 30, 22, 0, tzinfo=UTC)  # Monday 00:00 in summer time
    assert window.edges[-1] == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)  # next Monday, winter time
    assert list(window.edges) == sorted(window.edges) and window.bucket_count == 25


def test_the_week_after_the_autumn_clock_change_starts_at_the_new_local_midnight():
    window = figures_window(SUNDAY_MORNING, MADRID, 12)
    oct_19, oct_26 = window.weeks.index(date(2026, 10, 19)), window.weeks.index(date(2026, 10, 26))
    starts = window.edges[window.count + 1 :]
    assert starts[oct_19] == datetime(2026, 10, 18, 22, 0, tzinfo=UTC)
    assert starts[oct_26] == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)
    assert starts[oct_26] - starts[oct_19] == timedelta(hours=169)  # the 25-hour Sunday
    late_sunday = datetime(2026, 10, 25, 22, 30, tzinfo=UTC)  # 23:30 on Sunday in Valencia
    assert window.week_of(window.bucket_of(late_sunday)) == oct_19
    assert window.week_of(window.bucket_of(late_sunday + timedelta(minutes=30))) == oct_26


def test_the_previous_period_stops_at_the_same_point_of_its_week():
    window = figures_window(SUNDAY_MORNING, MADRID, 12)
    cut = window.previous_end
    assert to_city(cut, MADRID).replace(tzinfo=None) == datetime(2026, 8, 30, 10, 30)
    assert window.previous_start == datetime(2026, 6, 7, 22, 0, tzinfo=UTC)
    assert window.is_previous(window.bucket_of(cut - timedelta(seconds=1)))
    gap = window.bucket_of(cut)
    assert not window.is_previous(gap) and window.week_of(gap) is None
    assert window.bucket_of(window.previous_start - timedelta(seconds=1)) is None
    assert window.bucket_of(window.edges[-1]) is None


def test_a_monday_just_after_midnight_opens_a_new_week():
    monday = datetime(2026, 11, 22, 23, 5, tzinfo=UTC)  # 00:05 on Monday 23 November
    window = figures_window(monday, MADRID, 4)
    assert window.weeks == (date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23))
    assert list(window.edges) == sorted(window.edges)


def test_a_window_needs_a_week():
    with pytest.raises(ValueError, match="at least one week"):
        figures_window(SUNDAY_MORNING, MADRID, 0)


# --- comparing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [(42, 34, 24), (30, 40, -25), (5, 5, 0), (7, 0, None), (0, 3, -100)],
)
def test_changes_are_whole_percent_and_absent_without_a_base(current, previous, expected):
    assert percent_change(current, previous) == expected


def test_half_percents_round_up_like_money_does():
    assert percent_change(41, 40) == 3 and percent_change(201, 200) == 1  # 2.5 % and 0.5 %
    assert percent_change(39, 40) == -3


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [(90.0, 88.6, 1), (75.0, 75.0, 0), (50.0, 87.5, -38), (None, 80.0, None)],
)
def test_rates_change_by_whole_points(current, previous, expected):
    assert points_change(current, previous) == expected


def test_a_ratio_of_nothing_is_none_not_zero():
    assert ratio(3, 4) == 75 and ratio(0, 4) == 0 and ratio(0, 0) is None


# --- nice scales ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("maximum", "top", "ticks"),
    [
        (0, 1, (0, 1)),
        (1, 1, (0, 1)),
        (3, 3, (0, 1, 2, 3)),
        (9, 10, (0, 5, 10)),
        (12, 15, (0, 5, 10, 15)),
        (37, 40, (0, 10, 20, 30, 40)),
        (100, 100, (0, 25, 50, 75, 100)),
        (68_000, 80_000, (0, 20_000, 40_000, 60_000, 80_000)),
        (123_456_789, 150_000_000, (0, 50_000_000, 100_000_000, 150_000_000)),
    ],
)
def test_the_axis_top_is_a_round_number_at_or_above_the_highest_value(maximum, top, ticks):
    assert nice_scale(maximum) == (top, ticks)


@pytest.mark.parametrize("maximum", [1, 2, 7, 13, 99, 101, 999, 1001, 4321, 10**9 + 7])
def test_nice_scales_cover_the_maximum_with_few_whole_steps(maximum):
    top, ticks = nice_scale(maximum)
    step = nice_step(maximum)
    assert top >= maximum and top - step < maximum
    assert ticks[0] == 0 and ticks[-1] == top and 2 <= len(ticks) <= 6
    assert all(isinstance(tick, int) for tick in ticks)
    assert all(b - a == step for a, b in itertools.pairwise(ticks))
    assert str(step).rstrip("0") in ("1", "2", "25", "5")


# --- bar geometry -----------------------------------------------------------------------------


def test_bars_stand_on_the_baseline_and_the_tallest_reaches_its_share_of_the_axis():
    values = [0, 2, 4, 3] + [0] * 8
    chart = bar_chart(TWELVE_WEEKS, [values])
    assert chart.scale_max == 4 and [t.value for t in chart.ticks] == [0, 1, 2, 3, 4]
    assert chart.ticks[-1].y == PLOT_TOP and chart.ticks[0].y == PLOT_BOTTOM
    bars = chart.bars
    assert len(bars) == 12 and all(round(b.y + b.height, 1) == PLOT_BOTTOM for b in bars)
    assert bars[2].height == PLOT_BOTTOM - PLOT_TOP and bars[1].height == bars[2].height / 2
    assert bars[0].height == 0 and bars[0].value == 0
    assert chart.peak == 4 and chart.peak_week == date(2026, 9, 14) and not chart.empty


def test_bars_are_evenly_spaced_inside_the_plot_and_never_overlap():
    chart = bar_chart(TWELVE_WEEKS, [list(range(12))])
    xs = [bar.x for bar in chart.bars]
    gaps = {round(b - a, 1) for a, b in itertools.pairwise(xs)}
    assert max(gaps) - min(gaps) <= 0.2
    assert all(bar.width < min(gaps) for bar in chart.bars)
    assert chart.bars[0].x > chart.left and chart.bars[-1].x + chart.bars[-1].width < PLOT_RIGHT
    assert [c.center for c in chart.columns] == sorted(c.center for c in chart.columns)


def test_two_series_are_grouped_side_by_side_within_their_week():
    residents, providers = [5, 0, 10, 1], [1, 2, 0, 10]
    chart = bar_chart(TWELVE_WEEKS[:4], [residents, providers])
    for column in chart.columns:
        left, right = column.bars
        assert (left.series, right.series) == (0, 1)
        assert left.x + left.width < right.x and left.x < column.center < right.x + right.width
    assert chart.columns[2].bars[0].height == chart.columns[3].bars[1].height == PLOT_BOTTOM - PLOT_TOP


def test_a_chart_without_data_says_it_is_empty():
    zeros = bar_chart(TWELVE_WEEKS, [[0] * 12])
    assert zeros.empty and zeros.peak == 0 and zeros.peak_week is None and zeros.scale_max == 1
    assert all(bar.height == 0 for bar in zeros.bars)
    assert bar_chart(TWELVE_WEEKS, [[None] * 12], fixed_max=100, zeros_are_data=True).empty


def test_a_rate_of_zero_is_data_but_a_week_without_visits_has_no_bar():
    rates = [None] * 10 + [0.0, 50.0]
    chart = bar_chart(TWELVE_WEEKS, [rates], fixed_max=100, zeros_are_data=True, tick_text=lambda v: f"{v}%")
    assert not chart.empty and chart.scale_max == 100
    assert [t.text for t in chart.ticks] == ["0%", "50%", "100%"]
    assert chart.bars[0].value is None and chart.bars[0].height == 0
    assert chart.bars[-1].height == (PLOT_BOTTOM - PLOT_TOP) / 2


def test_one_week_fills_the_plot_width():
    chart = bar_chart([date(2026, 11, 16)], [[7]])
    (column,) = chart.columns
    assert column.labelled and column.center == round((chart.left + PLOT_RIGHT) / 2, 1)
    assert chart.scale_max == 8 and [t.value for t in chart.ticks] == [0, 2, 4, 6, 8]
    assert column.bars[0].height == round((PLOT_BOTTOM - PLOT_TOP) * 7 / 8, 1)
    assert column.bars[0].width == round((PLOT_RIGHT - chart.left) * 0.72, 1)
    assert chart.peak_week == date(2026, 11, 16)


def test_large_values_keep_round_ticks_and_tiny_ones_stay_visible():
    values = [123_456_789] + [1] + [0] * 10
    chart = bar_chart(TWELVE_WEEKS, [values], tick_text=lambda cents: f"€{cents // 100:,}")
    assert chart.scale_max == 150_000_000
    assert chart.ticks[-1].text == "€1,500,000"
    assert chart.bars[1].height == MIN_BAR and chart.bars[2].height == 0
    # The widest tick label decides the left margin, so "€1,500,000" is not cut off.
    assert chart.tick_x >= text_width("€1,500,000") > bar_chart(TWELVE_WEEKS, [[3] * 12]).tick_x


@pytest.mark.parametrize(
    ("weeks", "on_phones", "wider"), [(1, 1, 1), (4, 4, 4), (12, 4, 6), (13, 4, 5), (26, 4, 6), (52, 4, 6)]
)
def test_few_weeks_are_labelled_on_phones_more_on_wider_screens_always_the_latest(weeks, on_phones, wider):
    days = [date(2025, 11, 24) + timedelta(weeks=i) for i in range(weeks)]
    chart = bar_chart(days, [[1] * weeks])
    narrow = [c.week for c in chart.columns if c.label in ("always", "narrow")]
    wide = [c.week for c in chart.columns if c.label in ("always", "wide")]
    assert (len(narrow), len(wide)) == (on_phones, wider)
    assert narrow[-1] == wide[-1] == days[-1] and chart.columns[-1].label == "always"
    assert all(c.labelled == (c.label is not None) for c in chart.columns)


@pytest.mark.parametrize("weeks", [4, 12, 52])
def test_labels_stay_inside_the_box_anchored_to_the_edge_they_would_cross(weeks):
    chart = bar_chart(TWELVE_WEEKS[:1] * weeks, [[1] * weeks])
    for column in chart.columns:
        if column.label_anchor == "middle":
            assert column.label_x == column.center
            assert column.center - LABEL_HALF >= 2 and column.center + LABEL_HALF <= VIEW_WIDTH - 2
        elif column.label_anchor == "end":
            assert column.label_x == VIEW_WIDTH - 2 and column.center + LABEL_HALF > VIEW_WIDTH - 2
        else:
            assert column.label_x == 2 and column.center - LABEL_HALF < 2
    assert chart.columns[-1].label_anchor == ("middle" if weeks == 4 else "end")
    assert label_stride(12, 4) == 3 and label_stride(52, 6) == 9


def test_weeks_with_nothing_measured_are_marked_missing_across_the_bars_span():
    chart = bar_chart(TWELVE_WEEKS[:3], [[None, 0.0, 80.0]], fixed_max=100, zeros_are_data=True)
    assert [c.missing for c in chart.columns] == [True, False, False]
    column = chart.columns[0]
    assert column.x == column.bars[0].x and column.width == column.bars[0].width
    assert column.x < column.center < column.x + column.width


@pytest.mark.parametrize("texts", [["0%", "50%", "100%"], ["€0", "€500", "€1,000"], ["0", "5", "10"]])
def test_the_widest_tick_label_fits_left_of_the_plot(texts):
    values = [int(text.strip("€%").replace(",", "")) for text in texts]
    text_of = dict(zip(values, texts, strict=True))
    chart = bar_chart(TWELVE_WEEKS[:3], [values], fixed_max=values[-1], tick_text=text_of.get)
    assert [tick.text for tick in chart.ticks] == texts
    assert chart.tick_x - text_width(texts[-1]) >= 0 and chart.tick_x < chart.left
    assert text_width("100%") > text_width("100") > text_width("1,0")


def test_series_must_match_the_weeks_and_stay_positive():
    with pytest.raises(ValueError, match="one value per week"):
        bar_chart(TWELVE_WEEKS, [[1, 2]])
    with pytest.raises(ValueError, match="negative"):
        bar_chart(TWELVE_WEEKS[:2], [[1, -2]])
    with pytest.raises(ValueError, match="at least one week"):
        bar_chart([], [[]])
