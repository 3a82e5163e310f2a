"""The half-year work report (insight.report) on the hand-built cases of conftest.py: it renders
in HTML, PDF (text read back with pdftotext) and Word (read back with python-docx) with its
Chinese title and figures; every figure equals registry.compute for the period and cumulative
span; the consistency guard catches planted contradictions and names the metric; an empty
period prints — and divides by nothing; a department admin's report covers only his
department; the command's exit codes (0 written, 1 guard, 2 bad input)."""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests import factories as f
from yiwang.cases.metrics import counted_cases
from yiwang.insight import registry
from yiwang.insight.periods import Period
from yiwang.insight.registry import Custom, Metric
from yiwang.insight.report import figures as report_figures_module
from yiwang.insight.report import guard, render
from yiwang.insight.report.figures import REPORT_KEYS, report_figures
from yiwang.insight.selectors import figure_records
from yiwang.org.models import Department, Region, RegionLevel
from yiwang.org.scope import ALL_SCOPE, DataScope

H1 = Period.parse("2026H1")
REPORT = reverse("insight-report:report")


def title(issuer: str = "") -> str:
    county = Region.objects.get(level=RegionLevel.COUNTY).name  # from the org data
    return f"{issuer or county + '数据资源管理局'}2026年上半年工作总结"


def pdf_text(content: bytes, tmp_path) -> str:
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed by this test"
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def docx_text(content: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(content))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def squeeze(text: str) -> str:
    return "".join(text.split())  # pdftotext breaks lines inside sentences


def test_the_report_renders_in_three_formats_with_chinese_text(figures, tmp_path):
    html = render.render(H1, ALL_SCOPE, "html").decode("utf-8")
    pdf = squeeze(pdf_text(render.render(H1, ALL_SCOPE, "pdf"), tmp_path))
    docx = squeeze(docx_text(render.render(H1, ALL_SCOPE, "docx")))
    for text in (squeeze(html), pdf, docx):
        assert title() in text
        # 4 cases accepted up to 30 June (c5 of 2025 included), 3 of them in the half year.
        assert "截至6月底，全县网上政务服务平台累计办件4件" in text
        assert "2026年上半年新增办件3件，其中网上办件占比66.67%" in text
        assert "二、存在问题" in text and "三、下一步工作" in text
        assert "按时办结率最低的部门为：县市场监督管理局（50.00%）" in text
        assert "附录：指标口径" in text
        assert "cases.on_time_rate" in text
    for text in (squeeze(html), docx):  # (a PDF table wraps its cells into each other)
        assert squeeze(registry.get("cases.on_time_rate").definition) in text
    assert html.count('src="data:image/png;base64,') == 3  # months, channels, on-time rates
    assert "{{" not in docx and "{%" not in docx  # every placeholder filled


def test_every_figure_of_the_report_is_the_registrys(figures):
    data = report_figures(H1, ALL_SCOPE)
    cumulative = H1.cumulative()
    assert list(data.used) == list(REPORT_KEYS)
    for key, used in data.used.items():
        assert used.value == registry.compute(key, ALL_SCOPE, H1), key
        metric = registry.get(key)
        expected = used.value if metric.point_in_time else registry.compute(key, None, cumulative)
        assert used.cumulative == expected, key
        if metric.declarative:  # what the figure counts (the catalogue's at the period's end)
            assert used.records == figure_records(key, ALL_SCOPE, H1).count(), key
    assert data.used["cases.total"].value == 3 and data.used["cases.total"].cumulative == 4
    assert data.used["cases.on_time_rate"].text == "50.00%"
    table = {row.name: row.cells for row in data.departments}
    assert table["县市场监督管理局"][:3] == ["2", "50.00%", "1"]
    assert table["测试镇1市场监管所"][:3] == ["1", "—", "0"]
    guard.check(data)  # consistent figures pass


