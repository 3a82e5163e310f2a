"""catalog.fields: each rule has one home and holds through the model (services), the edit
page (forms) and the API (serializers): value ranges, at least one handling form, the rules
between a version's elements, form-field types, claim defaults and "open version"; and the
data migration of the former 跨省通办/省内通办 flags to 通办范围."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from tests import factories as f
from yiwang.catalog import fields, selectors, services
from yiwang.catalog.forms import FormFieldRowForm, MaterialRowForm, StepRowForm
from yiwang.catalog.guides import bundles
from yiwang.catalog.models import (
    ELEMENT_FIELDS,
    OPEN_VERSION_STATUSES,
    ServiceItemVersion,
    VersionStatus,
)
from yiwang.catalog.quality import checks as quality
from yiwang.org.models import RegionLevel

from .conftest import MigrationStep, claim_ready
from .test_views import edit_url, load_edit_form


def _draft(world) -> ServiceItemVersion:  # type: ignore[no-untyped-def]
    return claim_ready(world).versions.get()


def _post_edit(client, version, changes: dict[str, Any]):  # type: ignore[no-untyped-def]
    """Post the edit page as a browser would, with `changes` (True ticks, False unticks)."""
    data = load_edit_form(client, version)
    for key, value in changes.items():
        if value is False:
            data.pop(key, None)
        elif value is True:
            data[key] = "on"
        elif value is None:
            data[key] = ""
        else:
            data[key] = value if isinstance(value, list) else str(value)
    data["reason"] = "测试"
    data["action"] = "save"
    return client.post(edit_url(version), data)


def _patch(world, version, body: dict[str, Any]):  # type: ignore[no-untyped-def]
    api = APIClient()
    api.force_authenticate(world.clerk.user)
    return api.patch(f"/api/catalog/manage/versions/{version.pk}/", body, format="json")


# --- Value ranges ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("element", "bound", "label"),
    [
        ("visits", fields.VISITS, "到办事现场次数"),
        ("legal_limit", fields.LIMIT_DAYS, "法定办结时限"),
        ("promised_limit", fields.LIMIT_DAYS, "承诺办结时限"),
    ],
)
def test_element_ranges_hold_through_model_form_and_api(client, world, element, bound, label):
    version = _draft(world)
    message = bound.message(label)
    too_big = bound.high + 1
    extra = {"legal_limit": fields.LIMIT_DAYS.high} if element == "promised_limit" else {}
    with pytest.raises(ValidationError) as caught:
        services.version_update(version=version, elements={element: too_big, **extra})
    assert message in caught.value.message_dict[element]

    client.force_login(world.clerk.user)
    response = _post_edit(client, version, {element: too_big, **extra})
    assert response.status_code == 200 and message in response.content.decode()

    response = _patch(world, version, {element: too_big})
    assert response.status_code == 400 and message in str(response.json())
    version.refresh_from_db()
    assert getattr(version, element) != too_big
    # the bounds themselves are allowed
    services.version_update(version=version, elements={element: bound.low})


@pytest.mark.parametrize(
    ("form_class", "row", "bound"),
    [
        (MaterialRowForm, {"name": "申请书", "count": 100}, fields.MATERIAL_COUNT),
        (StepRowForm, {"name": "受理", "limit_days": 3651}, fields.STEP_LIMIT_DAYS),
    ],
)
def test_row_ranges_hold_through_model_form_and_api(world, form_class, row, bound):
    version = _draft(world)
    lists = {MaterialRowForm: "materials", StepRowForm: "steps"}[form_class]
    with pytest.raises(ValidationError):
        services.version_update(version=version, **{lists: [row]})
    defaults = {"original_or_copy": "original", "medium": "both", "source": "applicant"}
    form = form_class(data={**defaults, **row})
    assert not form.is_valid()
    (field,) = [k for k in row if k != "name"]
    assert form.errors[field]
    response = _patch(world, version, {lists: [row]})
    assert response.status_code == 400
    at_bound = {**row, field: bound.high}
    services.version_update(version=version, **{lists: [at_bound]})


def test_special_procedure_limit_range_holds_through_model_and_api(world):
    version = _draft(world)
    row = {"name": "专家评审", "limit_days": fields.STEP_LIMIT_DAYS.high + 1}
    with pytest.raises(ValidationError):
        services.version_update(version=version, special_procedures=[row])
    assert _patch(world, version, {"special_procedures": [row]}).status_code == 400


# --- Rules between elements -------------------------------------------------------------------

RULE_CASES = {
    "depth_four_not_flagged": (
        {"online_depth": 4, "fully_online": False},
        "fully_online",
        "网上办理深度为四级（全程网办）的事项应标为全程网办。",
    ),
    "flagged_not_depth_four": (
        {"fully_online": True, "online_depth": 3, "visits": 0},
        "online_depth",
        "全程网办事项的网上办理深度应为四级（全程网办）。",
    ),
    "fully_online_with_a_visit": (
        {"fully_online": True, "online_depth": 4, "visits": 1},
        "visits",
        "全程网办事项的到办事现场次数应为 0，现为 1 次。",
    ),
    "entrusted_without_department": (
        {"body_nature": "entrusted", "entrusting_department": ""},
        "entrusting_department",
        "实施主体为受委托组织时，须填写委托部门。",
    ),
    "department_without_entrusted": (
        {"body_nature": "statutory", "entrusting_department": "示范县人民政府"},
        "entrusting_department",
        "实施主体不是受委托组织时，委托部门应为空。",
    ),
    "online_payment_without_fee": (
        {"has_fee": False, "online_payment": True},
        "online_payment",
        "不收费的事项不能标为支持网上支付。",
    ),
    "no_handling_form": (
        {"handling_forms": []},
        "handling_forms",
        "至少选择一种办理形式：窗口办理、网上办理、自助办理、快递申请。",
    ),
    "instant_with_promised_limit": (
        {"handling_kind": "instant", "promised_limit": 3},
        "promised_limit",
        "即办件的承诺时限应为 0。",
    ),
}


@pytest.mark.parametrize("case", list(RULE_CASES))
def test_rules_hold_through_model_form_and_api(client, world, case):
    changes, field, message = RULE_CASES[case]
    assert fields.version_rule_errors(changes) == {field: message}
    version = _draft(world)
    before = {k: getattr(version, k) for k in changes}

    with pytest.raises(ValidationError) as caught:
        services.version_update(version=version, elements=changes)
    assert caught.value.message_dict[field] == [message]

    client.force_login(world.clerk.user)
    response = _post_edit(client, version, changes)
    assert response.status_code == 200 and message in response.content.decode()

    response = _patch(world, version, changes)
    assert response.status_code == 422 and message in str(response.json())

    version.refresh_from_db()
    assert {k: getattr(version, k) for k in changes} == before


def test_the_same_values_pass_once_consistent(world):
    version = _draft(world)
    services.version_update(
        version=version,
        elements={
            "fully_online": True,
            "online_depth": 4,
            "visits": 0,
            "body_nature": "entrusted",
            "entrusting_department": "示范县市场监督管理局",
            "has_fee": True,
            "fee_standard": "每件 10 元",
            "online_payment": True,
        },
    )
    version.refresh_from_db()
    assert version.fully_online and version.online_depth == 4


def test_setting_only_the_flag_or_only_the_depth_aligns_the_other(world):
    version = _draft(world)
    services.version_update(version=version, elements={"fully_online": True, "visits": 0})
    version.refresh_from_db()
    assert version.online_depth == fields.OnlineDepth.LEVEL_4
    services.version_update(version=version, elements={"fully_online": False})
    version.refresh_from_db()
    assert version.online_depth == fields.OnlineDepth.LEVEL_3
    services.version_update(version=version, elements={"online_depth": 4, "visits": 0})
    version.refresh_from_db()
    assert version.fully_online is True


def test_a_partial_import_row_is_checked_only_on_what_it_gives():
    assert fields.version_rule_errors({"promised_limit": 30}) == {}
    assert fields.version_rule_errors({"legal_limit": 20, "promised_limit": 30}) == {
        "promised_limit": "承诺时限不能超过法定时限。"
    }
    assert fields.version_rule_errors({"service_objects": ["alien"]}) == {
        "service_objects": "未知的服务对象：alien。"
    }
    assert fields.version_rule_errors({"service_objects": []}) == {}  # quality reports it


# --- Form-field types, open version, claim defaults -------------------------------------------


def test_one_list_of_form_field_types():
    offered = [value for value, _ in FormFieldRowForm().fields["type"].choices]  # type: ignore[attr-defined]
    assert offered == list(fields.FORM_FIELD_TYPES)
    assert bundles.FIELD_TYPE_LABELS is fields.FORM_FIELD_TYPES
    # the two former lists disagreed: the form lacked 电子邮箱, the bundles 多行文本
    assert {"email", "textarea"} <= set(fields.FORM_FIELD_TYPES)


def test_open_version_is_one_definition(world):
    item = claim_ready(world)
    version = item.versions.get()
    for status in VersionStatus.values:
        ServiceItemVersion.objects.filter(pk=version.pk).update(status=status)
        found = selectors.open_version(item)
        assert (found is not None) == (status in OPEN_VERSION_STATUSES), status
        listed = selectors.item_search_for(user=world.clerk.user).get(pk=item.pk)
        assert (listed.open_version_status == status) == (status in OPEN_VERSION_STATUSES)
    assert list(OPEN_VERSION_STATUSES) == quality.OPEN_STATUSES
    ServiceItemVersion.objects.filter(pk=version.pk).update(status=VersionStatus.SUBMITTED)
    assert services.version_start_revision(item=item).pk == version.pk  # the open one


def test_a_claim_writes_the_claim_defaults(world):
    item = services.item_claim(
        base=world.base, department=world.dept, region=world.dept.region, actor=world.clerk.user
    )
    version = item.versions.get()
    expected = services.claim_defaults(base=world.base, region=world.dept.region)
    assert {f: getattr(version, f) for f in ELEMENT_FIELDS} == expected
    assert expected["exercise_level"] == fields.ExerciseLevel.COUNTY
    assert expected["result_name"] == world.base.name
    town_dept = f.department("测试镇人民政府", at=f.town(1))
    town = services.claim_defaults(base=world.base, region=town_dept.region)
    assert town_dept.region.level == RegionLevel.TOWN
    assert town["exercise_level"] == fields.ExerciseLevel.TOWNSHIP


def test_scope_and_the_former_flags():
    assert fields.scope_from_flags(cross_province=True, in_province=True) == "cross_province"
    assert fields.scope_from_flags(cross_province=False, in_province=True) == "province"
    assert fields.scope_from_flags(cross_province=False, in_province=False) == "county"
    derived = {
        s: (fields.is_cross_province(s), fields.is_in_province(s)) for s in fields.ServiceScope
    }
    assert derived == {
        "national": (True, True),
        "cross_province": (True, True),
        "province": (False, True),
        "city": (False, False),
        "county": (False, False),
    }


# --- The data migration ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("back_to_the_latest_migrations")
def test_migration_moves_the_flags_to_the_scope():
    step = MigrationStep("0005_material_equivalences", "0006_implementation_list_elements")
    old = step.old
    BaseItem = old.get_model("catalog", "BaseItem")
    Item = old.get_model("catalog", "ServiceItem")
    Version = old.get_model("catalog", "ServiceItemVersion")
    dept = step.department("县市场监督管理局")
    region = dept.region
    base = BaseItem.objects.create(
        code="000103001000", name="食品经营许可", item_type="licensing", legal_basis="《法》"
    )
    flags = {
        "A": (True, True, True, ["online"]),
        "B": (False, True, False, ["window", "online"]),
        "C": (False, False, False, ["window"]),
    }
    for n, (code, (cross, inside, online, forms)) in enumerate(flags.items()):
        item = Item.objects.create(
            code=code, base=base, department=dept, region=region, business_type=f"t{n}"
        )
        Version.objects.create(
            item=item,
            number=1,
            name=f"事项{code}",
            base_code=base.code,
            item_type="licensing",
            legal_basis="《法》",
            legal_limit=0,
            promised_limit=0,
            handling_kind="promised",
            visits=0 if online else 1,
            handling_forms=forms,
            fully_online=online,
            cross_province=cross,
            in_province=inside,
        )
    new = step.forward()
    rows = new.get_model("catalog", "ServiceItemVersion").objects.order_by("item__code")
    assert [
        (v.item.code, v.service_scope, v.online_depth, v.exercise_level, v.result_name)
        for v in rows
    ] == [
        ("A", "cross_province", 4, "county", "事项A"),
        ("B", "province", 3, "county", "事项B"),
        ("C", "county", 1, "county", "事项C"),
    ]
