"""A broadcast's recipients as the chat's CSV, written by the database server.

The chat's export (:meth:`BroadcastService.export_csv`) turns each recipient into cells in
Python: ~0.3 s for 100k recipients, too slow for a page's download. Here ``COPY … TO STDOUT
CSV`` writes the same cells (web.sql's ``web_broadcast_csv`` applies bot.csvcells' rules in
SQL), and the file gets what Python's csv module adds: the BOM and CRLF line ends. The bytes
are the chat's (tests/test_web.py compares them on awkward values).
"""

from __future__ import annotations

from bot.broadcast import BroadcastService
from bot.csvcells import FORMULA_START
from bot.db.queries import QUERIES

BOM = "\ufeff".encode()
FORMULA_CODES = sorted(ord(c) for c in FORMULA_START)


async def broadcast_csv(broadcasts: BroadcastService, bid: int) -> bytes:
    """The broadcast's recipients, byte for byte the chat's CSV export of them."""
    chunks: list[bytes] = []

    async def collect(chunk: bytes) -> None:
        chunks.append(chunk)

    query, *args = QUERIES.web_broadcast_csv(
        message_id=bid, formula_codes=FORMULA_CODES, formula_max=FORMULA_CODES[-1]
    )
    async with broadcasts.pool.acquire() as conn, conn.transaction(readonly=True):
        await conn.execute(*QUERIES.web_csv_timezone(tz=broadcasts.settings.tz.key))
        status = await conn.copy_from_query(
            query, *args, output=collect, format="csv", header=True
        )
    data = b"".join([BOM, *chunks])
    return crlf_line_ends(data, lines=int(status.rsplit(" ", 1)[1]) + 1)  # "COPY <rows>"


def crlf_line_ends(data: bytes, lines: int) -> bytes:
    """COPY's LF line ends as CRLF (Python's csv writes those), leaving a line break inside a
    quoted cell as it is (Python's csv does too); ``lines`` is how many the file has."""
    crlf = data.replace(b"\n", b"\r\n")
    if len(crlf) - len(data) == lines:  # every LF ends a line: no cell holds one
        return crlf
    # Between quotes or not: each '"' toggles (a doubled "" inside a cell toggles twice).
    pieces = data.split(b'"')
    pieces[::2] = [piece.replace(b"\n", b"\r\n") for piece in pieces[::2]]
    return b'"'.join(pieces)
