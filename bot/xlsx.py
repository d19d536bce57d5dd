"""A streaming XLSX writer: one worksheet, rows appended as they come, never held whole.

Why not openpyxl (or XlsxWriter): an export of a week of events at 1M events (~40k rows)
took openpyxl's write-only mode 3.4 s and XlsxWriter's constant-memory mode 1.6 s on this
machine, against a 2 s budget for the whole answer; what a person's spreadsheet needs here is
small (text, numbers, dates, one bold header row, column widths, a frozen header and a filter),
and writing that SpreadsheetML directly takes a tenth of the time. Files are read back with
openpyxl in the tests, as Excel and LibreOffice read them.

Cells: ``None`` is empty; ``int``/``float``/``Decimal`` a number; ``bool`` TRUE/FALSE; ``str``
an inline string (so "=1+1" stays text: no formula, no CSV-style injection); ``datetime``
(naive, local) and ``date`` a serial number shown with the given formats.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

CELL_CHARS = 32767  # what one cell holds
_EPOCH = datetime(1899, 12, 30)  # Excel's day 0 (the 1900 date system, leap-year bug included)
_EPOCH_DAY = _EPOCH.date().toordinal()
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML 1.0
# cellXfs indexes in styles.xml below
_BOLD, _MOMENT, _DATE = 1, 2, 3

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/worksheets/sheet1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
<Override PartName="/xl/styles.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
</Types>"""
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" \
Target="xl/workbook.xml"/></Relationships>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" \
Target="worksheets/sheet1.xml"/>\
<Relationship Id="rId2" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" \
Target="styles.xml"/></Relationships>"""
_MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_RELS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def clean_text(value: str) -> str:
    """What a cell can hold of ``value``: no characters XML forbids, at most CELL_CHARS."""
    if not value.isprintable():  # rare: only then look for control characters
        value = _ILLEGAL.sub("", value)
    return value[:CELL_CHARS]


def _text_cell(ref: str, text: str, style: str = "") -> str:
    """An inline-string cell (text stays text: no formula, whatever it starts with)."""
    return (
        f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">'
        f"{escape(clean_text(text))}</t></is></c>"
    )


def _styles(moment_format: str, date_format: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet {_MAIN}>'
        f'<numFmts count="2"><numFmt numFmtId="164" formatCode={quoteattr(moment_format)}/>'
        f'<numFmt numFmtId="165" formatCode={quoteattr(date_format)}/></numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        "</cellXfs>"
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


def _workbook(title: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {_MAIN} {_RELS}>'
        f'<sheets><sheet name={quoteattr(title)} sheetId="1" r:id="rId1"/></sheets>'
        # the filter's range, as Excel itself records an autoFilter
        '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
        "{filter}</definedName></definedNames></workbook>"
    )


class SheetWriter:
    """Write ``path`` as a one-sheet workbook: :meth:`start` with the header and column
    widths, :meth:`append` rows, then :meth:`close` (or :meth:`abandon`)."""

    def __init__(self, path: Path, title: str, *, moment_format: str, date_format: str) -> None:
        self.path = path
        self.title = clean_text(title)[:31] or "Sheet1"
        self.moment_format = moment_format
        self.date_format = date_format
        self.file: IO[bytes] = path.open("wb")
        # deflate level 1: 3.6× faster than the default 6 on a sheet's XML, the file 9 % bigger
        self.zip = zipfile.ZipFile(self.file, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self.sheet: IO[bytes] | None = None
        self.columns = 0
        self.rows = 0
        self.letters: list[str] = []

    def start(self, header: Sequence[str], widths: Sequence[float]) -> None:
        """The bold, frozen header row and the columns' widths (in characters)."""
        self.columns = len(header)
        self.letters = [column_letter(i + 1) for i in range(self.columns)]
        self.sheet = self.zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{width:.2f}" customWidth="1"/>'
            for i, width in enumerate(widths, 1)
        )
        self._put(
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_MAIN} {_RELS}>'
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{cols}</cols>" if cols else "")
            + "<sheetData>"
        )
        self.rows = 1
        cells = "".join(
            _text_cell(f"{letter}1", text, f' s="{_BOLD}"')
            for letter, text in zip(self.letters, header, strict=True)
        )
        self._put(f'<row r="1">{cells}</row>')

    def append(self, rows: Iterable[Sequence[Any]]) -> None:
        """Rows of cells (see the module's docstring for the types)."""
        parts: list[str] = []
        add = parts.append
        letters = self.letters
        number = self.rows
        for row in rows:
            number += 1
            n = str(number)
            add(f'<row r="{n}">')
            for letter, value in zip(letters, row, strict=True):
                if value is None:
                    continue
                kind = type(value)
                if kind is str:
                    add(_text_cell(f"{letter}{n}", value))
                elif kind is int or kind is float:
                    add(f'<c r="{letter}{n}"><v>{value!r}</v></c>')
                elif kind is datetime:
                    serial = (value - _EPOCH).total_seconds() / 86400
                    add(f'<c r="{letter}{n}" s="{_MOMENT}"><v>{serial!r}</v></c>')
                elif kind is date:
                    serial = value.toordinal() - _EPOCH_DAY
                    add(f'<c r="{letter}{n}" s="{_DATE}"><v>{serial}</v></c>')
                elif kind is Decimal and value.is_finite():
                    add(f'<c r="{letter}{n}"><v>{value}</v></c>')
                elif kind is bool:
                    add(f'<c r="{letter}{n}" t="b"><v>{int(value)}</v></c>')
                else:
                    add(_text_cell(f"{letter}{n}", str(value)))
            add("</row>")
        self.rows = number
        self._put("".join(parts))

    def written(self) -> int:
        """Bytes of the file so far (compressed; the compressor holds back a few KB)."""
        return self.file.tell()

    def close(self) -> int:
        """Finish the workbook; return the file's size."""
        last = self.letters[-1] if self.letters else "A"
        area = f"A1:{last}{self.rows}"
        self._put(f'</sheetData><autoFilter ref="{area}"/></worksheet>')
        assert self.sheet is not None
        self.sheet.close()
        quoted = "'" + self.title.replace("'", "''") + "'"
        absolute = f"{quoted}!$A$1:${last}${self.rows}"
        parts = {
            "[Content_Types].xml": _CONTENT_TYPES,
            "_rels/.rels": _ROOT_RELS,
            "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
            "xl/workbook.xml": _workbook(self.title).replace("{filter}", escape(absolute)),
            "xl/styles.xml": _styles(self.moment_format, self.date_format),
        }
        for name, text in parts.items():
            self.zip.writestr(name, text)
        self.zip.close()
        self.file.close()
        return self.path.stat().st_size

    def abandon(self) -> None:
        """Stop and leave nothing behind."""
        try:
            if self.sheet is not None:
                self.sheet.close()
            self.zip.close()
        finally:
            self.file.close()
            self.path.unlink(missing_ok=True)

    def _put(self, text: str) -> None:
        assert self.sheet is not None
        self.sheet.write(text.encode("utf-8"))
