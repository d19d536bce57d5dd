"""bot/xlsx.py's workbooks, read back with openpyxl as a spreadsheet program reads them."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

from openpyxl import load_workbook

from bot.xlsx import CELL_CHARS, SheetWriter, column_letter


def write(path: Path, header: list[str], rows: list[list[object]], title: str = "Лист") -> int:
    writer = SheetWriter(path, title, moment_format="DD.MM.YYYY HH:MM", date_format="DD.MM.YYYY")
    writer.start(header, [12.0] * len(header))
    half = len(rows) // 2
    writer.append(rows[:half])  # in batches, as the export streams them
    writer.append(rows[half:])
    return writer.close()


def test_every_kind_of_cell_reads_back_as_written(tmp_path: Path) -> None:
    path = tmp_path / "people.xlsx"
    rows: list[list[object]] = [
        [1, "Анна & <Боб>", datetime(2026, 11, 30, 19, 5, 12), date(2026, 12, 1), Decimal("12.5")],
        [2, '=HYPERLINK("http://evil")', None, None, 0.25],
        [3, "  spaced  ", datetime(1999, 12, 31, 23, 59, 59), date(1900, 3, 1), True],
        [4, "bell\x07name\x00", datetime(2026, 1, 1), date(2026, 1, 1), -7],
        [5, "x" * (CELL_CHARS + 10), None, None, None],
    ]
    size = write(path, ["№", "Имя", "Когда", "День", "Число"], rows, title="События 'все'")
    assert size == path.stat().st_size

    book = load_workbook(path)
    sheet = book.active
    assert sheet.title == "События 'все'"
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("№", "Имя", "Когда", "День", "Число")
    assert values[1] == (1, "Анна & <Боб>", datetime(2026, 11, 30, 19, 5, 12),
                         datetime(2026, 12, 1), 12.5)  # fmt: skip
    # a formula-looking name stays the text it is
    assert values[2] == (2, '=HYPERLINK("http://evil")', None, None, 0.25)
    assert sheet["B3"].data_type == "s"
    assert values[3] == (3, "  spaced  ", datetime(1999, 12, 31, 23, 59, 59),
                         datetime(1900, 3, 1), True)  # fmt: skip
    assert values[4][1] == "bellname"  # characters XML cannot hold are dropped
    assert values[5][1] == "x" * CELL_CHARS  # what one cell holds

    assert sheet["C2"].number_format == "DD.MM.YYYY HH:MM"
    assert sheet["D2"].number_format == "DD.MM.YYYY"
    assert all(cell.font.b for cell in sheet[1]) and not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:E6"
    assert sheet.column_dimensions["C"].width == 12


def test_the_file_is_a_well_formed_package(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    write(path, ["a", "b"], [])
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None
        for name in package.namelist():
            ElementTree.fromstring(package.read(name))  # every part parses as XML
    assert list(load_workbook(path).active.iter_rows(values_only=True)) == [("a", "b")]


def test_an_abandoned_workbook_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "stopped.xlsx"
    writer = SheetWriter(path, "x", moment_format="YYYY-MM-DD HH:MM", date_format="YYYY-MM-DD")
    writer.start(["a"], [5.0])
    writer.append([["row"]] * 1000)
    assert writer.written() >= 0
    writer.abandon()
    assert not path.exists()


def test_column_letters() -> None:
    assert [column_letter(n) for n in (1, 26, 27, 52, 53, 702, 703)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"
    ]  # fmt: skip
