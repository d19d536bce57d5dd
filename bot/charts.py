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
from collections.abc import Callable, Sequence
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
HATCH = "///"  # an unfinished period: today's bar, the current week's cells
PARTIAL_ALPHA = 0.35
NUMBERED_UP_TO = 14  # bars this few get their value written above them
SIDE_MARGIN_PX = 16  # between the picture's edge and the longest row name

_thread = threading.local()  # each render thread's Agg renderer (see _png)


@dataclass(frozen=True)
class Labels:
    """Localised words a chart needs."""

    title: str
    empty: str  # drawn across an empty chart
    series: tuple[str, ...] = ()
    x: str = ""
    y: str = ""
    # The legend line for an unfinished last period ("сегодня — пока", "week in progress"),
    # drawn hatched; empty: every period shown is complete.
    partial: str = ""
    # A count as the admin's locale writes it ("1 500"), for the axes' ticks, so they read
    # like the figures on the bars; None: plain digits.
    number: Callable[[int], str] | None = None


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


def _integers(*axes: Axes, bins: int = 5, number: Callable[[int], str] | None = None) -> None:
    from matplotlib.ticker import MaxNLocator

    for ax in axes:
        # At most ~6 ticks: each costs a tick line, a grid line and a label to shape.
        ax.yaxis.set_major_locator(
            MaxNLocator(nbins=bins, steps=[1, 2, 5, 10], integer=True, min_n_ticks=1)
        )
        _count_ticks(ax.yaxis, number)
        if ax.get_ylim()[1] < 1:
            ax.set_ylim(0, 1)


def _count_ticks(axis: Any, number: Callable[[int], str] | None) -> None:
    """Write ``axis``'s ticks (whole counts) as the locale does: "1 500", not "1500"."""
    if number is None:
        return
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _: number(round(value))))


