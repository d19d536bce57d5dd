"""Analytics dataclasses → PNG bytes (matplotlib ``Figure`` on the Agg canvas; no aiogram).

Never pyplot: it keeps global state and is not thread-safe, and handlers render in
``asyncio.to_thread`` so the event loop keeps answering while a chart draws. matplotlib is
imported inside the functions, so `hsl-bot db` and `hsl-bot seed` never load it. Every label
arrives from the caller already in the admin's language.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.analytics.models import Daily, Funnel, Growth, Retention, TopEvents

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH_PX = 1280
HEIGHT_PX = 720
DPI = 100
# Sizes in points at 1280 px: a phone shows the picture ~3× smaller, so these stay legible.
TITLE_PT = 24
LABEL_PT = 18
TICK_PT = 16
BAR_COLOR = "#4C78A8"
LINE_COLOR = "#E45756"
MUTED = "#9AA5B1"
PALETTE = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#B279A2")


@dataclass(frozen=True)
class Labels:
    """Localised words a chart needs."""

    title: str
    empty: str  # drawn across an empty chart
    series: tuple[str, ...] = ()
    x: str = ""
    y: str = ""


def _figure(height_px: int = HEIGHT_PX) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_PX / DPI, height_px / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    # zlib level 1: a chart PNG is ~20% larger but encodes several times faster.
    figure.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def _style(ax: Axes, labels: Labels) -> None:
    ax.set_title(labels.title, fontsize=TITLE_PT, pad=14)
    ax.tick_params(labelsize=TICK_PT)
    if labels.x:
        ax.set_xlabel(labels.x, fontsize=LABEL_PT)
    if labels.y:
        ax.set_ylabel(labels.y, fontsize=LABEL_PT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", alpha=0.3)


def _empty(figure: Figure, labels: Labels) -> bytes:
    ax = figure.add_subplot()
    ax.set_title(labels.title, fontsize=TITLE_PT, pad=14)
    ax.text(
        0.5,
        0.5,
        labels.empty,
        ha="center",
        va="center",
        fontsize=LABEL_PT + 4,
        color=MUTED,
        transform=ax.transAxes,
        wrap=True,
    )
    ax.set_axis_off()
    return _png(figure)


def _integers(*axes: Axes) -> None:
    from matplotlib.ticker import MaxNLocator

    for ax in axes:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        if ax.get_ylim()[1] < 1:
            ax.set_ylim(0, 1)


def _legend_below(ax: Axes, handles: Sequence[Any]) -> None:
    ax.legend(
        handles=list(handles),
        fontsize=TICK_PT,
        loc="upper center",
        frameon=False,
        bbox_to_anchor=(0.5, -0.1),
        ncol=len(handles),
    )


def _day_ticks(ax: Axes, days: Sequence[date], *, most: int = 10) -> None:
    step = max(1, math.ceil(len(days) / most))
    positions = list(range(0, len(days), step))
    ax.set_xticks(positions, [days[i].strftime("%d.%m") for i in positions])
    if days and days[0].year != days[-1].year:
        ax.set_xticks(positions, [days[i].strftime("%d.%m.%y") for i in positions])
    ax.set_xlim(-0.6, len(days) - 0.4)


def _bars_or_steps(ax: Axes, values: Sequence[int], color: str, label: str) -> Any:
    """Bars up to a few months; beyond, a filled step line (thin bars blur, and draw slowly)."""
    xs = range(len(values))
    if len(values) <= 120:
        return ax.bar(xs, values, color=color, label=label, width=0.8)
    ax.fill_between(xs, values, step="mid", color=color, alpha=0.8)
    return ax.step(xs, values, where="mid", color=color, label=label)[0]


def _bar_collection(
    ax: Axes, values: Sequence[int], color: str, *, alpha: float, width: float
) -> None:
    """Vertical bars as one collection: the same picture as ``bar`` without an artist each."""
    from matplotlib.collections import PolyCollection

    half = width / 2
    heights = [float(v) for v in values]  # counts may arrive as Decimal (SQL sums)
    ax.add_collection(
        PolyCollection(
            [
                [(x - half, 0), (x - half, v), (x + half, v), (x + half, 0)]
                for x, v in enumerate(heights)
            ],
            facecolors=color,
            edgecolors="none",
            alpha=alpha,
        )
    )
    ax.set_ylim(0, max(heights, default=0.0) * 1.05 or 1)


def growth_chart(growth: Growth, labels: Labels) -> bytes:
    """New users per day (bars) and the running total (line, right axis)."""
    figure = _figure()
    if not growth.days or growth.total == 0:
        return _empty(figure, labels)
    figure.subplots_adjust(left=0.08, right=0.92, top=0.9, bottom=0.2)
    ax = figure.add_subplot()
    days = [d.day for d in growth.days]
    bars = _bars_or_steps(ax, [d.new_users for d in growth.days], BAR_COLOR, labels.series[0])
    _style(ax, labels)
    _day_ticks(ax, days)
    total_ax = ax.twinx()
    (line,) = total_ax.plot(
        range(len(days)),
        [d.total for d in growth.days],
        color=LINE_COLOR,
        linewidth=3,
        label=labels.series[1],
    )
    total_ax.tick_params(labelsize=TICK_PT)
    total_ax.set_ylim(bottom=0)
    total_ax.spines["top"].set_visible(False)
    ax.set_ylim(bottom=0)
    _integers(ax, total_ax)
    _legend_below(ax, [bars, line])
    return _png(figure)


def daily_chart(daily: Daily, labels: Labels) -> bytes:
    """Events per day (bars, right axis) under lines for the smaller daily counts."""
    figure = _figure()
    rows = daily.rows
    if not rows or not any(r.events or r.new_users or r.bookings or r.registrations for r in rows):
        return _empty(figure, labels)
    figure.subplots_adjust(left=0.08, right=0.92, top=0.9, bottom=0.2)
    ax = figure.add_subplot()
    events_ax = ax.twinx()
    xs = range(len(rows))
    _bar_collection(events_ax, [r.events for r in rows], MUTED, alpha=0.35, width=0.9)
    events_ax.tick_params(labelsize=TICK_PT, colors=MUTED)
    events_ax.set_ylabel(labels.series[2], fontsize=LABEL_PT, color=MUTED)
    ax.set_zorder(events_ax.get_zorder() + 1)
    ax.patch.set_visible(False)
    series = [
        ([r.new_users for r in rows], labels.series[0]),
        ([r.bookings for r in rows], labels.series[1]),
        ([r.registrations for r in rows], labels.series[3]),
        ([r.confirmations for r in rows], labels.series[4]),
    ]
    for (values, name), color in zip(series, PALETTE, strict=False):
        ax.plot(xs, values, color=color, linewidth=2.5, label=name)
    _style(ax, labels)
    _day_ticks(ax, [r.day for r in rows])
    ax.set_ylim(bottom=0)
    _integers(ax, events_ax)
    _legend_below(ax, ax.get_lines())
    return _png(figure)


def _horizontal_bars(
    figure: Figure,
    names: Sequence[str],
    values: Sequence[int],
    notes: Sequence[str],
    labels: Labels,
) -> bytes:
    figure.subplots_adjust(left=0.3, right=0.9, top=0.88, bottom=0.08)
    ax = figure.add_subplot()
    ys = range(len(names))
    ax.barh(ys, values, color=BAR_COLOR, height=0.7)
    ax.set_yticks(list(ys), list(names))
    ax.invert_yaxis()
    _style(ax, labels)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", alpha=0.3)
    top = max(values) or 1
    ax.set_xlim(0, top * 1.25)
    for y, value, note in zip(ys, values, notes, strict=True):
        ax.text(value + top * 0.01, y, note, va="center", fontsize=TICK_PT)
    return _png(figure)


def events_chart(top: TopEvents, labels: Labels, numbers: Sequence[str]) -> bytes:
    """The top event types as horizontal bars, counts beside them."""
    figure = _figure()
    if not top.rows:
        return _empty(figure, labels)
    return _horizontal_bars(
        figure, [r.event_type for r in top.rows], [r.count for r in top.rows], numbers, labels
    )


def funnel_chart(funnel: Funnel, labels: Labels, notes: Sequence[str]) -> bytes:
    """Funnel steps as horizontal bars with users and step conversion beside them."""
    figure = _figure()
    if not funnel.steps or funnel.steps[0][1] == 0:
        return _empty(figure, labels)
    return _horizontal_bars(figure, labels.series, [n for _, n in funnel.steps], notes, labels)


def retention_chart(retention: Retention, labels: Labels) -> bytes:
    """Cohorts (rows) × weeks since first appearance (columns): share active, as a heat map."""
    import numpy as np

    cohorts = [c for c in retention.cohorts if c.size > 0]
    figure = _figure()
    if not cohorts:
        return _empty(figure, labels)
    figure.subplots_adjust(left=0.17, right=0.97, top=0.88, bottom=0.12)
    width = max(len(c.active) for c in cohorts)
    grid = np.full((len(cohorts), width), np.nan)
    for row, cohort in enumerate(cohorts):
        for week, active in enumerate(cohort.active):
            grid[row, week] = active / cohort.size
    ax = figure.add_subplot()
    # One mesh of quads (no image resampling); rows top-down like an image.
    ax.pcolormesh(
        np.arange(width + 1) - 0.5,
        np.arange(len(cohorts) + 1) - 0.5,
        np.ma.masked_invalid(grid),
        cmap="YlGnBu",
        vmin=0,
        vmax=1,
    )
    ax.set_xlim(-0.5, width - 0.5)
    ax.set_ylim(len(cohorts) - 0.5, -0.5)
    for row in range(grid.shape[0]):
        for week in range(grid.shape[1]):
            share = grid[row, week]
            if not np.isnan(share):
                ax.text(
                    week,
                    row,
                    f"{share * 100:.0f}",
                    ha="center",
                    va="center",
                    fontsize=TICK_PT - 3,
                    color="white" if share > 0.55 else "black",
                )
    ax.set_xticks(range(width), [str(i) for i in range(width)])
    ax.set_yticks(range(len(cohorts)), [f"{c.week.strftime('%d.%m')} · {c.size}" for c in cohorts])
    ax.set_title(labels.title, fontsize=TITLE_PT, pad=14)
    ax.tick_params(labelsize=TICK_PT - 2)
    ax.set_xlabel(labels.x, fontsize=LABEL_PT)
    ax.set_ylabel(labels.y, fontsize=LABEL_PT)
    return _png(figure)
