"""Builds the Word template of the work report (report/templates/report.docx) with python-docx,
once: the committed file is what the bureau edits in Word afterwards (wording, styles, letter
head), keeping the {{ … }} placeholders and the {%p … %} / {%tr … %} loop paragraphs and rows
docxtpl reads. Run `python -m yiwang.insight.report.docx_template` to rebuild it from scratch
(this overwrites the bureau's edits)."""

from __future__ import annotations

from pathlib import Path

PATH = Path(__file__).parent / "templates" / "report.docx"

SECTIONS = [
    (
        "（一）网上政务服务",
        "{{ as_of }}，{{ area }}网上政务服务平台累计办件{{ f.cases_total.cumulative_wan }}件"
        "，办件覆盖率{{ f.cases_coverage.cumulative_text }}，"
        "按时办结率{{ f.cases_on_time_rate.cumulative_text }}。{{ period.label }}新增办件"
        "{{ f.cases_total.text }}件，其中网上办件占比{{ f.cases_online_share.text }}，帮办代办"
        "{{ f.cases_assisted_count.text }}件；按时办结率{{ f.cases_on_time_rate.text }}，超期"
        "{{ f.cases_overdue_count.text }}件，平均办理时长{{ f.cases_average_handling_days.text }}"
        "个工作日。",
    ),
    (
        "（二）事项标准化",
        "{{ area }}在用政务服务事项{{ f.catalog_items_total.text }}项，全程网办率"
        "{{ f.catalog_fully_online_rate.text }}。",
    ),
    (
        "（三）政务服务“好差评”",
        "{{ period.label }}，好评率{{ f.evaluations_good_rate.text }}，主动评价率"
        "{{ f.evaluations_active_rate.text }}，收到差评{{ f.evaluations_bad_count.text }}条；"
        "{{ as_of }}累计差评{{ f.evaluations_bad_count.cumulative_text }}条。",
    ),
    (
        "（四）12345诉求办理",
        "{{ period.label }}，受理诉求工单{{ f.appeals_total.text }}件，办结率"
        "{{ f.appeals_conclusion_rate.text }}，按时办结率{{ f.appeals_on_time_rate.text }}，满意率"
        "{{ f.appeals_satisfaction_rate.text }}。",
    ),
    ("（五）大厅服务", "{{ period.label }}，政务服务大厅预约{{ f.hall_bookings_total.text }}次。"),
]


def _loop_table(document, headers: list[str], start: str, cells: list[str]) -> None:  # type: ignore[no-untyped-def]
    table = document.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
    table.rows[1].cells[0].text = start
    for cell, text in zip(table.rows[2].cells, cells, strict=True):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"


def build(path: Path = PATH) -> Path:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Noto Serif CJK SC"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Serif CJK SC")
    title = document.add_heading("{{ title }}", level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(
        "{{ period.label }}，{{ issuer }}坚持以企业群众办事便利为导向，持续深化“一网通办”改革，"
        "政务服务效能稳步提升。现将有关情况总结如下。"
    )
    document.add_heading("一、主要工作成效", level=1)
    for number, (heading, text) in enumerate(SECTIONS):
        document.add_heading(heading, level=2)
        document.add_paragraph(text)
        if number == 0:
            for chart in ("months", "channels"):
                document.add_paragraph(f"{{%p if charts.{chart} %}}")
                document.add_paragraph(f"{{{{ charts.{chart} }}}}")
                document.add_paragraph("{%p endif %}")
    document.add_heading("（六）各部门办件情况", level=2)
    _loop_table(
        document,
        ["部门", "办件量", "按时办结率", "超期件数", "好评率", "差评数"],
        "{%tr for row in departments %}",
        ["{{ row.name }}", *[f"{{{{ row.cells[{i}] }}}}" for i in range(5)]],
    )
    document.add_paragraph("{%p if charts.on_time %}")
    document.add_paragraph("{{ charts.on_time }}")
    document.add_paragraph("{%p endif %}")
    document.add_heading("二、存在问题", level=1)
    document.add_paragraph("{%p for problem in problems %}")
    document.add_heading("（{{ loop.index }}）{{ problem.title }}", level=2)
    document.add_paragraph("{%p for line in problem.lines %}")
    document.add_paragraph("{{ line }}")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{%p if not problems %}")
    document.add_paragraph("—")
    document.add_paragraph("{%p endif %}")
    document.add_heading("三、下一步工作", level=1)
    document.add_paragraph("（由局办公室填写。）")
    document.add_heading("附录：指标口径", level=1)
    _loop_table(
        document,
        ["指标", "编码", "本期", "{{ as_of }}累计", "本期记录数", "累计记录数", "口径"],
        "{%tr for used in appendix %}",
        [
            "{{ used.metric.name }}",
            "{{ used.key }}",
            "{{ used.text }}",
            "{{ used.cumulative_text }}",
            "{{ used.records_text }}",
            "{{ used.cumulative_records_text }}",
            "{{ used.metric.definition }}",
        ],
    )
    document.add_paragraph(
        "所有数字由平台指标库按上列口径自记录计算生成（{{ generated_on }}），可在工作台“指标”页"
        "逐项下钻核对；“—”表示无数据。"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


if __name__ == "__main__":
    print(build())
