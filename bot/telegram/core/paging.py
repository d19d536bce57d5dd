"""Long lists in pages that fit one message: its text and its buttons (pure functions).

A page is a run of consecutive items: at most ``most`` of them (so the buttons stay under
``MAX_INLINE_BUTTONS``) and, when the page has a text, as many as its rendering fits in
``MAX_TEXT_CHARS``. The same list always splits the same way, so a page number in a button
shows the same items when pressed, unless the list changed meanwhile (then the page is
clamped to the ones there are).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.limits import MAX_TEXT_CHARS

T = TypeVar("T")

# The page numbers a page's text is measured with: wider than any list's real ones.
WIDEST_PAGE_NUMBER = 99_999


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items, which page it is (from 0) of how many."""

    items: tuple[T, ...]
    number: int
    count: int
    start: int  # the position of the first item in the whole list

    @property
    def has_previous(self) -> bool:
        return self.number > 0

    @property
    def has_next(self) -> bool:
        return self.number + 1 < self.count


def split(
    items: Sequence[T],
    most: int,
    render: Callable[[Sequence[T]], str] | None = None,
    limit: int = MAX_TEXT_CHARS,
) -> list[range]:
    """The pages of ``items``, as ranges of positions (an empty list has one empty page).

    ``render`` gives the text of a page holding some items (measured with the widest page
    numbers); counting its HTML source is safe, since tags and entities only shrink when
    Telegram parses them. An item too long for a page alone still gets a page of its own:
    the views keep every item short.
    """
    pages: list[range] = []
    start = 0
    while start < len(items):
        end = start + 1
        while (
            end < len(items)
            and end - start < most
            and (render is None or len(render(items[start : end + 1])) <= limit)
        ):
            end += 1
        pages.append(range(start, end))
        start = end
    return pages or [range(0, 0)]


def page(
    items: Sequence[T],
    number: int,
    most: int,
    render: Callable[[Sequence[T]], str] | None = None,
) -> Page[T]:
    """Page ``number`` of ``items`` (clamped to the pages there are)."""
    pages = split(items, most, render)
    number = min(max(number, 0), len(pages) - 1)
    run = pages[number]
    return Page(tuple(items[run.start : run.stop]), number, len(pages), run.start)


def page_of(
    items: Sequence[T],
    index: int,
    most: int,
    render: Callable[[Sequence[T]], str] | None = None,
) -> int:
    """The number of the page that shows ``items[index]`` (the last page, past the end)."""
    pages = split(items, most, render)
    return next((n for n, run in enumerate(pages) if index in run), len(pages) - 1)
