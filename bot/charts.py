"""Analytics dataclasses → PNG bytes (matplotlib ``Figure`` on the Agg canvas; no aiogram).

Never pyplot: it keeps global state and is not thread-safe, and handlers render in
``asyncio.to_thread`` so the event loop keeps answering while a chart draws. matplotlib is
imported inside the functions, so `hsl-bot db` and `hsl-bot seed` never load it. Every label
arrives from the caller already in the admin's language.
"""

from __future__ import annotations

import functools
import io
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from bot.analytics.models import Daily, Funnel, Growth, Retention, TopEvents

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.path import Path
    from matplotlib.transforms import Transform

WIDTH_PX = 1280
HEIGHT_PX = 720
DPI = 100
# Sizes in points at 1280 px: a phone shows the picture ~3× smaller, so these stay legible.
TITLE_PT = 24
LABEL_PT = 18
TICK_PT = 16
TICK_GAP_PT = 8.0  # from an axis to its row names: a tick (3.5 pt), its pad (3.5 pt), a margin
BAR_COLOR = "#4C78A8"
LINE_COLOR = "#E45756"
MUTED = "#9AA5B1"
PALETTE = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#B279A2")

_thread = threading.local()  # each render thread's Agg renderer (see _png)


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
    """Draw on this thread's renderer and encode the pixels as PNG.

    One Agg renderer per worker thread, kept between charts: matplotlib caches text
    measurements per renderer, so tick labels, titles and numbers drawn before are not laid
    out again (text is most of a chart's cost). No savefig: it adds no pixel here.
    """
    from matplotlib.backends.backend_agg import RendererAgg
    from PIL import Image

    width, height = (round(side) for side in figure.bbox.size)
    renderer: RendererAgg | None = getattr(_thread, "renderer", None)
    if renderer is None or (renderer.width, renderer.height) != (width, height):
        renderer = _thread.renderer = RendererAgg(width, height, DPI)
    renderer.clear()
    figure.draw(renderer)
    image = Image.frombuffer("RGBA", (width, height), renderer.buffer_rgba(), "raw", "RGBA", 0, 1)
    buffer = io.BytesIO()
    # zlib level 1: a chart PNG is ~20% larger but encodes several times faster.
    image.save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def _title(ax: Axes, title: str) -> None:
    # y given: matplotlib then skips measuring every axis of the figure (twins too) on each
    # draw to lift the title above top ticks, which these charts never have.
    ax.set_title(title, fontsize=TITLE_PT, pad=14, y=1.0)


def _style(ax: Axes, labels: Labels) -> None:
    _title(ax, labels.title)
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
    _title(ax, labels.title)
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
        # At most ~6 ticks: each costs a tick line, a grid line and a label to shape.
        ax.yaxis.set_major_locator(
            MaxNLocator(nbins=5, steps=[1, 2, 5, 10], integer=True, min_n_ticks=1)
        )
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


Anchor = Literal["centre", "left", "right"]


