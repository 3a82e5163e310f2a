"""Public guide pages on the demo county: every plain-language answer on the item guide, the
bundle page with its flowchart, merged list and form, 404s for anything not public, old
versions after a new publication, and the PDF downloads."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
from django.db import transaction
from django.urls import reverse

from tests.seeded import demo_county
from yiwang.catalog import selectors, services
from yiwang.catalog.guides import pdf as guide_pdf
from yiwang.catalog.guides.bundles import bundle_notice
from yiwang.catalog.models import BaseItem, Bundle, ServiceItem
from yiwang.org.models import Department

from .test_guides import pdf_text

# Every test runs in its own transaction inside the module's seeded one, so what a test
# changes (suspensions, new versions) is rolled back before the next.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo county, seeded once for the module and rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_county()
        yield
        transaction.set_rollback(True)


def item_named(name: str) -> ServiceItem:
    return ServiceItem.objects.get(published_version__name=name)


def text_of(response) -> str:
    """The page's visible text, tags removed and whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_item_guide_answers_every_plain_question(demo, client):
    item = item_named("食品经营许可（新办）")
    response = client.get(f"/guide/item/{item.code}/")
    assert response.status_code == 200
    page = text_of(response)
    summary = text_of_summary(response)
    # What to bring (original/copy, count, medium), with 免提交 spelled out.
    for material in [
        "食品经营许可申请书",
        "食品安全管理制度",
        "经营场所平面图",
        "设备布局和工艺流程",
    ]:
        assert material in summary
    assert "原件 1 份 · 纸质或电子" in summary and "复印件 1 份 · 纸质或电子" in summary
    assert "营业执照：无需提交，由部门共享获取" in summary
    # Where and when, how many visits, how long, cost, online, complaint.
    assert "示范县政务服务中心（人民路 88 号）13 号窗口（市场监管局专窗）" in summary
    assert "工作日 8:30-12:00" in summary
    assert "0 次（全程网办）" in summary  # 全程网办 asks no visit (the licence is mailed)
    assert "承诺 10 个工作日内办结" in summary and "法定时限 20 个工作日" in summary
    assert "不收费" in summary
    assert "全程网办" in summary
    assert "12345 政务服务便民热线" in summary and "办不成事反映窗口" in summary
    # The details and the version.
    for heading in ["申请材料", "受理条件", "办理流程", "设定依据", "咨询与监督"]:
        assert heading in page
    assert "审批人员" in page and "8 个工作日" in page
    assert "0550-12345" in page and "县市场监督管理局" in page
    assert "第 1 版" in page and "发布" in page
    assert "动态调整" not in page  # the adjustment log is staff-facing
    html = response.content.decode()
    assert f'href="/guide/item/{item.code}/pdf"' in html and "下载 PDF" in html
    # 在线申请 leads to the online application, which signs an anonymous visitor in first
    apply_url = reverse("cases-portal:apply", args=[item.code])
    assert f'href="{apply_url}" data-testid="apply"' in html
    assert "在线申请（登录后办理）" in html
    sign_in = client.get(apply_url)
    assert sign_in["Location"] == f"{reverse('org:citizen-sign-in')}?next={quote(apply_url)}"


def text_of_summary(response) -> str:
    html = response.content.decode()
    match = re.search(r'<section class="guide-summary".*?</section>', html, flags=re.S)
    assert match, "the summary box is on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


def test_summary_comes_before_the_details(demo, client):
    item = item_named("食品经营许可（新办）")
    html = client.get(f"/guide/item/{item.code}/").content.decode()
    assert html.index("guide-summary") < html.index('id="materials"') < html.index('id="basis"')


def test_zero_visit_instant_and_deferrable_answers(demo, client):
    item = item_named("个体工商户设立登记")
    summary = text_of_summary(client.get(f"/guide/item/{item.code}/"))
    assert "0 次（全程网办）" in summary
    assert "即办（材料齐全，当场办结）" in summary
    assert "容缺" in summary


