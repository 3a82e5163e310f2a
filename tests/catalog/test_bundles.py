"""一件事: merged form (shared fields once), merged material list (identical materials once,
listing the items that need them), the notice's figures, and the demo bundles."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from yiwang.catalog import selectors, services
from yiwang.catalog.guides import bundles
from yiwang.catalog.guides.bundles import normalise_material_name
from yiwang.catalog.models import Bundle, ServiceItem
from yiwang.org.models import Department

_seq = itertools.count(1)

BASE_ELEMENTS: dict[str, Any] = {
    "legal_limit": 20,
    "promised_limit": 10,
    "handling_kind": "promised",
    "visits": 1,
    "conditions": "符合法定条件的申请人",
    "location": "示范县政务服务中心 7 号窗口",
    "hours": "工作日 8:30-17:30",
    "consult_phone": "0550-12345",
    "complaint_channel": "县政务服务中心投诉窗口",
    "handling_forms": ["window"],
}


def published_item(
    department: Department,
    name: str,
    *,
    materials: list[dict[str, Any]] | None = None,
    form_fields: list[dict[str, str]] | None = None,
    steps: list[dict[str, Any]] | None = None,
    **elements: Any,
) -> ServiceItem:
    """Claim, compile and publish an item (as the system) with the given elements."""
    n = next(_seq)
    base = services.base_item_create(
        code=f"99{n:04d}000000",
        name=name,
        item_type="licensing",
        competent_department="测试主管部门",
        implementing_body=department.name,
        legal_basis="《测试条例》第一条",
    )
    item = services.item_claim(base=base, department=department, region=department.region)
    version = item.versions.get()
    services.version_update(
        version=version,
        elements={**BASE_ELEMENTS, "form_fields": form_fields or [], **elements},
        materials=materials or [],
        steps=steps,
    )
    publish_version(version)
    item.refresh_from_db()
    return item


def publish_version(version: Any) -> Any:
    services.version_submit(version=version)
    services.version_approve(version=version)
    return services.version_publish(version=version)


def published_bundle(
    lead: Department, name: str, stages: list[list[ServiceItem]], code: str | None = None
) -> Bundle:
    bundle = services.bundle_create(
        code=code or f"TB{next(_seq):03d}",
        name=name,
        lead_department=lead,
        stages=stages,
        summary=f"{name}的简介",
    )
    return services.bundle_publish(bundle=bundle)


# --- name normalisation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("营业执照（副本）", "营业执照(副本)"),
        ("营业执照 【副本】", "营业执照（副本）"),
        (" 居民身份证。", "居民身份证"),
        ("法定代表人身份证明、", "法定代表人 身份证明"),
        ("ＡＢＣ证明", "abc证明"),
    ],
)
def test_material_names_that_are_the_same_material(a, b):
    assert normalise_material_name(a) == normalise_material_name(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [("营业执照（副本）", "营业执照副本"), ("居民身份证", "居民户口簿"), ("申请书", "申请表")],
)
def test_material_names_that_differ(a, b):
    assert normalise_material_name(a) != normalise_material_name(b)


# --- merging --------------------------------------------------------------------------------

PHONE = {"key": "applicant_phone", "label": "联系电话", "type": "phone"}
NAME = {"key": "applicant_name", "label": "申请人姓名", "type": "text"}


@pytest.fixture
def shop(world):
    """A three-stage bundle: licence, then two parallel items, then an instant item."""
    licence = published_item(
        world.dept,
        "个体工商户设立登记",
        legal_limit=15,
        promised_limit=3,
        visits=1,
        form_fields=[NAME, PHONE, {"key": "shop_name", "label": "字号名称", "type": "text"}],
        materials=[
            {
                "name": "居民身份证",
                "original_or_copy": "copy",
                "count": 1,
                "exempt": True,
                "source": "government",
            },
            {
                "name": "经营场所使用证明",
                "original_or_copy": "copy",
                "count": 1,
                "deferrable": True,
            },
        ],
    )
    food = published_item(
        world.dept,
        "食品经营许可（新办）",
        legal_limit=20,
        promised_limit=10,
        visits=0,
        fully_online=True,
        complaint_channel="12345 政务服务便民热线；县市场监管局投诉电话",
        form_fields=[
            # Same key, different label: asked once, with the first label seen.
            {"key": "applicant_phone", "label": "手机号码", "type": "phone"},
            {"key": "business_address", "label": "经营场所地址", "type": "text"},
        ],
        materials=[
            {
                "name": "居民身份证 ",
                "original_or_copy": "original",
                "count": 2,
                "exempt": True,
                "source": "government",
            },
            {
                "name": "经营场所使用证明。",
                "original_or_copy": "copy",
                "count": 1,
                "deferrable": False,
                "medium": "paper",
            },
            {"name": "食品安全管理制度", "original_or_copy": "copy", "count": 1},
        ],
    )
    fire = published_item(
        world.other,
        "公众聚集场所投入使用营业前消防安全检查",
        legal_limit=10,
        promised_limit=5,
        visits=2,
        form_fields=[PHONE, {"key": "business_address", "label": "场所地址", "type": "text"}],
        materials=[
            {
                "name": "居民身份证",
                "original_or_copy": "copy",
                "count": 1,
                "exempt": False,
                "source": "government",
            },
            {
                "name": "经营场所使用证明",
                "original_or_copy": "copy",
                "count": 3,
                "medium": "electronic",
            },
        ],
    )
    sign = published_item(
        world.other,
        "门头招牌设置备案",
        legal_limit=5,
        promised_limit=0,
        handling_kind="instant",
        visits=1,
        form_fields=[NAME],
        materials=[],
    )
    bundle = published_bundle(
        world.bureau, "开办小餐馆一件事", [[licence], [food, fire], [sign]], code="TB-SHOP"
    )
    return bundle, licence, food, fire, sign


def _notice(bundle: Bundle) -> bundles.BundleNotice:
    return bundles.bundle_notice(selectors.bundle_with_items(bundle))


def test_merged_form_asks_each_shared_field_once(shop):
    bundle, licence, food, fire, sign = shop
    form = _notice(bundle).form
    keys = [f.key for f in form]
    assert keys == ["applicant_name", "applicant_phone", "shop_name", "business_address"]
    by_key = {f.key: f for f in form}
    phone = by_key["applicant_phone"]
    assert phone.label == "联系电话"  # the first label seen wins
    assert [r.code for r in phone.items] == [licence.code, food.code, fire.code]
    assert phone.shared and phone.type_label == "电话号码"
    assert [r.code for r in by_key["applicant_name"].items] == [licence.code, sign.code]
    assert by_key["business_address"].label == "经营场所地址"
    assert not by_key["shop_name"].shared


def test_merged_materials_list_identical_materials_once(shop):
    bundle, licence, food, fire, _sign = shop
    materials = _notice(bundle).materials
    names = [m.name for m in materials]
    assert names == ["居民身份证", "经营场所使用证明", "食品安全管理制度"]
    id_card, premises, rules = materials
    assert [r.code for r in id_card.items] == [licence.code, food.code, fire.code]
    assert [r.name for r in premises.items] == [
        "个体工商户设立登记",
        "食品经营许可（新办）",
        "公众聚集场所投入使用营业前消防安全检查",
    ]
    assert [r.code for r in rules.items] == [food.code]


def test_merged_material_takes_the_strictest_requirement(shop):
    bundle, *_ = shop
    id_card, premises, rules = _notice(bundle).materials
    # One item needs the original: the merged entry says original; count is the largest.
    assert (id_card.original_or_copy, id_card.original_or_copy_label) == ("original", "原件")
    assert id_card.count == 2
    # 免提交 only if every requiring item marks it exempt — the fire check does not.
    assert id_card.exempt is False
    assert id_card.government_issued
    # 容缺 only if every requiring item allows deferral.
    assert premises.deferrable is False
    assert premises.count == 3
    # paper-only and electronic-only: both forms needed.
    assert premises.medium_label == "纸质和电子各一份"
    assert rules.medium_label == "纸质或电子" and rules.original_or_copy == "copy"


def test_exempt_when_every_requiring_item_marks_it_exempt(world):
    a = published_item(
        world.dept,
        "事项甲",
        materials=[{"name": "营业执照", "exempt": True, "source": "government"}],
    )
    b = published_item(
        world.other,
        "事项乙",
        materials=[
            {"name": "营业执照（ ）", "exempt": True, "source": "government", "deferrable": True}
        ],
    )
    c = published_item(world.other, "事项丙", materials=[{"name": "承诺书", "deferrable": True}])
    bundle = published_bundle(world.bureau, "测试一件事", [[a, b], [c]])
    notice = _notice(bundle)
    licence, pledge = notice.materials
    assert licence.name == "营业执照" and licence.exempt and len(licence.items) == 2
    assert notice.exempt_materials == [licence]
    assert notice.materials_to_submit == [pledge]
    assert pledge.deferrable


def test_notice_figures(shop):
    bundle, *_ = shop
    notice = _notice(bundle)
    assert [s.order for s in notice.stages] == [1, 2, 3]
    assert [len(s.items) for s in notice.stages] == [1, 2, 1]
    # Σ over stages of the slowest item: 3 + max(10, 5) + 0 (instant).
    assert [s.promised_days for s in notice.stages] == [3, 10, 0]
    assert notice.total_promised_days == 13
    assert notice.time_label == "承诺 13 个工作日内办结"
    assert notice.total_legal_days == 15 + 20 + 5
    assert notice.visits == 2 and notice.visits_label == "最多跑 2 次"
    assert notice.fully_online is False
    assert notice.departments == ["县市场监督管理局", "县公安局"]
    assert notice.locations == ["示范县政务服务中心 7 号窗口"]
    # Each channel once, split at "；", and the 12345 hotline present.
    assert notice.complaint_channels == [
        "县政务服务中心投诉窗口",
        "12345 政务服务便民热线",
        "县市场监管局投诉电话",
    ]
    assert notice.fee_label == "不收费"


def test_complaint_channels_always_name_12345():
    assert bundles.complaint_channels(["县投诉电话"]) == ["县投诉电话", "12345 政务服务便民热线"]
    assert bundles.complaint_channels(["拨打12345"]) == ["拨打12345"]


@pytest.mark.parametrize(
    ("visits", "online", "label"),
    [
        (0, True, "0 次（全程网办）"),
        (0, False, "0 次（无需到现场）"),
        (1, False, "最多跑一次"),
        (3, False, "最多跑 3 次"),
    ],
)
def test_visits_label(visits, online, label):
    assert bundles.visits_label(visits, fully_online=online) == label


def test_suspended_item_is_flagged_in_the_notice(shop, world):
    bundle, _licence, _food, fire, _sign = shop
    services.item_suspend(item=fire, reason="场所整改")
    notice = _notice(bundle)
    assert [r.code for r in notice.inactive_items] == [fire.code]
    # The bundle still describes the whole process, suspended item included.
    assert len(notice.items) == 4
