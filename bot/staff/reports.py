"""Campaign statistics for staff: a summary of the cases in a date range, charts and exports.

Reports and exports read only `cases`: the identities in `case_parties` (names, phones, addresses) and
the channel user ids never leave the database through them. Dates are UTC, like every stored time.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
import warnings
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from math import ceil
from typing import Any

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator
from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import ColumnElement, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from bot.complaints.models import CaseRow

TRIAGE = "triage"
"""The by_department key (and export code) of cases still waiting in the triage queue."""
RECEIVED = "received"
HOTSPOT_LIMIT = 10
WEEK_DAYS = 7
CJK_FONTS = ("Noto Sans CJK SC", "WenQuanYi Zen Hei", "Source Han Sans SC", "SimHei")
CHART_INCHES = (8.0, 4.5)
PNG_DPI = 100
IMAGE_ROWS = 25
"""Worksheet rows one embedded chart takes (450 px at the default 20 px a row, plus a gap)."""
LABEL_CHARS = 20
"""Longer chart labels (business names) are cut so that the plot keeps its room."""
DAY_TICKS = 16
"""At most this many dates are written under the daily chart."""
MAX_COLUMN_WIDTH = 50
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""Text a spreadsheet would run as a formula (CSV injection): citizens type the business names."""
DUBLIN_CORE_DESCRIPTION = "{http://purl.org/dc/elements/1.1/}description"


@dataclass(frozen=True)
class Summary:
    """Counts of the cases received in [start, end] (UTC dates), for a campaign report."""

    start: date
    end: date
    total: int
    by_day: list[tuple[date, int]]
    by_kind: dict[str, int]
    by_status: dict[str, int]
    by_department: dict[str, int]
    by_demand: dict[str, int]
    hotspots: list[tuple[str, int]]
    due_this_week: int
    overdue: int
    groups: int


@dataclass(frozen=True)
class _Chart:
    """What one chart shows; stored in its SVG so that the workbook can draw the same chart as PNG."""

    title: str
    keys: tuple[str, ...]
    labels: tuple[str, ...]
    values: tuple[int, ...]
    horizontal: bool
    axis: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_svg(cls, svg: str) -> _Chart:
        """The chart data that chart_svgs wrote into the SVG's Dublin Core description."""
        description = ET.fromstring(svg.encode("utf-8")).find(f".//{DUBLIN_CORE_DESCRIPTION}")
        if description is None or not description.text:
            raise ValueError("not a chart made by chart_svgs")
        data: dict[str, Any] = json.loads(description.text)
        return cls(
            data["title"],
            tuple(data["keys"]),
            tuple(data["labels"]),
            tuple(data["values"]),
            data["horizontal"],
            data["axis"],
        )


async def summarize(session: AsyncSession, start: date, end: date, *, today: date) -> Summary:
    """Count the cases received from start to end (UTC dates, inclusive); deadlines are judged on `today`."""
    columns = (
        CaseRow.received_at,
        CaseRow.kind,
        CaseRow.status,
        CaseRow.department_code,
        CaseRow.demand,
        CaseRow.business_key,
        CaseRow.business_name,
        CaseRow.due_on,
        CaseRow.group_id,
    )
    rows = (await session.execute(select(*columns).where(*_received_between(start, end)))).all()
    per_day = Counter(_as_utc(row.received_at).date() for row in rows)
    open_due = [row.due_on for row in rows if row.status == RECEIVED]
    week_end = today + timedelta(days=WEEK_DAYS - 1)
    return Summary(
        start=start,
        end=end,
        total=len(rows),
        by_day=[(day, per_day[day]) for day in _days(start, end)],
        by_kind=_count(row.kind for row in rows),
        by_status=_count(row.status for row in rows),
        by_department=_count(row.department_code or TRIAGE for row in rows),
        by_demand=_count(row.demand or texts.REPORT_DEMAND_MISSING for row in rows),
        hotspots=_hotspots(rows),
        due_this_week=sum(today <= due <= week_end for due in open_due),
        overdue=sum(due < today for due in open_due),
        groups=len({row.group_id for row in rows if row.group_id is not None}),
    )