@functools.lru_cache(maxsize=1024)
def _glyphs(text: str, size: float, anchor: Anchor) -> tuple[Path, float]:
    """``text``'s outline in pixels around its anchor point (its centre, left or right end),
    and its width in pixels.

    Vertically the middle of a digit is on the anchor, so labels in a row share a baseline.
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath
    from matplotlib.transforms import Affine2D

    font = FontProperties(size=size)
    digit = TextPath((0, 0), "0", prop=font).get_extents()
    outline = TextPath((0, 0), text, prop=font)
    extents = outline.get_extents()
    dx = {"centre": -(extents.x0 + extents.x1) / 2, "left": 0.0, "right": -extents.x1}[anchor]
    dy = -(digit.y0 + digit.y1) / 2
    pixels = Affine2D().translate(dx, dy).scale(DPI / 72)
    return outline.transformed(pixels), extents.width * DPI / 72


def _notes(
    ax: Axes,
    anchors: Sequence[tuple[float, float]],
    texts: Sequence[str],
    colors: Sequence[str],
    *,
    size: float,
    anchor: Anchor,
    transform: Transform | None = None,
) -> float:
    """Short labels at points (data coordinates unless ``transform``), drawn as one collection
    of glyph outlines; return the widest one's width in pixels.

    A ``Text`` each would cost ~0.3 ms plus ~0.07 ms a letter to shape and rasterise
    (matplotlib 3.11 lays out every string with libraqm): 78 heat-map cells took 35 ms, one
    PathCollection of the same DejaVu glyphs takes 2. Outlines are cached per string.
    """
    from matplotlib.collections import PathCollection
    from matplotlib.transforms import IdentityTransform

    outlines = [_glyphs(text, size, anchor) for text in texts]
    if not outlines:
        return 0.0
    notes = PathCollection(
        [outline for outline, _ in outlines],
        offsets=list(anchors),
        offset_transform=ax.transData if transform is None else transform,
        transform=IdentityTransform(),
        facecolors=list(colors),
        edgecolors="none",
        zorder=3,
        clip_on=False,
    )
    ax.add_collection(notes, autolim=False)
    return max(width for _, width in outlines)


def _row_names(ax: Axes, rows: Sequence[str], *, size: float, axis_label: str = "") -> None:
    """Name row ``i`` (at y = i) left of the axes, where y tick labels go, as glyph outlines;
    the y axis label, if any, left of the widest name."""
    from matplotlib.transforms import ScaledTranslation, blended_transform_factory

    gap = TICK_GAP_PT / 72  # inches
    beside = blended_transform_factory(ax.transAxes, ax.transData) + ScaledTranslation(
        -gap, 0, ax.figure.dpi_scale_trans
    )
    ax.set_yticks(range(len(rows)), [""] * len(rows))
    widest = _notes(
        ax,
        [(0, y) for y in range(len(rows))],
        rows,
        ["black"] * len(rows),
        size=size,
        anchor="right",
        transform=beside,
    )
    if axis_label:
        ax.set_ylabel(axis_label, fontsize=LABEL_PT)
        axes_px = ax.get_position().width * WIDTH_PX
        ax.yaxis.set_label_coords(-(widest + 2 * gap * DPI) / axes_px, 0.5)


def _day_ticks(ax: Axes, days: Sequence[date], *, most: int = 10) -> None:
    step = max(1, math.ceil(len(days) / most))
    positions = list(range(0, len(days), step))
    shape = "%d.%m.%y" if days and days[0].year != days[-1].year else "%d.%m"
    ax.set_xticks(positions, [days[i].strftime(shape) for i in positions])
    ax.set_xlim(-0.6, len(days) - 0.4)


def _bars_or_steps(ax: Axes, values: Sequence[int], color: str, label: str) -> Any:
    """Bars up to a few months; beyond, a filled step line (thin bars blur, and draw slowly)."""
    if len(values) <= 120:
        return _bar_collection(ax, values, color, alpha=1.0, width=0.8, label=label)
    # One filled patch and no outline: fill_between's collection is drawn as one huge marker
    # (~20 ms) and a stepped outline's ~800 corners take Agg ~9 ms to stroke.
    heights = [float(v) for v in values]
    edges = [x - 0.5 for x in range(len(values) + 1)]
    return ax.stairs(heights, edges, fill=True, color=color, label=label)


def _bar_collection(
    ax: Axes, values: Sequence[int], color: str, *, alpha: float, width: float, label: str = ""
) -> Any:
    """Vertical bars as one collection: the same picture as ``bar`` without an artist each."""
    from matplotlib.collections import PolyCollection

    half = width / 2
    heights = [float(v) for v in values]  # counts may arrive as Decimal (SQL sums)
    bars = PolyCollection(
        [
            [(x - half, 0), (x - half, v), (x + half, v), (x + half, 0)]
            for x, v in enumerate(heights)
        ],
        facecolors=color,
        edgecolors="none",
        alpha=alpha,
        label=label,
    )
    ax.add_collection(bars)
    ax.set_ylim(0, max(heights, default=0.0) * 1.05 or 1)
    return bars


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
    ax.invert_yaxis()
    _row_names(ax, names, size=TICK_PT)
    _style(ax, labels)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", alpha=0.3)
    top = max(values) or 1
    ax.set_xlim(0, top * 1.25)
    _notes(
        ax,
        [(value + top * 0.01, y) for y, value in zip(ys, values, strict=True)],
        notes,
        ["black"] * len(notes),
        size=TICK_PT,
        anchor="left",
    )
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
    cells = [(week, row) for row, week in zip(*np.nonzero(~np.isnan(grid)), strict=True)]
    shares = [grid[row, week] for week, row in cells]
    _notes(
        ax,
        cells,
        [f"{share * 100:.0f}" for share in shares],
        ["white" if share > 0.55 else "black" for share in shares],
        size=TICK_PT - 3,
        anchor="centre",
    )
    ax.set_xticks(range(width), [str(i) for i in range(width)])
    _title(ax, labels.title)
    ax.tick_params(labelsize=TICK_PT - 2)
    _row_names(
        ax,
        [f"{c.week.strftime('%d.%m')} · {c.size}" for c in cohorts],
        size=TICK_PT - 2,
        axis_label=labels.y,
    )
    ax.set_xlabel(labels.x, fontsize=LABEL_PT)
    return _png(figure)