def _legend_below(ax: Axes, handles: Sequence[Any]) -> None:
    ax.legend(
        handles=list(handles),
        fontsize=TICK_PT,
        loc="upper center",
        frameon=False,
        bbox_to_anchor=(0.5, -0.1),
        ncol=len(handles) if len(handles) <= 3 else 2,
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


def _bars_or_steps(
    ax: Axes,
    values: Sequence[float],
    color: str,
    label: str,
    *,
    partial: bool = False,
    context: int = 0,
) -> Any:
    """Bars up to a few months; beyond, a filled step line (thin bars blur, and draw slowly).

    ``partial``: the last value is an unfinished period, drawn hatched beside the others.
    ``context``: the first values are only there for comparison, drawn muted.
    """
    heights = [float(v) for v in values]  # counts may arrive as Decimal (SQL sums)
    whole = heights[:-1] if partial else heights
    if len(values) <= 120:
        drawn = _bar_collection(ax, whole, color, alpha=1.0, width=0.8, label=label)
        if context:
            drawn.set_facecolors(
                [MUTED] * min(context, len(whole)) + [color] * (len(whole) - context)
            )
    else:
        # One filled patch and no outline: fill_between's collection is drawn as one huge
        # marker (~20 ms) and a stepped outline's ~800 corners take Agg ~9 ms to stroke.
        edges = [x - 0.5 for x in range(len(whole) + 1)]
        drawn = ax.stairs(whole, edges, fill=True, color=color, label=label)
    if partial and heights:
        _partial_bar(ax, len(heights) - 1, heights[-1], color, width=0.8)
    ax.set_ylim(0, max(heights, default=0.0) * 1.05 or 1)
    return drawn


def _partial_bar(ax: Axes, x: float, height: float, color: str, *, width: float) -> None:
    from matplotlib.patches import Rectangle

    ax.add_patch(
        Rectangle(
            (x - width / 2, 0),
            width,
            height,
            facecolor=(*_rgb(color), PARTIAL_ALPHA),
            edgecolor=color,
            hatch=HATCH,
            linewidth=1,
        )
    )


def _partial_handle(label: str, color: str = BAR_COLOR) -> Any:
    """The legend's swatch for an unfinished period."""
    from matplotlib.patches import Patch

    return Patch(
        facecolor=(*_rgb(color), PARTIAL_ALPHA), edgecolor=color, hatch=HATCH, label=label
    )


def _partial_key(figure: Figure, ax: Axes, x: float, y: float, label: str) -> None:
    """A legend line for the unfinished period at figure fraction (x, y): a hatched swatch
    and its words as glyph outlines (a Legend lays out text, ~10 ms a chart)."""
    from matplotlib.patches import Rectangle

    size_px = TICK_PT * DPI / 72
    w, h = 1.8 * size_px / WIDTH_PX, size_px / figure.bbox.height
    figure.add_artist(
        Rectangle(
            (x, y - h / 2),
            w,
            h,
            transform=figure.transFigure,
            facecolor=(*_rgb(MUTED), PARTIAL_ALPHA),
            edgecolor=MUTED,
            hatch=HATCH,
            linewidth=1,
        )
    )
    _notes(
        ax,
        [(x + w + 8 / WIDTH_PX, y)],
        [label],
        ["black"],
        size=TICK_PT,
        anchor="left",
        transform=figure.transFigure,
    )


def _swatch(label: str, color: str) -> Any:
    from matplotlib.patches import Patch

    return Patch(facecolor=color, label=label)


def _rgb(color: str) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    return to_rgb(color)


def _bar_collection(
    ax: Axes, values: Sequence[float], color: str, *, alpha: float, width: float, label: str = ""
) -> Any:
    """Vertical bars as one collection: the same picture as ``bar`` without an artist each."""
    from matplotlib.collections import PolyCollection

    half = width / 2
    heights = [float(v) for v in values]
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


def _numbers_on_bars(ax: Axes, values: Sequence[float], numbers: Sequence[str]) -> None:
    """Each bar's value above it, when the bars are few enough to read one by one."""
    if not numbers or len(values) > NUMBERED_UP_TO:
        return
    top = max((float(v) for v in values), default=0.0) or 1.0
    ax.set_ylim(0, top * 1.15)
    _notes(
        ax,
        [(x, float(v) + top * 0.05) for x, v in enumerate(values)],
        numbers,
        ["black"] * len(numbers),
        size=TICK_PT,
        anchor="centre",
    )


def growth_chart(
    growth: Growth, labels: Labels, numbers: Sequence[str] = (), context: int = 0
) -> bytes:
    """New users per day (bars) and the running total (line, right axis).

    ``labels.partial``: the last day is today, still going (hatched, with a legend line).
    ``numbers``: each day's count as the locale writes it, shown above bars when few.
    ``context``: the first days are drawn muted, for comparison with the asked ones
    (``labels.series[2]`` names them in the legend).
    """
    figure = _figure()
    if not growth.days or growth.total == 0:
        return _empty(figure, labels)
    figure.subplots_adjust(left=0.08, right=0.92, top=0.9, bottom=0.2)
    ax = figure.add_subplot()
    days = [d.day for d in growth.days]
    values = [d.new_users for d in growth.days]
    bars = _bars_or_steps(
        ax, values, BAR_COLOR, labels.series[0], partial=bool(labels.partial), context=context
    )
    _style(ax, labels)
    _day_ticks(ax, days)
    total_ax = ax.twinx()
    few = len(days) <= NUMBERED_UP_TO
    (line,) = total_ax.plot(
        range(len(days)),
        [d.total for d in growth.days],
        color=LINE_COLOR,
        linewidth=3,
        marker="o" if few else None,
        markersize=8,
        label=labels.series[1],
    )
    total_ax.tick_params(labelsize=TICK_PT)
    total_ax.set_ylim(bottom=0)
    total_ax.spines["top"].set_visible(False)
    ax.set_ylim(bottom=0)
    _integers(ax, total_ax, number=labels.number)
    _numbers_on_bars(ax, values, numbers)
    handles = [bars, line]
    if context:
        # the bars' own swatch would take the first (muted) colour
        handles[0] = _swatch(labels.series[0], BAR_COLOR)
        if len(labels.series) > 2:
            handles.append(_swatch(labels.series[2], MUTED))
    if labels.partial:
        handles.append(_partial_handle(labels.partial))
    _legend_below(ax, handles)
    return _png(figure)


DAILY_PANELS = 5  # one small chart per series of DAILY_SERIES, in a 3 × 2 grid


def daily_chart(daily: Daily, labels: Labels) -> bytes:
    """One small bar chart per daily figure, each on its own scale, sharing the days.

    Four lines on one axis tangle, and the small counts flatten under the big ones; one
    panel per figure reads at a glance. ``labels.series`` names the panels (in
    DAILY_SERIES order), ``labels.partial`` marks today's bars as unfinished.
    """
    figure = _figure()
    rows = daily.rows
    if not rows or not any(r.events or r.new_users or r.bookings or r.registrations for r in rows):
        return _empty(figure, labels)
    figure.subplots_adjust(left=0.07, right=0.98, top=0.88, bottom=0.08, hspace=0.45, wspace=0.14)
    grid = figure.add_gridspec(3, 2)
    days = [r.day for r in rows]
    series = [
        [r.new_users for r in rows],
        [r.bookings for r in rows],
        [r.events for r in rows],
        [r.registrations for r in rows],
        [r.confirmations for r in rows],
    ]
    first: Axes | None = None
    for index, (values, name, color) in enumerate(
        zip(series, labels.series, PALETTE, strict=False)
    ):
        ax = figure.add_subplot(grid[index // 2, index % 2], sharex=first)
        first = first or ax
        _bars_or_steps(ax, values, color, name, partial=bool(labels.partial))
        _integers(ax, bins=3, number=labels.number)
        ax.tick_params(labelsize=TICK_PT - 2)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.grid(axis="y", alpha=0.3)
        # The panel's name inside its top-left corner: no title row to lay out.
        _notes(
            ax,
            [(0.01, 1.06)],
            [name],
            [color],
            size=TICK_PT,
            anchor="left",
            transform=ax.transAxes,
        )
        bottom = index >= DAILY_PANELS - 2  # the lowest panel of each column
        if bottom:
            _day_ticks(ax, days, most=5)
        else:
            ax.tick_params(labelbottom=False)
    figure.suptitle(labels.title, fontsize=TITLE_PT, y=0.985)
    if labels.partial and first is not None:
        _partial_key(figure, first, 0.58, 0.2, labels.partial)  # the free sixth cell
    return _png(figure)


def _horizontal_bars(
    figure: Figure,
    names: Sequence[str],
    values: Sequence[int],
    notes: Sequence[str],
    labels: Labels,
) -> bytes:
    # Room on the left for the longest row name, whatever the language ("получил(а)
    # напоминание об уроке" is twice as long as "viewed a programme"); a fixed margin clips it.
    widest = max(_glyphs(name, TICK_PT, "right")[1] for name in names)
    left = (widest + TICK_GAP_PT / 72 * DPI + SIDE_MARGIN_PX) / WIDTH_PX
    figure.subplots_adjust(left=max(left, 0.12), right=0.9, top=0.88, bottom=0.08)
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
    _count_ticks(ax.xaxis, labels.number)
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
    """The top event types as horizontal bars, counts beside them; ``labels.series`` names
    the rows (the codes themselves unless it names each)."""
    figure = _figure()
    if not top.rows:
        return _empty(figure, labels)
    named = len(labels.series) == len(top.rows)
    names = list(labels.series) if named else [r.event_type for r in top.rows]
    return _horizontal_bars(figure, names, [r.count for r in top.rows], numbers, labels)


def funnel_chart(funnel: Funnel, labels: Labels, notes: Sequence[str]) -> bytes:
    """Funnel steps as horizontal bars with users and step conversion beside them."""
    figure = _figure()
    if not funnel.steps or funnel.steps[0][1] == 0:
        return _empty(figure, labels)
    return _horizontal_bars(figure, labels.series, [n for _, n in funnel.steps], notes, labels)


def retention_chart(retention: Retention, labels: Labels) -> bytes:
    """Cohorts (rows) × weeks since first appearance (columns): share active, as a heat map.

    ``labels.partial``: each cohort's last week is the current one, still going; its cell is
    hatched and left without a colour or figure (a few days in, it would read as a collapse),
    with a legend line.
    """
    import numpy as np

    cohorts = [c for c in retention.cohorts if c.size > 0]
    figure = _figure()
    if not cohorts:
        return _empty(figure, labels)
    figure.subplots_adjust(
        left=0.17, right=0.97, top=0.88, bottom=0.16 if labels.partial else 0.12
    )
    width = max(len(c.active) for c in cohorts)
    grid = np.full((len(cohorts), width), np.nan)
    unfinished: list[tuple[int, int]] = []  # (week, row)
    for row, cohort in enumerate(cohorts):
        for week, active in enumerate(cohort.active):
            grid[row, week] = active / cohort.size
        if labels.partial and cohort.active:
            unfinished.append((len(cohort.active) - 1, row))
            grid[row, len(cohort.active) - 1] = np.nan
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
    if unfinished:
        from matplotlib.collections import PolyCollection

        ax.add_collection(
            PolyCollection(
                [
                    [
                        (x - 0.5, y - 0.5),
                        (x - 0.5, y + 0.5),
                        (x + 0.5, y + 0.5),
                        (x + 0.5, y - 0.5),
                    ]
                    for x, y in unfinished
                ],
                facecolors="none",
                edgecolors=MUTED,
                hatch=HATCH,
                linewidths=0,
            ),
            autolim=False,
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
    if unfinished:
        _partial_key(figure, ax, 0.62, 0.035, labels.partial)
    return _png(figure)