def _name_in(found: list[guard.Contradiction], key: str) -> str:
    hits = [c.message for c in found if c.key == key]
    assert hits, found
    assert key in hits[0]
    return hits[0]


def test_the_guard_names_a_part_that_does_not_add_up(figures):
    data = report_figures(H1, ALL_SCOPE)
    channels = data.used["cases.by_channel"]
    channels.value = {**channels.value, "网上": channels.value["网上"] + 1}  # type: ignore[dict-item]
    message = _name_in(guard.contradictions(data), "cases.by_channel")
    assert "各组之和 4" in message and "3" in message
    with pytest.raises(guard.ReportInconsistent, match=r"cases\.by_channel"):
        guard.check(data)


def test_the_guard_names_a_month_breakdown_that_differs_from_its_total(figures):
    data = report_figures(H1, ALL_SCOPE)
    which, by, rows = data.parts["cases.total"][0]
    assert (which, by) == ("period", "month")
    data.parts["cases.total"][0] = (which, by, [*rows, ("2026-07", 5)])
    message = _name_in(guard.contradictions(data), "cases.total")
    assert "各月之和 8" in message


def test_the_guard_names_a_rate_out_of_range_and_a_period_above_its_cumulative(figures):
    data = report_figures(H1, ALL_SCOPE)
    data.used["cases.on_time_rate"].value = Decimal("1.2500")
    data.used["cases.overdue_count"].value = 7
    found = guard.contradictions(data)
    assert "125.00%" in _name_in(found, "cases.on_time_rate")
    assert "大于截至期末的累计值" in _name_in(found, "cases.overdue_count")


@pytest.fixture
def broken_metric(monkeypatch):
    """A registered breakdown whose groups add up to one more than 办件量."""

    def groups(cases, period):
        return {"甲": cases.count() + 1}

    metric = Metric(
        key="test.broken_channels",
        name="测试用渠道分解",
        unit="件",
        definition="测试：各组之和比办件量多 1。",
        records=counted_cases,
        date_field="accepted_on",
        measure=Custom(groups),
        kind="breakdown",
    )
    registry.register(metric)
    monkeypatch.setattr(report_figures_module, "REPORT_KEYS", (*REPORT_KEYS, metric.key))
    monkeypatch.setattr(guard, "WHOLES", {metric.key: "cases.total"})
    yield metric
    registry.unregister(metric.key)


def test_the_command_refuses_a_registered_contradiction_with_exit_1(
    figures, broken_metric, tmp_path
):
    out = tmp_path / "report.html"
    with pytest.raises(CommandError) as caught:
        call_command("report", "--period", "2026H1", "--format", "html", "--out", str(out))
    assert caught.value.returncode == 1
    assert "test.broken_channels" in str(caught.value) and "测试用渠道分解" in str(caught.value)
    assert not out.exists()


def test_an_empty_period_prints_dashes_and_divides_by_nothing(figures, tmp_path):
    period = Period.parse("2024H1")
    data = report_figures(period, ALL_SCOPE)
    assert data.empty
    assert data.used["cases.on_time_rate"].text == "—"
    assert data.used["cases.online_share"].cumulative_text == "—"
    guard.check(data)
    html = squeeze(render.render(period, ALL_SCOPE, "html").decode("utf-8"))
    assert "新增办件0件，其中网上办件占比—" in html
    assert "好评率—" in html
    assert 'src="data:image' not in html  # nothing to draw
    docx = squeeze(docx_text(render.render(period, ALL_SCOPE, "docx")))
    assert "网上办件占比—" in docx


