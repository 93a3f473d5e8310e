"""The campaign summary's charts, drawn with matplotlib: SVG for the dashboard, PNG for the workbook.

A module of its own because matplotlib costs every process some 30 MB: the console imports it only
when a staff member opens the dashboard or asks for an xlsx export.
"""

from __future__ import annotations

import io
import json
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from math import ceil
from typing import Any

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from bot import texts
from bot.staff.reports import TRIAGE, Summary

CJK_FONTS = ("Noto Sans CJK SC", "WenQuanYi Zen Hei", "Source Han Sans SC", "SimHei")
CHART_INCHES = (8.0, 4.5)
TEXT_POINTS = 11
"""Every chart text (ticks, bar labels, axis labels) at least this size: 14.7 px where the console shows a
chart at its own size, and still at least 11 px on a screen that shrinks it to three quarters."""
TITLE_POINTS = 13
PNG_DPI = 100
LABEL_CHARS = 20
"""Longer chart labels (business names) are cut so that the plot keeps its room."""
DAY_TICKS = 16
"""At most this many dates are written under the daily chart."""
DUBLIN_CORE_DESCRIPTION = "{http://purl.org/dc/elements/1.1/}description"


@dataclass(frozen=True)
class Chart:
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
    def from_svg(cls, svg: str) -> Chart:
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


def chart_svgs(summary: Summary, department_names: Mapping[str, str]) -> dict[str, str]:
    """The summary's charts as SVG documents with Chinese titles and labels, keyed by chart name."""
    return {key: render(chart, "svg").decode("utf-8") for key, chart in _charts(summary, department_names).items()}


def render(chart: Chart, image_format: str) -> bytes:
    """The chart as an SVG (carrying its data) or PNG file; missing glyphs fall back quietly."""
    figure = _figure(chart)
    metadata = {"Title": chart.title, "Description": chart.to_json(), "Date": None} if image_format == "svg" else {}
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from", category=UserWarning)
        figure.savefig(buffer, format=image_format, dpi=PNG_DPI, metadata=metadata)
    return buffer.getvalue()


def _charts(summary: Summary, department_names: Mapping[str, str]) -> dict[str, Chart]:
    days = [day.isoformat() for day, _ in summary.by_day]
    return {
        "by_day": Chart(
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
        "by_field": _counts_chart(texts.REPORT_CHART_BY_FIELD, summary.by_field.items(), {}, horizontal=True),
    }


def _counts_chart(
    title: str, counts: Iterable[tuple[str, int]], labels: Mapping[str, str], *, horizontal: bool
) -> Chart:
    """A bar chart of (key, count) pairs, each key shown by its label (or itself when it has none)."""
    pairs = list(counts)
    return Chart(
        title,
        tuple(key for key, _ in pairs),
        tuple(labels.get(key, key) for key, _ in pairs),
        tuple(count for _, count in pairs),
        horizontal,
    )


def _figure(chart: Chart) -> Figure:
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
    _readable(figure)
    return figure


def _readable(figure: Figure) -> None:
    """No text below TEXT_POINTS (matplotlib's default is 10 pt); titles larger."""
    for axes in figure.axes:
        axes.title.set_fontsize(TITLE_POINTS)
    for text in figure.findobj(Text):
        if text.get_fontsize() < TEXT_POINTS:
            text.set_fontsize(TEXT_POINTS)


def _draw_horizontal(axes: Axes, chart: Chart) -> None:
    positions = range(len(chart.values))
    axes.bar_label(axes.barh(positions, chart.values), padding=2)
    axes.set_yticks(positions, [_shorten(label) for label in chart.labels])
    axes.invert_yaxis()
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(texts.REPORT_AXIS_COUNT)


def _draw_vertical(axes: Axes, chart: Chart) -> None:
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
    """A label cut to LABEL_CHARS, as plain text: a citizen-typed `$…$` must not be read as math markup
    (matplotlib fails on unknown TeX commands, and the dashboard with it)."""
    short = label if len(label) <= LABEL_CHARS else f"{label[: LABEL_CHARS - 1]}…"
    return short.replace("$", r"\$")


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
