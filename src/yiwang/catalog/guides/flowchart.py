"""The flowchart of a bundle (一件事流程图), drawn as SVG on the server with xml.etree: stages
as columns from left to right joined by arrows, the items of a stage stacked as boxes (they run
in parallel), each box naming the item, its department and its time limit. No JavaScript and no
external tool; ElementTree escapes every text, so names cannot inject markup. The width grows
with the number of stages; the page scrolls it sideways on a narrow screen.
"""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # flowchart drawing needs no Django; only the adapter names a Stage
    from yiwang.catalog.guides.bundles import Stage

SVG_NS = "http://www.w3.org/2000/svg"
FONT_FAMILY = (
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
)

PRIMARY = "#0f4c93"
PRIMARY_DARK = "#0a3668"
INK = "#1d2733"
INK_2 = "#4a5666"
LINE = "#c9d9ee"
STAGE_BG = "#f3f6fb"
BOX_BG = "#ffffff"


@dataclass(frozen=True)
class FlowBox:
    """One item box: name, department and a short limit ("承诺 5 个工作日", "即办")."""

    name: str
    department: str
    detail: str
    key: str = ""


@dataclass(frozen=True)
class FlowColumn:
    title: str
    subtitle: str
    boxes: Sequence[FlowBox]


@dataclass(frozen=True)
class Layout:
    """Sizes in px. The defaults suit a web page; the PDF passes narrower columns."""

    column_width: int = 196
    gap: int = 56
    padding: int = 14
    header_height: int = 66
    box_gap: int = 12
    box_inset: int = 8  # column edge → box edge
    box_padding: int = 9  # box edge → text
    name_size: int = 14
    name_line: int = 19
    small_size: int = 12
    small_line: int = 17
    max_name_lines: int = 3


COMPACT = Layout(column_width=148, gap=34)