@pytest.mark.parametrize("action", ["suspend", "withdraw"])
def test_suspended_or_withdrawn_item_is_404(demo, client, action):
    item = item_named("食品经营许可（新办）")
    assert client.get(f"/guide/item/{item.code}/").status_code == 200
    getattr(services, f"item_{action}")(item=item, reason="测试")
    for url in ["", "pdf", "v1/", "v1/pdf"]:
        assert client.get(f"/guide/item/{item.code}/{url}").status_code == 404, url


def test_unpublished_and_unknown_are_404(demo, client):
    department = Department.objects.get(name="县市场监督管理局")
    base = BaseItem.objects.get(name="食品经营许可（新办）")
    draft = services.item_claim(
        base=base, department=department, region=department.region, business_type="change"
    )
    assert client.get(f"/guide/item/{draft.code}/").status_code == 404
    assert client.get(f"/guide/item/{draft.code}/v1/").status_code == 404
    assert client.get("/guide/item/NO-SUCH/").status_code == 404
    assert client.get("/guide/bundle/NO-SUCH/").status_code == 404
    assert client.get("/guide/bundle/NO-SUCH/pdf").status_code == 404
    bundle = services.bundle_create(
        code="DRAFT1",
        name="未发布的一件事",
        lead_department=Department.objects.get(is_bureau=True),
        stages=[[item_named("出生登记")]],
    )
    assert client.get(f"/guide/bundle/{bundle.code}/").status_code == 404
    assert client.get(f"/guide/bundle/{bundle.code}/notice/").status_code == 404