def chart_svgs(summary: Summary, department_names: Mapping[str, str]) -> dict[str, str]:
    """The summary's charts as SVG documents with Chinese titles and labels, keyed by chart name."""
    return {key: _render(chart, "svg").decode("utf-8") for key, chart in _charts(summary, department_names).items()}


async def export_rows(session: AsyncSession, start: date, end: date) -> list[dict[str, object]]:
    """One row per case received from start to end (UTC dates), oldest first, without any identity."""
    columns = (
        CaseRow.ticket,
        CaseRow.kind,
        CaseRow.status,
        CaseRow.department_code,
        CaseRow.business_name,
        CaseRow.demand,
        CaseRow.amount,
        CaseRow.received_at,
        CaseRow.due_on,
        CaseRow.due_provisional,
        CaseRow.group_id,
    )
    query = select(*columns).where(*_received_between(start, end)).order_by(CaseRow.received_at, CaseRow.id)
    return [_export_row(row) for row in (await session.execute(query)).all()]


def export_csv(rows: list[dict[str, object]]) -> str:
    """The rows as CSV text with a header; the caller encodes it as "utf-8-sig" so that Excel reads it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(texts.REPORT_COLUMNS)
    writer.writerows([_csv_cell(row.get(column)) for column in texts.REPORT_COLUMNS] for row in rows)
    return buffer.getvalue()


def export_xlsx(rows: list[dict[str, object]], summary: Summary, charts: Mapping[str, str]) -> bytes:
    """A workbook: the summary with the charts (redrawn as PNG) on "汇总", the rows on "案件明细"."""
    drawn = {key: _Chart.from_svg(svg) for key, svg in charts.items()}
    workbook = Workbook()
    summary_sheet = workbook.active
    summary_sheet.title = texts.REPORT_SHEET_SUMMARY
    _write_summary(summary_sheet, summary, drawn)
    _write_cases(workbook.create_sheet(texts.REPORT_SHEET_CASES), rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _received_between(start: date, end: date) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The conditions for received_at within the UTC days start..end."""
    if end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    first = datetime.combine(start, time(), UTC)
    after = datetime.combine(end + timedelta(days=1), time(), UTC)
    return CaseRow.received_at >= first, CaseRow.received_at < after


def _as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


def _count(values: Iterable[str]) -> dict[str, int]:
    """Occurrences of each value, the most frequent first."""
    return dict(sorted(Counter(values).items(), key=lambda item: (-item[1], item[0])))


def _hotspots(rows: Sequence[Row[Any]]) -> list[tuple[str, int]]:
    """The businesses with most cases (grouped by business_key), shown by their most common name."""
    names: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        names[row.business_key][row.business_name] += 1
    ranked = [(counter.most_common(1)[0][0], counter.total()) for counter in names.values()]
    return sorted(ranked, key=lambda item: (-item[1], item[0]))[:HOTSPOT_LIMIT]


def _charts(summary: Summary, department_names: Mapping[str, str]) -> dict[str, _Chart]:
    days = [day.isoformat() for day, _ in summary.by_day]
    return {
        "by_day": _Chart(
            texts.REPORT_CHART_BY_DAY,
            tuple(days),
            tuple(f"{day.month}/{day.day}" for day, _ in summary.by_day),
            tuple(count for _, count in summary.by_day),
            horizontal=False,
            axis=texts.REPORT_AXIS_DATE,
        ),
        "by_status": _counts_chart(
            texts.REPORT_CHART_BY_STATUS, summary.by_status.items(), texts.CASE_STATUSES, horizontal=False
        ),
        "by_department": _counts_chart(
            texts.REPORT_CHART_BY_DEPARTMENT,
            summary.by_department.items(),
            {**department_names, TRIAGE: texts.REPORT_TRIAGE_LABEL},
            horizontal=True,
        ),
        "hotspots": _counts_chart(texts.REPORT_CHART_HOTSPOTS, summary.hotspots, {}, horizontal=True),
    }


