"""Links: the items whose approved cases produce a licence type, and the material names a
licence type satisfies (免提交) — services (audited, one-sentence refusals) and
`yiwang license link`."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests.cases.conftest import world  # noqa: F401 (fixture)
from tests.licenses.test_command import run
from yiwang.audit.models import AuditEvent
from yiwang.licenses import services
from yiwang.licenses.models import LicenseMaterial

pytestmark = pytest.mark.django_db


def test_set_items_links_exactly_those_and_audits(world, license_type):  # noqa: F811
    services.license_type_set_items(license_type=license_type, items=[world.item])
    assert list(license_type.items.all()) == [world.item]
    event = AuditEvent.objects.get(action="licenses.type_items")
    assert world.item.code in str(event.changes)
    services.license_type_set_items(license_type=license_type, items=[world.item])
    assert AuditEvent.objects.filter(action="licenses.type_items").count() == 1  # no change
    services.license_type_set_items(license_type=license_type, items=[])
    assert not license_type.items.exists()


def test_link_and_unlink_one_item(world, license_type):  # noqa: F811
    services.license_type_link_item(license_type=license_type, item=world.item)
    services.license_type_link_item(license_type=license_type, item=world.item)  # no-op
    assert license_type.items.count() == 1
    services.license_type_link_item(license_type=license_type, item=world.item, remove=True)
    assert not license_type.items.exists()
    with pytest.raises(ValidationError) as exc:
        services.license_type_link_item(license_type=license_type, item=world.item, remove=True)
    assert "未关联" in exc.value.message_dict["items"][0]


def test_material_link_strips_the_name_and_audits(world, license_type):  # noqa: F811
    link = services.license_material_link(
        license_type=license_type, material_name="  经营场所使用证明 "
    )
    assert (link.material_name, link.license_type) == ("经营场所使用证明", license_type)
    assert AuditEvent.objects.filter(action="licenses.material_link").count() == 1
    again = services.license_material_link(
        license_type=license_type, material_name="经营场所使用证明"
    )
    assert again.pk == link.pk
    assert AuditEvent.objects.filter(action="licenses.material_link").count() == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "请填写材料名称。"),
        ("   ", "请填写材料名称。"),
        ("不存在的材料", "没有事项的申请材料名为“不存在的材料”，请核对材料名称。"),
    ],
)
def test_material_link_refuses_empty_or_unknown_names(world, license_type, name, message):  # noqa: F811
    with pytest.raises(ValidationError) as exc:
        services.license_material_link(license_type=license_type, material_name=name)
    assert exc.value.message_dict["material_name"] == [message]
    assert not LicenseMaterial.objects.exists()


def test_a_name_linked_to_another_type_is_refused(world, license_type, issuer):  # noqa: F811
    from tests import factories

    other = services.license_type_create(
        code=factories.uscc() + "002", name="其他证", department=issuer
    )
    services.license_material_link(license_type=license_type, material_name="经营场所使用证明")
    with pytest.raises(ValidationError) as exc:
        services.license_material_link(license_type=other, material_name="经营场所使用证明")
    assert "已关联证照类型“食品经营许可证”" in exc.value.message_dict["material_name"][0]


def test_material_unlink(world, license_type):  # noqa: F811
    services.license_material_link(license_type=license_type, material_name="经营场所使用证明")
    services.license_material_unlink(material_name=" 经营场所使用证明", license_type=license_type)
    assert not LicenseMaterial.objects.exists()
    assert AuditEvent.objects.filter(action="licenses.material_unlink").exists()
    with pytest.raises(ValidationError) as exc:
        services.license_material_unlink(material_name="经营场所使用证明")
    assert exc.value.message_dict["material_name"] == [
        "材料“经营场所使用证明”未关联任何证照类型，无需解除。"
    ]


def test_command_links_items_and_materials(world, license_type):  # noqa: F811
    code, out, _ = run("link", "item", license_type.code, world.item.code)
    assert code == 0 and "已关联事项" in out
    assert list(license_type.items.all()) == [world.item]
    code, out, _ = run("link", "material", license_type.code, "经营场所使用证明")
    assert code == 0 and "免提交" in out
    assert LicenseMaterial.objects.get().license_type == license_type
    assert run("link", "material", license_type.code, "经营场所使用证明", "--remove")[0] == 0
    assert run("link", "item", license_type.code, world.item.code, "--remove")[0] == 0
    assert not license_type.items.exists() and not LicenseMaterial.objects.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["item", "TYPE", "X"], "没有证照类型 TYPE。"),
        (["item", "{type}", "NOPE"], "没有实施编码为 NOPE 的事项。"),
        (["material", "{type}", "  "], "请填写材料名称。"),
        (
            ["material", "{type}", "不存在的材料"],
            "没有事项的申请材料名为“不存在的材料”，请核对材料名称。",
        ),
        (
            ["material", "{type}", "营业执照", "--remove"],
            "材料“营业执照”未关联证照类型“食品经营许可证”，无需解除。",
        ),
    ],
)
def test_command_errors_are_one_sentence_and_exit_2(world, license_type, argv, message):  # noqa: F811
    argv = [a.replace("{type}", license_type.code) for a in argv]
    code, _, err = run("link", *argv)
    assert (code, err) == (2, message)
