"""The xlsx export, written with openpyxl: the summary with its charts, and the case rows.

A module of its own because openpyxl (and matplotlib, which draws the charts) would otherwise sit in
every process's memory: the console imports it only when a staff member asks for an xlsx export.
"""

from __future__ import annotations

import io
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence

from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot import texts
from bot.staff.charts import Chart, render
from bot.staff.reports import TRIAGE, Summary

IMAGE_ROWS = 25
"""Worksheet rows one embedded chart takes (450 px at the default 20 px a row, plus a gap)."""
MAX_COLUMN_WIDTH = 50


def export_xlsx(rows: list[dict[str, object]], summary: Summary, charts: Mapping[str, str]) -> bytes:
    """A workbook: the summary with the charts (redrawn as PNG) on "汇总", the rows on "案件明细"."""
    drawn = {key: Chart.from_svg(svg) for key, svg in charts.items()}
    workbook = Workbook()
    summary_sheet = workbook.active
    summary_sheet.title = texts.REPORT_SHEET_SUMMARY
    _write_summary(summary_sheet, summary, drawn)
    _write_cases(workbook.create_sheet(texts.REPORT_SHEET_CASES), rows)
    return _saved(workbook)


def platform_workbook(rows: list[list[object]]) -> bytes:
    """The 12315 hand-over: one row per case under the platform's columns (texts.PLATFORM_COLUMNS)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = texts.PLATFORM_SHEET
    _write_table(sheet, texts.PLATFORM_COLUMNS, rows)
    return _saved(workbook)


def incident_workbook(form: list[list[object]], steps: list[list[object]]) -> bytes:
    """The incident information report: its lines (label, value) on one sheet, the checklist on another."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = texts.INCIDENT_SHEET
    for number, (label, value) in enumerate(form, start=1):
        _put(sheet, number, [label, value])
        sheet.cell(row=number, column=1).font = Font(bold=True)
    _fit_columns(sheet)
    _write_table(workbook.create_sheet(texts.INCIDENT_STEPS_SHEET), texts.INCIDENT_STEP_COLUMNS, steps)
    return _saved(workbook)


def _write_table(sheet: Worksheet, header: Sequence[str], rows: list[list[object]]) -> None:
    """Rows under a bold, frozen header, columns fitted."""
    _put(sheet, 1, header, bold=True)
    for number, row in enumerate(rows, start=2):
        _put(sheet, number, row)
    sheet.freeze_panes = "A2"
    _fit_columns(sheet)


def _saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_summary(sheet: Worksheet, summary: Summary, charts: Mapping[str, Chart]) -> None:
    """Totals and count tables in columns A-B, the charts as PNG images to their right."""
    departments = charts.get("by_department")
    names = dict(zip(departments.keys, departments.labels, strict=True)) if departments else {}
    for number, (values, bold) in enumerate(_summary_lines(summary, names), start=1):
        _put(sheet, number, values, bold=bold)
    for index, chart in enumerate(charts.values()):
        image = Image(io.BytesIO(render(chart, "png")))
        image.anchor = f"D{1 + index * IMAGE_ROWS}"
        sheet.add_image(image)
    _fit_columns(sheet)


def _summary_lines(summary: Summary, department_names: Mapping[str, str]) -> list[tuple[list[object], bool]]:
    """The summary sheet's rows as (cells, bold); an empty row separates the tables."""
    period = texts.REPORT_SUMMARY_RANGE_VALUE.format(start=summary.start.isoformat(), end=summary.end.isoformat())
    lines: list[tuple[list[object], bool]] = [
        ([texts.REPORT_SUMMARY_TITLE], True),
        ([texts.REPORT_SUMMARY_RANGE, period], False),
        ([texts.REPORT_SUMMARY_TOTAL, summary.total], False),
        ([texts.REPORT_SUMMARY_DUE, summary.due_this_week], False),
        ([texts.REPORT_SUMMARY_OVERDUE, summary.overdue], False),
        ([texts.REPORT_SUMMARY_GROUPS, summary.groups], False),
    ]
    tables = (
        (texts.REPORT_SECTION_KIND, summary.by_kind.items(), texts.CASE_KINDS),
        (texts.REPORT_SECTION_STATUS, summary.by_status.items(), texts.CASE_STATUSES),
        (
            texts.REPORT_SECTION_DEPARTMENT,
            summary.by_department.items(),
            {**department_names, TRIAGE: texts.REPORT_TRIAGE_LABEL},
        ),
        (texts.REPORT_SECTION_DEMAND, summary.by_demand.items(), {}),
        (texts.REPORT_SECTION_FIELD, summary.by_field.items(), {}),
        (texts.REPORT_SECTION_HOTSPOTS, summary.hotspots, {}),
    )
    for title, counts, labels in tables:
        lines += [([], False), ([title, texts.REPORT_AXIS_COUNT], True)]
        lines += [([labels.get(key, key), count], False) for key, count in counts]
    return lines


def _write_cases(sheet: Worksheet, rows: list[dict[str, object]]) -> None:
    """The case rows under a bold, frozen header."""
    _put(sheet, 1, texts.REPORT_COLUMNS, bold=True)
    for number, row in enumerate(rows, start=2):
        _put(sheet, number, [row.get(column) for column in texts.REPORT_COLUMNS])
    amount = get_column_letter(texts.REPORT_COLUMNS.index("金额") + 1)
    for cell in sheet[amount][1:]:
        cell.number_format = "0.00"
    sheet.freeze_panes = "A2"
    _fit_columns(sheet)


def _put(sheet: Worksheet, row: int, values: Sequence[object], *, bold: bool = False) -> None:
    """Write one row; text is always stored as text, never as a formula."""
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column, value=value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"
        if bold:
            cell.font = Font(bold=True)


def _fit_columns(sheet: Worksheet) -> None:
    """Columns as wide as their widest value (Chinese characters count double), within a limit."""
    widths: defaultdict[str, int] = defaultdict(int)
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is not None:
                widths[cell.column_letter] = max(widths[cell.column_letter], _display_width(str(cell.value)))
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = min(width + 2, MAX_COLUMN_WIDTH)


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