def test_the_command_writes_each_format(figures, tmp_path):
    for fmt in ("html", "docx"):
        out = tmp_path / f"report.{fmt}"
        call_command("report", "--period", "2026H1", "--format", fmt, "--out", str(out))
        assert out.stat().st_size > 1000
    assert title() in squeeze(docx_text((tmp_path / "report.docx").read_bytes()))


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (["--period", "2026H3", "--format", "pdf"], "统计期“2026H3”无法识别"),
        (["--period", "2026H1", "--format", "odt"], "报告格式“odt”不支持"),
        (["--period", "2026H1", "--department", "无此局"], "部门“无此局”不存在"),
    ],
)
def test_the_command_refuses_bad_input_with_exit_2(figures, tmp_path, args, sentence):
    with pytest.raises(CommandError) as caught:
        call_command("report", *args, "--out", str(tmp_path / "r"))
    assert caught.value.returncode == 2
    assert sentence in str(caught.value)


def test_the_command_refuses_an_unwritable_out_with_exit_2(figures, tmp_path):
    for out in (tmp_path / "missing" / "r.html", tmp_path):
        with pytest.raises(CommandError) as caught:
            call_command("report", "--period", "2026H1", "--format", "html", "--out", str(out))
        assert caught.value.returncode == 2
        assert "无法写入" in str(caught.value)


def test_the_command_reports_one_department(figures, tmp_path):
    out = tmp_path / "r.html"
    call_command(
        "report", "--period", "2026H1", "--format", "html", "--out", str(out),
        "--department", "测试镇1市场监管所",
    )  # fmt: skip
    html = squeeze(out.read_text())
    assert "测试镇1市场监管所2026年上半年工作总结" in html
    assert "新增办件1件" in html


# --- the workbench page --------------------------------------------------------------------


@pytest.fixture
def leader(figures):
    bureau = Department.objects.get(is_bureau=True)
    return f.staff(bureau, ["leader"], username="leader").user


def test_a_leader_downloads_the_pdf(client, leader, tmp_path):
    client.force_login(leader)
    page = client.get(REPORT)
    assert page.status_code == 200 and "工作总结" in page.content.decode()
    response = client.get(REPORT, {"period": "2026H1", "format": "pdf", "download": "1"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "report-2026H1.pdf" in response["Content-Disposition"]
    assert title() in squeeze(pdf_text(response.content, tmp_path))


def test_a_department_admin_gets_only_his_departments_report(client, figures):
    client.force_login(figures.world.head.user)  # 县市场监督管理局's department admin
    response = client.get(REPORT, {"period": "2026H1", "format": "html", "download": "1"})
    assert response.status_code == 200
    assert response["Content-Security-Policy"].endswith("sandbox")
    html = squeeze(response.content.decode())
    county = Region.objects.get(level=RegionLevel.COUNTY).name
    assert f"{county}市场监督管理局2026年上半年工作总结" in html
    scope = DataScope.department(figures.county.pk, figures.county.name)
    assert registry.compute("cases.total", scope, H1) == 2
    assert "本部门网上政务服务平台累计办件3件" in html  # c1, c2 and c5 (2025-12-31)
    assert "新增办件2件" in html
    assert "测试镇1市场监管所" not in html  # the other department is not in his report


def test_the_page_shows_the_sentence_for_a_bad_period_or_format(client, leader):
    client.force_login(leader)
    response = client.get(REPORT, {"period": "26H1", "format": "pdf", "download": "1"})
    assert response.status_code == 400
    assert "统计期“26H1”无法识别" in response.content.decode()
    response = client.get(REPORT, {"period": "2026H1", "format": "exe", "download": "1"})
    assert response.status_code == 400
    assert "报告格式“exe”不支持" in response.content.decode()


def test_the_page_shows_the_guards_sentence(client, leader, broken_metric):
    client.force_login(leader)
    response = client.get(REPORT, {"period": "2026H1", "format": "html", "download": "1"})
    assert response.status_code == 409
    assert "test.broken_channels" in response.content.decode()


def test_the_page_is_for_staff_only(client, figures):
    response = client.get(REPORT)
    assert response.status_code == 302  # to the sign-in page
    assert dataclasses.is_dataclass(report_figures(H1, ALL_SCOPE))