def text_width(text: str, size: float) -> float:
    """Approximate rendered width: CJK and full-width characters are one em, others ~0.56."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.56 for ch in text)


_NO_LINE_START = set("）)】」』》〉、，。：；！？,.:;!?…")


def _greedy(text: str, width: float, size: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for ch in text:
        if text_width(current + ch, size) > width and current:
            if ch in _NO_LINE_START and len(current) > 1:
                # Closing punctuation never starts a line: carry the last character over.
                lines.append(current[:-1])
                current = current[-1] + ch
            else:
                lines.append(current)
                current = ch
        else:
            current += ch
    if current:
        lines.append(current)
    return lines


def wrap(text: str, width: float, size: float, max_lines: int) -> list[str]:
    """Break text into lines that fit `width`, balanced so that no line is a lone orphan
    character; if more than `max_lines` are needed the last one ends with …."""
    text = text.strip()
    lines = _greedy(text, width, size)
    if 1 < len(lines) <= max_lines:
        # Narrow the measure while the line count holds: the lines come out even.
        measure = width - size / 2
        while measure > size:
            trial = _greedy(text, measure, size)
            if len(trial) != len(lines):
                break
            lines = trial
            measure -= size / 2
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_width(last + "…", size) > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines or [""]


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: object) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.replace("_", "-"): str(v) for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _text(
    parent: ET.Element,
    text: str,
    x: float,
    y: float,
    *,
    size: int,
    fill: str = INK,
    weight: str = "normal",
    anchor: str = "start",
    cls: str = "",
) -> ET.Element:
    attrs: dict[str, object] = {
        "x": f"{x:.1f}",
        "y": f"{y:.1f}",
        "font_size": size,
        "fill": fill,
    }
    if weight != "normal":
        attrs["font_weight"] = weight
    if anchor != "start":
        attrs["text_anchor"] = anchor
    if cls:
        attrs["class"] = cls
    return _el(parent, "text", text, **attrs)


def flowchart_svg(
    columns: Sequence[FlowColumn],
    *,
    title: str,
    layout: Layout | None = None,
    id_prefix: str = "flow",
) -> str:
    """An SVG document (string) drawing `columns` left to right with arrows between them."""
    lay = layout or Layout()
    inner = lay.column_width - 2 * lay.box_inset - 2 * lay.box_padding
    wrapped = [
        [wrap(b.name, inner, lay.name_size, lay.max_name_lines) for b in col.boxes]
        for col in columns
    ]
    name_lines = max((len(lines) for col in wrapped for lines in col), default=1)
    box_height = (
        lay.box_padding + name_lines * lay.name_line + 2 * lay.small_line + lay.box_padding - 2
    )
    tallest = max((len(col.boxes) for col in columns), default=1)
    stack_height = tallest * box_height + max(tallest - 1, 0) * lay.box_gap
    n = len(columns)
    width = 2 * lay.padding + n * lay.column_width + max(n - 1, 0) * lay.gap
    body_top = lay.padding + lay.header_height
    height = body_top + stack_height + lay.padding + 6

    svg = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "width": str(width),
            "height": str(height),
            "viewBox": f"0 0 {width} {height}",
            "role": "img",
            "aria-labelledby": f"{id_prefix}-title",
            "font-family": FONT_FAMILY,
            "class": "flowchart",
        },
    )
    _el(svg, "title", title, id=f"{id_prefix}-title")
    defs = _el(svg, "defs")
    marker = _el(
        defs,
        "marker",
        id=f"{id_prefix}-arrow",
        viewBox="0 0 10 10",
        refX=9,
        refY=5,
        markerWidth=7,
        markerHeight=7,
        orient="auto",
    )
    _el(marker, "path", d="M0,0 L10,5 L0,10 z", fill=PRIMARY)

    for index, (column, lines_per_box) in enumerate(zip(columns, wrapped, strict=True)):
        x = lay.padding + index * (lay.column_width + lay.gap)
        group = _el(svg, "g", **{"class": "stage", "data-stage": str(index + 1)})
        _el(
            group,
            "rect",
            x=x,
            y=lay.padding,
            width=lay.column_width,
            height=height - 2 * lay.padding,
            rx=8,
            fill=STAGE_BG,
            stroke=LINE,
            **{"class": "stage-bg"},
        )
        cx = x + lay.column_width / 2
        _text(
            group,
            column.title,
            cx,
            lay.padding + 22,
            size=lay.name_size + 1,
            fill=PRIMARY_DARK,
            weight="bold",
            anchor="middle",
            cls="stage-title",
        )
        for line_no, subtitle in enumerate(column.subtitle.split("\n")):
            _text(
                group,
                subtitle,
                cx,
                lay.padding + 24 + (line_no + 1) * lay.small_line,
                size=lay.small_size,
                fill=INK_2,
                anchor="middle",
                cls="stage-subtitle",
            )
        # Stacks shorter than the tallest are centred, so arrows meet every column mid-way.
        offset = (stack_height - _stack(len(column.boxes), box_height, lay.box_gap)) / 2
        for row, (box, lines) in enumerate(zip(column.boxes, lines_per_box, strict=True)):
            y = body_top + offset + row * (box_height + lay.box_gap)
            _box(
                group,
                box,
                lines,
                x + lay.box_inset,
                y,
                lay.column_width - 2 * lay.box_inset,
                box_height,
                lay,
            )

    mid = body_top + stack_height / 2
    for index in range(n - 1):
        x1 = lay.padding + (index + 1) * lay.column_width + index * lay.gap + 4
        _el(
            svg,
            "line",
            x1=x1,
            y1=f"{mid:.1f}",
            x2=x1 + lay.gap - 8,
            y2=f"{mid:.1f}",
            stroke=PRIMARY,
            stroke_width=2,
            marker_end=f"url(#{id_prefix}-arrow)",
            **{"class": "arrow", "data-from": str(index + 1), "data-to": str(index + 2)},
        )
    return ET.tostring(svg, encoding="unicode")


def _stack(count: int, box_height: int, gap: int) -> int:
    return count * box_height + max(count - 1, 0) * gap


def _box(
    parent: ET.Element,
    box: FlowBox,
    lines: list[str],
    x: float,
    y: float,
    width: float,
    height: float,
    lay: Layout,
) -> None:
    group = _el(parent, "g", **{"class": "item", "data-key": box.key})
    # Hover text with the full name, in case the box had to cut it.
    _el(group, "title", f"{box.name}（{box.department}）")
    _el(
        group,
        "rect",
        x=f"{x:.1f}",
        y=f"{y:.1f}",
        width=f"{width:.1f}",
        height=f"{height:.1f}",
        rx=6,
        fill=BOX_BG,
        stroke=PRIMARY,
        stroke_width=1.2,
        **{"class": "item-box"},
    )
    inner = width - 2 * lay.box_padding
    tx = x + lay.box_padding
    ty = y + lay.box_padding + lay.name_size
    for line in lines:
        _text(group, line, tx, ty, size=lay.name_size, weight="bold", cls="item-name")
        ty += lay.name_line
    department = wrap(box.department, inner, lay.small_size, 1)[0]
    _text(group, department, tx, ty + 1, size=lay.small_size, fill=INK_2, cls="item-department")
    _text(
        group,
        box.detail,
        tx,
        ty + 1 + lay.small_line,
        size=lay.small_size,
        fill=PRIMARY,
        cls="item-detail",
    )


def stage_columns(stages: Sequence[Stage]) -> list[FlowColumn]:
    """Columns for a bundle's stages: "第 N 阶段" over "承诺 X 个工作日" and "并联办理"."""
    columns = []
    for stage in stages:
        limit = "即办" if stage.promised_days == 0 else f"承诺 {stage.promised_days} 个工作日"
        parallel = "\n并联办理" if len(stage.items) > 1 else ""
        columns.append(
            FlowColumn(
                title=f"第 {stage.order} 阶段",
                subtitle=limit + parallel,
                boxes=[
                    FlowBox(
                        name=i.ref.name,
                        department=i.ref.department,
                        detail=i.limit_label,
                        key=i.ref.code,
                    )
                    for i in stage.items
                ],
            )
        )
    return columns


def bundle_flowchart_svg(
    stages: Sequence[Stage], *, title: str, layout: Layout | None = None
) -> str:
    """The bundle's flowchart as an SVG string (safe to put inline in a page). Without a
    layout, long bundles get narrower columns so that six stages fit a desktop page."""
    if layout is None:
        layout = Layout() if len(stages) <= 4 else COMPACT
    return flowchart_svg(stage_columns(stages), title=f"{title}流程图", layout=layout)