def _counts_chart(
    title: str, counts: Iterable[tuple[str, int]], labels: Mapping[str, str], *, horizontal: bool
) -> _Chart:
    """A bar chart of (key, count) pairs, each key shown by its label (or itself when it has none)."""
    pairs = list(counts)
    return _Chart(
        title,
        tuple(key for key, _ in pairs),
        tuple(labels.get(key, key) for key, _ in pairs),
        tuple(count for _, count in pairs),
        horizontal,
    )


def _render(chart: _Chart, image_format: str) -> bytes:
    """The chart as an SVG (carrying its data) or PNG file; missing glyphs fall back quietly."""
    figure = _figure(chart)
    metadata = {"Title": chart.title, "Description": chart.to_json(), "Date": None} if image_format == "svg" else {}
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from", category=UserWarning)
        figure.savefig(buffer, format=image_format, dpi=PNG_DPI, metadata=metadata)
    return buffer.getvalue()


def _figure(chart: _Chart) -> Figure:
    """A bar chart (horizontal for long labels) drawn without pyplot or global settings."""
    figure = Figure(figsize=CHART_INCHES, layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(chart.title)
    if not chart.values:
        axes.text(0.5, 0.5, texts.REPORT_NO_DATA, ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
    elif chart.horizontal:
        _draw_horizontal(axes, chart)
    else:
        _draw_vertical(axes, chart)
    _use_cjk_font(figure)
    return figure


def _draw_horizontal(axes: Axes, chart: _Chart) -> None:
    positions = range(len(chart.values))
    axes.bar_label(axes.barh(positions, chart.values), padding=2)
    axes.set_yticks(positions, [_shorten(label) for label in chart.labels])
    axes.invert_yaxis()
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(texts.REPORT_AXIS_COUNT)


def _draw_vertical(axes: Axes, chart: _Chart) -> None:
    positions = range(len(chart.values))
    bars = axes.bar(positions, chart.values)
    step = ceil(len(chart.values) / DAY_TICKS)
    if step == 1:
        axes.bar_label(bars, padding=2)
    labels = [_shorten(label) if index % step == 0 else "" for index, label in enumerate(chart.labels)]
    axes.set_xticks(positions, labels, rotation=30, ha="right", rotation_mode="anchor")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel(texts.REPORT_AXIS_COUNT)
    axes.set_xlabel(chart.axis)


def _shorten(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else f"{label[: LABEL_CHARS - 1]}…"


def _use_cjk_font(figure: Figure) -> None:
    """Set the first installed CJK font on every text of the figure; without one keep the default."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    chosen = next((name for name in CJK_FONTS if name in installed), None)
    if chosen is None:
        return
    family = [chosen, "sans-serif"]
    for text in figure.findobj(Text):
        text.set_fontfamily(family)
    for axes in figure.axes:
        axes.tick_params(labelfontfamily=family)


def _export_row(row: Row[Any]) -> dict[str, object]:
    values = (
        row.ticket,
        texts.CASE_KINDS.get(row.kind, row.kind),
        texts.CASE_STATUSES.get(row.status, row.status),
        row.department_code or TRIAGE,
        row.business_name,
        row.demand,
        row.amount,
        _as_utc(row.received_at).replace(tzinfo=None, microsecond=0),
        row.due_on,
        texts.REPORT_YES if row.due_provisional else texts.REPORT_NO,
        texts.REPORT_GROUP_CELL.format(group=row.group_id) if row.group_id is not None else texts.REPORT_NO,
    )
    return dict(zip(texts.REPORT_COLUMNS, values, strict=True))


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return f"'{value}"
    return str(value)


def _write_summary(sheet: Worksheet, summary: Summary, charts: Mapping[str, _Chart]) -> None:
    """Totals and count tables in columns A-B, the charts as PNG images to their right."""
    departments = charts.get("by_department")
    names = dict(zip(departments.keys, departments.labels, strict=True)) if departments else {}
    for number, (values, bold) in enumerate(_summary_lines(summary, names), start=1):
        _put(sheet, number, values, bold=bold)
    for index, chart in enumerate(charts.values()):
        image = Image(io.BytesIO(_render(chart, "png")))
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
