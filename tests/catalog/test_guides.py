"""Guide data: the plain-language answers, which versions are public, URLs, QR payload and the
PDFs (text checked with pdftotext)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.test import RequestFactory

from yiwang.catalog import services
from yiwang.catalog.guides import assembly as guides
from yiwang.catalog.guides import pdf as guide_pdf

from .test_bundles import published_bundle, published_item

MATERIALS = [
    {"name": "食品经营许可申请书", "original_or_copy": "original", "count": 2, "medium": "paper"},
    {"name": "营业执照", "source": "government", "exempt": True, "original_or_copy": "copy"},
    {"name": "场地使用证明", "original_or_copy": "copy", "deferrable": True},
    {"name": "健康证明", "required": False, "original_or_copy": "copy", "medium": "electronic"},
]
STEPS = [
    {"name": "受理", "role": "窗口工作人员", "limit_days": 1},
    {"name": "审查", "role": "审批人员", "limit_days": 8},
]


@pytest.fixture
def food(world):
    return published_item(
        world.dept,
        "食品经营许可（新办）",
        materials=MATERIALS,
        steps=STEPS,
        legal_limit=20,
        promised_limit=10,
        visits=1,
        handling_forms=["window", "online"],
        service_scope="cross_province",
        faq=(
            "问：可以委托他人办理吗？\n答：可以，需提交授权委托书。\n"
            "问：多久能拿证？\n答：10 个工作日。"
        ),
        complaint_channel="县市场监管局投诉电话 0550-1234567",
        location="示范县政务服务中心 13 号窗口",
        hours="工作日 8:30-17:30",
    )


def test_plain_answers(food):
    guide = guides.current_item_guide(food.code)
    assert guide is not None and guide.is_current
    assert [m.name for m in guide.materials_to_submit] == [
        "食品经营许可申请书",
        "场地使用证明",
        "健康证明",
    ]
    assert [m.name for m in guide.exempt_materials] == ["营业执照"]
    application, _, premises, health = guide.materials
    assert application.requirement == "原件 2 份 · 纸质"
    assert premises.deferrable and not health.required
    assert health.requirement == "复印件 1 份 · 电子"
    assert guide.visits_label == "最多跑一次"
    assert guide.time_label == "承诺 10 个工作日内办结"
    assert guide.legal_label == "法定时限 20 个工作日"
    assert guide.fee_label == "不收费"
    assert guide.online_label == "网上预审"
    assert guide.complaint_channels == [
        "县市场监管局投诉电话 0550-1234567",
        "12345 政务服务便民热线",
    ]
    assert guide.flags == ["跨省通办"]
    assert guide.faq_entries == [
        ("可以委托他人办理吗？", "可以，需提交授权委托书。"),
        ("多久能拿证？", "10 个工作日。"),
    ]
    assert [s.name for s in guide.steps] == ["受理", "审查"]
    assert guide.version.number == 1 and guide.published_on.endswith("日")


def test_instant_online_and_fee_answers(world):
    item = published_item(
        world.dept,
        "临时身份证明",
        handling_kind="instant",
        promised_limit=0,
        legal_limit=0,
        visits=0,
        fully_online=True,
        handling_forms=["online"],
        has_fee=True,
        fee_standard="每证 10 元",
    )
    guide = guides.current_item_guide(item.code)
    assert guide.time_label == "即办（材料齐全，当场办结）"
    assert guide.legal_label == "法定时限：当场办结"
    assert guide.visits_label == "0 次（全程网办）"
    assert guide.online_label == "全程网办"
    assert guide.fee_label == "收费：每证 10 元"
    assert "全程网办" in guide.flags


def test_window_only_item(world):
    item = published_item(world.other, "户口迁移", handling_forms=["window"], visits=2)
    guide = guides.current_item_guide(item.code)
    assert guide.online_label == "窗口办理" and guide.visits_label == "最多跑 2 次"


def test_faq_without_question_marks_is_one_entry():
    assert guides.faq_entries("请提前预约。\n节假日不办理。") == [
        ("", "请提前预约。\n节假日不办理。")
    ]
    assert guides.faq_entries("") == []


def test_unpublished_suspended_and_withdrawn_items_have_no_guide(world, food):
    claimed = services.item_claim(
        base=world.base, department=world.other, region=world.other.region
    )
    assert guides.current_item_guide(claimed.code) is None
    assert guides.item_guide_for_version(claimed.code, 1) is None  # a draft is never public
    assert guides.current_item_guide("NO-SUCH-CODE") is None
    services.item_suspend(item=food, reason="整改")
    assert guides.current_item_guide(food.code) is None
    assert guides.item_guide_for_version(food.code, 1) is None
    services.item_resume(item=food, reason="整改完成")
    assert guides.current_item_guide(food.code) is not None
    services.item_withdraw(item=food, reason="事项取消")
    assert guides.current_item_guide(food.code) is None
    assert guides.item_guide_for_version(food.code, 1) is None


def test_old_version_stays_readable_after_a_new_publication(food):
    v2 = services.version_start_revision(item=food, reason="压缩承诺时限")
    assert guides.item_guide_for_version(food.code, 2) is None  # not published yet
    services.version_update(version=v2, elements={"promised_limit": 5}, reason="压缩承诺时限")
    services.version_submit(version=v2)
    services.version_approve(version=v2)
    services.version_publish(version=v2)
    current = guides.current_item_guide(food.code)
    old = guides.item_guide_for_version(food.code, 1)
    assert current.version.number == 2 and current.time_label == "承诺 5 个工作日内办结"
    assert old is not None and not old.is_current and old.current_number == 2
    assert old.time_label == "承诺 10 个工作日内办结"
    assert guide_pdf.item_guide_path(old) == f"/guide/item/{food.code}/v1/"
    assert guide_pdf.item_guide_path(current) == f"/guide/item/{food.code}/"
    assert guide_pdf.item_pdf_filename(old) == "食品经营许可（新办）办事指南（第1版）.pdf"
    assert guides.item_guide_for_version(food.code, 3) is None


def test_public_url_from_request_or_setting(settings):
    settings.ALLOWED_HOSTS = ["zwfw.example.gov.cn"]
    request = RequestFactory().get("/", HTTP_HOST="zwfw.example.gov.cn")
    assert (
        guide_pdf.public_url("/guide/item/X/", request)
        == "http://zwfw.example.gov.cn/guide/item/X/"
    )
    assert guide_pdf.public_url("/guide/item/X/") == "http://127.0.0.1:8000/guide/item/X/"
    settings.YIWANG_PUBLIC_BASE_URL = "https://zwfw.example.gov.cn/"
    assert guide_pdf.public_url("/guide/item/X/") == "https://zwfw.example.gov.cn/guide/item/X/"


def test_qr_code_encodes_the_url():
    url = "https://zwfw.example.gov.cn/guide/item/ABC123/"
    qr = guide_pdf.qr_code(url)
    # Level M at least (segno raises it when the symbol has room to spare).
    assert qr.error in {"M", "Q", "H"} and not qr.is_micro
    # segno cannot decode; an independent encoding of the same payload gives the same matrix.
    import segno

    assert qr.matrix == segno.make_qr(url, error="m").matrix
    assert qr.matrix != segno.make_qr(url + "x", error="m").matrix
    assert guide_pdf.qr_svg_data_uri(url).startswith("data:image/svg+xml")


def test_pdf_file_names_are_safe():
    # The download header itself: tests/common/test_http.py.
    assert guide_pdf._safe_filename('a/b\\c:"d".pdf') == "a_b_c__d_.pdf"


def pdf_text(pdf: bytes, tmp_path) -> str:
    """The PDF's text, via poppler's pdftotext (with layout off, lines as printed)."""
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is required"
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_item_pdf_contains_the_guide(food, tmp_path, monkeypatch):
    seen: list[str] = []
    original = guide_pdf.qr_svg_data_uri
    monkeypatch.setattr(guide_pdf, "qr_svg_data_uri", lambda url: seen.append(url) or original(url))
    guide = guides.current_item_guide(food.code)
    url = f"http://zwfw.example.gov.cn/guide/item/{food.code}/"
    pdf = guide_pdf.item_guide_pdf(guide, url=url)
    assert pdf.startswith(b"%PDF")
    assert seen == [url]
    text = pdf_text(pdf, tmp_path)
    for expected in [
        "食品经营许可（新办）",
        "食品经营许可申请书",
        "原件 2 份",
        "场地使用证明",
        "容缺",
        "无需提交，由部门共享获取",
        "最多跑一次",
        "承诺 10 个工作日内办结",
        "法定时限 20 个工作日",
        "不收费",
        "网上预审",
        "12345",
        "示范县政务服务中心 13 号窗口",
        "可以委托他人办理吗？",
        "第 1 版",
    ]:
        assert expected in text, expected
    assert url in text.replace("\n", "")


def test_bundle_notice_pdf(world, food, tmp_path):
    fire = published_item(
        world.other,
        "消防安全检查",
        materials=[{"name": "营业执照", "source": "government", "exempt": True}],
        promised_limit=5,
        legal_limit=10,
    )
    permit = published_item(world.other, "招牌设置审批", promised_limit=3, legal_limit=5)
    bundle = published_bundle(world.bureau, "开办餐饮店一件事", [[food, fire], [permit]])
    notice = guides.published_bundle_notice(bundle.code)
    pdf = guide_pdf.bundle_notice_pdf(notice, url="http://x/guide/bundle/B/")
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    for expected in [
        "“开办餐饮店一件事”一次告知书",
        "食品经营许可申请书",
        "营业执照",
        "承诺 13 个工作日内办结",
        "第 1 阶段",
        "第 2 阶段",
        "县公安局",
        "办理流程图",
    ]:
        assert expected in text, expected
    assert guide_pdf.bundle_pdf_filename(notice) == "开办餐饮店一件事一次告知书.pdf"


# --- The implementation-list elements on the guide (issue 7 §3) --------------------------------


def test_the_guide_shows_the_list_elements_citizens_care_about(client, world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from tests.common import files

    settings.MEDIA_ROOT = str(tmp_path)
    item = published_item(
        world.dept,
        "公共场所卫生许可",
        has_fee=True,
        fee_standard="每件 20 元",
        online_payment=True,
        service_objects=["legal_person", "other_organisation"],
        service_scope="city",
        online_depth=3,
        express_delivery=True,
        delivery_methods=["window", "mail"],
        result_type="licence",
        result_name="公共场所卫生许可证",
        joint_bodies="县消防救援大队",
        quantity_limit="",
        exercise_level="county",
        body_nature="entrusted",
        entrusting_department="县卫生健康委员会",
        power_source="entrusted_up",
    )
    draft = services.version_start_revision(item=item, reason="补充样本与中介服务")
    services.version_update(
        version=draft,
        intermediaries=[{"name": "卫生学评价", "charged": True, "fee_basis": "市场调节价"}],
        result_sample=SimpleUploadedFile("样本.pdf", files.pdf(), "application/pdf"),
        reason="补充样本与中介服务",
    )
    # Not public while a draft: its sample is not either.
    sample_url = reverse("guide:result-sample", args=[draft.pk])
    assert client.get(sample_url).status_code == 404
    services.version_submit(version=draft)
    services.version_approve(version=draft)
    services.version_publish(version=draft)

    guide = guides.current_item_guide(item.code)
    assert guide.service_objects == "法人（企业法人/事业法人/社会组织法人）、非法人组织"
    assert guide.service_scope_label == "市内通办" and "市内通办" in guide.flags
    assert guide.online_depth_label == "三级（网上预审、网上受理）"
    assert guide.delivery_methods == "窗口领取、邮寄送达"
    assert guide.quantity_limit_label == "无数量限制"
    assert ("网上支付", "是") in guide.convenience and ("物流快递", "是") in guide.convenience
    assert guide.basic_info == [
        ("行使层级", "县级"),
        ("实施主体性质", "受委托组织"),
        ("委托部门", "县卫生健康委员会"),
        ("权力来源", "上级委托"),
    ]
    assert [i.name for i in guide.intermediaries] == ["卫生学评价"]
    html = client.get(reverse("guide:item", args=[item.code])).content.decode()
    for text in ("非法人组织", "市内通办", "公共场所卫生许可证", "卫生学评价", "县消防救援大队"):
        assert text in html, text
    assert guide.result_sample_url == sample_url and f'href="{sample_url}"' in html
    response = client.get(sample_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]


def test_a_free_item_says_nothing_of_online_payment(food):
    guide = guides.current_item_guide(food.code)
    assert [label for label, _ in guide.convenience] == ["物流快递", "预约办理", "进驻政务服务大厅"]
    assert guide.service_scope_label == "跨省通办" and guide.basic_info == [("行使层级", "县级")]