def test_old_version_url_works_after_a_new_publication(demo, client):
    item = item_named("食品经营许可（新办）")
    v2 = services.version_start_revision(item=item, reason="压缩承诺时限")
    assert client.get(f"/guide/item/{item.code}/v2/").status_code == 404  # not yet published
    services.version_update(version=v2, elements={"promised_limit": 5}, reason="压缩承诺时限")
    services.version_submit(version=v2)
    services.version_approve(version=v2)
    services.version_publish(version=v2)

    current = client.get(f"/guide/item/{item.code}/")
    assert "承诺 5 个工作日内办结" in text_of_summary(current)
    assert "第 2 版" in text_of(current) and 'data-testid="superseded"' not in current.text

    old = client.get(f"/guide/item/{item.code}/v1/")
    assert old.status_code == 200
    assert "承诺 10 个工作日内办结" in text_of_summary(old)
    assert "该版本已被新版本替代" in text_of(old)
    assert f'href="/guide/item/{item.code}/"' in old.text and "查看现行第 2 版" in old.text
    assert f'href="/guide/item/{item.code}/v1/pdf"' in old.text

    assert client.get(f"/guide/item/{item.code}/v2/").status_code == 200
    assert client.get(f"/guide/item/{item.code}/v3/").status_code == 404
    pdf = client.get(f"/guide/item/{item.code}/v1/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert quote("（第1版）") in pdf["Content-Disposition"]


def test_item_pdf_download(demo, client, tmp_path, monkeypatch):
    seen: list[str] = []
    original = guide_pdf.qr_svg_data_uri
    monkeypatch.setattr(guide_pdf, "qr_svg_data_uri", lambda url: seen.append(url) or original(url))
    item = item_named("食品经营许可（新办）")
    response = client.get(f"/guide/item/{item.code}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert f'filename="guide-{item.code}-v1.pdf"' in disposition  # for old clients
    # The charset name of filename* is case-insensitive (RFC 5987); Django writes utf-8.
    assert "filename*=UTF-8''" + quote(
        "食品经营许可（新办）办事指南.pdf", safe=""
    ) in disposition.replace("utf-8''", "UTF-8''")
    assert response.content.startswith(b"%PDF")
    # The QR code points to the absolute URL of the online guide.
    assert seen == [f"http://testserver/guide/item/{item.code}/"]
    text = pdf_text(response.content, tmp_path)
    for expected in [
        "食品经营许可（新办）",
        "食品经营许可申请书",
        "食品安全管理制度",
        "承诺 10 个工作日内办结",
        "法定时限 20 个工作日",
        "0 次（全程网办）",
    ]:
        assert expected in text, expected


def test_bundle_page(demo, client):
    bundle = Bundle.objects.get(name="开办餐饮店一件事")
    response = client.get(f"/guide/bundle/{bundle.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    page = text_of(response)
    assert "开办餐饮店一件事" in page and "县数据资源管理局" in page
    assert "第 1 阶段" in page and "第 2 阶段" in page and "并联办理" in page
    # The inline flowchart: one box per item, one arrow between the two stages.
    svg = re.search(r"<svg.*?</svg>", html, flags=re.S).group(0)
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert len(root.findall(".//s:g[@class='item']", ns)) == 4
    assert len(root.findall("s:line[@class='arrow']", ns)) == 1
    # The merged material list: 营业执照 once, naming both items that need it.
    table = re.search(r'data-testid="merged-materials".*?</table>', html, flags=re.S).group(0)
    rows = [r for r in re.findall(r"<tr>.*?</tr>", table, flags=re.S) if "营业执照" in r]
    assert len(rows) == 1
    assert "食品经营许可（新办）" in rows[0] and "公众聚集场所投入使用营业前消防安全检查" in rows[0]
    # The merged form: 联系电话 asked once, for all items.
    form = re.search(r'data-testid="merged-form".*?</table>', html, flags=re.S).group(0)
    assert form.count("联系电话") == 1 and "全部事项共用" in form
    # Plain answers and the links.
    summary = text_of_summary(response)
    assert "承诺 10 个工作日内办结" in summary and "最多跑一次" in summary
    assert "12345" in summary and "不收费" in summary
    assert f'href="/guide/bundle/{bundle.code}/pdf"' in html
    assert f'href="/guide/bundle/{bundle.code}/notice/"' in html
    for entry in selectors.bundle_with_items(bundle).stages.all()[0].entries.all():
        assert f'href="/guide/item/{entry.item.code}/"' in html


def test_bundle_notice_page_and_pdf(demo, client, tmp_path):
    bundle = Bundle.objects.get(name="二手房转移登记及水电气网联合过户一件事")
    page = client.get(f"/guide/bundle/{bundle.code}/notice/")
    assert page.status_code == 200
    text = text_of(page)
    assert "“二手房转移登记及水电气网联合过户一件事”一次告知书" in text
    for heading in ["办理要点", "需要提交的材料", "需要填写的信息", "办理流程与部门分工"]:
        assert heading in text
    assert 'src="data:image/svg+xml' in page.text  # the QR code
    response = client.get(f"/guide/bundle/{bundle.code}/pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert (
        quote("二手房转移登记及水电气网联合过户一件事一次告知书.pdf", safe="")
        in (response["Content-Disposition"])
    )
    notice = bundle_notice(selectors.bundle_with_items(bundle))
    pdf = pdf_text(response.content, tmp_path)
    assert f"承诺 {notice.total_promised_days} 个工作日内办结" in pdf
    for stage in notice.stages:
        for item in stage.items:
            assert item.ref.name in pdf.replace("\n", "")


def test_demo_restaurant_bundle_merges_shared_material_and_fields(demo):
    bundle = Bundle.objects.get(name="开办餐饮店一件事")
    notice = bundle_notice(selectors.bundle_with_items(bundle))
    licences = [m for m in notice.materials if m.name == "营业执照"]
    assert len(licences) == 1
    assert {r.name for r in licences[0].items} == {
        "食品经营许可（新办）",
        "公众聚集场所投入使用营业前消防安全检查",
    }
    keys = [f.key for f in notice.form]
    assert len(keys) == len(set(keys))
    phone = next(f for f in notice.form if f.key == "applicant_phone")
    assert len(phone.items) == len(notice.items) == 4
    total_materials = sum(i.version.materials.count() for i in notice.items)
    assert len(notice.materials) < total_materials


def test_every_demo_bundle_page_renders(demo, client):
    for bundle in Bundle.objects.all():
        notice = bundle_notice(selectors.bundle_with_items(bundle))
        assert notice.total_promised_days == sum(
            max(i.promised_days for i in s.items) for s in notice.stages
        )
        assert notice.total_promised_days <= notice.total_legal_days
        keys = [m.key for m in notice.materials]
        assert len(keys) == len(set(keys)), bundle.name
        assert client.get(f"/guide/bundle/{bundle.code}/").status_code == 200
