"""The bundle flowchart: valid SVG (parsed with xml.etree), one box per item, one arrow between
consecutive stages, parallel items stacked, text escaped, width growing with the stages."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

from yiwang.catalog.guides.bundles import ItemRef, Stage, StageItem
from yiwang.catalog.guides.flowchart import (
    FlowBox,
    FlowColumn,
    Layout,
    bundle_flowchart_svg,
    flowchart_svg,
    text_width,
    wrap,
)
from yiwang.catalog.models import ServiceItemVersion

NS = {"svg": "http://www.w3.org/2000/svg"}


def _stage(order: int, *items: tuple[str, str, int]) -> Stage:
    """A stage of unsaved versions: (name, department, promised days; 0 = instant)."""
    return Stage(
        order=order,
        items=[
            StageItem(
                ref=ItemRef(code=f"C{order}{i}", name=name, department=dept, active=True),
                version=ServiceItemVersion(
                    name=name,
                    handling_kind="promised" if days else "instant",
                    promised_limit=days,
                    legal_limit=days * 2,
                ),
            )
            for i, (name, dept, days) in enumerate(items)
        ],
    )


STAGES = [
    _stage(1, ("个体工商户设立登记", "县市场监督管理局", 0)),
    _stage(
        2,
        ("食品经营许可（新办）", "县市场监督管理局", 10),
        ("公众聚集场所投入使用营业前消防安全检查", "县消防救援大队", 5),
        ("设置大型户外广告审批", "县城市管理局", 10),
    ),
    _stage(3, ("税务登记", "县税务局", 1)),
]


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def _items(root: ET.Element) -> list[ET.Element]:
    return root.findall(".//svg:g[@class='item']", NS)


def _arrows(root: ET.Element) -> list[ET.Element]:
    return root.findall("svg:line[@class='arrow']", NS)


def _texts(element: ET.Element) -> list[str]:
    return [t.text or "" for t in element.iter("{http://www.w3.org/2000/svg}text")]


def test_one_box_per_item_and_one_arrow_between_stages():
    root = _parse(bundle_flowchart_svg(STAGES, title="开办餐饮店一件事"))
    stages = root.findall("svg:g[@class='stage']", NS)
    assert [s.get("data-stage") for s in stages] == ["1", "2", "3"]
    assert len(_items(root)) == 5
    assert [len(s.findall("svg:g[@class='item']", NS)) for s in stages] == [1, 3, 1]
    arrows = _arrows(root)
    assert [(a.get("data-from"), a.get("data-to")) for a in arrows] == [("1", "2"), ("2", "3")]
    assert all(a.get("marker-end") == "url(#flow-arrow)" for a in arrows)
    assert root.find(".//svg:marker[@id='flow-arrow']", NS) is not None


def test_arrows_run_left_to_right_from_one_column_to_the_next():
    root = _parse(bundle_flowchart_svg(STAGES, title="t"))
    columns = [
        s.find("svg:rect[@class='stage-bg']", NS) for s in root.findall("svg:g[@class='stage']", NS)
    ]
    bounds = [(float(c.get("x")), float(c.get("x")) + float(c.get("width"))) for c in columns]
    assert bounds == sorted(bounds)
    for arrow, (left, right) in zip(_arrows(root), itertools.pairwise(bounds), strict=True):
        x1, x2 = float(arrow.get("x1")), float(arrow.get("x2"))
        assert left[1] <= x1 < x2 <= right[0]


def test_parallel_items_are_stacked_in_their_column():
    root = _parse(bundle_flowchart_svg(STAGES, title="t"))
    stage2 = root.findall("svg:g[@class='stage']", NS)[1]
    boxes = [b.find("svg:rect", NS) for b in stage2.findall("svg:g[@class='item']", NS)]
    xs = {b.get("x") for b in boxes}
    ys = [float(b.get("y")) for b in boxes]
    assert len(xs) == 1
    assert ys == sorted(ys) and len(set(ys)) == 3
    heights = float(boxes[0].get("height"))
    assert all(b - a >= heights for a, b in itertools.pairwise(ys))


def test_boxes_name_item_department_and_limit():
    root = _parse(bundle_flowchart_svg(STAGES, title="开办餐饮店一件事"))
    assert root.find("svg:title", NS).text == "开办餐饮店一件事流程图"
    first, food = _items(root)[:2]
    assert "".join(t for t in _texts(first) if t).startswith("个体工商户")
    assert "县市场监督管理局" in _texts(first) and "即办" in _texts(first)
    names = [t.text for t in food.findall("svg:text[@class='item-name']", NS)]
    assert "".join(names) == "食品经营许可（新办）"
    assert "承诺 10 个工作日" in _texts(food)
    stage2 = root.findall("svg:g[@class='stage']", NS)[1]
    subtitles = [t.text for t in stage2.findall("svg:text[@class='stage-subtitle']", NS)]
    assert subtitles == ["承诺 10 个工作日", "并联办理"]


def test_text_is_escaped():
    evil = '<script>alert("x")</script> & 证'
    svg = flowchart_svg(
        [FlowColumn("第 1 阶段", "即办", [FlowBox(evil, "部门<b>", "即办")])], title=evil
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    root = _parse(svg)
    assert root.find(".//svg:script", NS) is None
    assert root.find("svg:title", NS).text == evil
    assert root.find(".//svg:g[@class='item']/svg:title", NS).text == f"{evil}（部门<b>）"


def test_width_grows_with_the_number_of_stages():
    widths = []
    for n in (1, 2, 4, 6):
        root = _parse(bundle_flowchart_svg(STAGES[:1] * n, title="t"))
        widths.append(int(root.get("width")))
        assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
        assert len(_arrows(root)) == n - 1
    assert widths == sorted(widths) and len(set(widths)) == 4
    # Six stages (the longest demo bundle) get compact columns and fit a desktop page.
    assert widths[-1] <= 1100
    lay = Layout()
    assert widths[1] - widths[0] == lay.column_width + lay.gap


def test_long_names_wrap_within_the_box_and_keep_the_full_name_as_a_tooltip():
    name = "二手房转移登记及水电气网联合过户一件事" * 3
    root = _parse(
        flowchart_svg([FlowColumn("第 1 阶段", "", [FlowBox(name, "部门", "即办")])], title="t")
    )
    item = _items(root)[0]
    lines = [t.text for t in item.findall("svg:text[@class='item-name']", NS)]
    assert len(lines) == Layout().max_name_lines
    assert lines[-1].endswith("…")
    assert item.find("svg:title", NS).text.startswith(name)
    box_width = float(item.find("svg:rect", NS).get("width"))
    assert all(text_width(line, 14) <= box_width - 2 * Layout().box_padding for line in lines)


def test_wrap_balances_lines_and_keeps_closing_punctuation_off_line_starts():
    assert wrap("个体工商户设立登记", 118, 14, 3) == ["个体工商户", "设立登记"]
    lines = wrap("食品经营许可（新办）", 126, 14, 3)
    assert all(not line.startswith("）") for line in lines)
    assert "".join(lines) == "食品经营许可（新办）"
    assert wrap("出生登记", 118, 14, 3) == ["出生登记"]
