"""The citizen portal's case pages: apply (prefill, 免提交 not asked, uploads checked, draft,
submit, errors next to their fields in Chinese), 我的办件, the case page (timeline, correction
and resubmission, notices, payment, withdrawal), personal data masked, scope (another
citizen's case is 404, anonymous visitors sign in, staff go to the workbench)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.cases.conftest import ID_NUMBER, PASSWORD, CaseWorld, publish_item
from tests.common import files
from yiwang.cases import services as s
from yiwang.cases.fields import CaseStatus, Delivery
from yiwang.cases.models import Case
from yiwang.common.masking import mask_id_number, mask_phone

PDF = files.pdf(pages=1)
PHONE = "13800138000"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def citizen_client(client, world):
    client.force_login(world.citizen.user)
    return client


def upload(name: str = "申请书.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def apply_data(world: CaseWorld, **extra):
    data = {
        "form_applicant_name": "张三",
        "form_applicant_id_number": "",  # kept from the profile
        "form_applicant_phone": "",
        "form_shop_address": "示范县城关镇人民路 1 号",
        "delivery": Delivery.PICKUP,
        "action": "save",
    }
    data.update(extra)
    return data


def apply_url(world: CaseWorld) -> str:
    return reverse("cases-portal:apply", args=[world.item.code])


def text(response) -> str:
    return response.content.decode()


def the_case(world: CaseWorld) -> Case:
    return Case.objects.get(applicant=world.citizen)


def submitted_case(world: CaseWorld) -> Case:
    case = s.case_create(
        item=world.item, applicant=world.citizen, actor=world.citizen.user, form=world.form()
    )
    for order in (1, 2):
        s.case_material_upload(
            case=case, actor=world.citizen.user, order=order, file=PDF, file_name=f"{order}.pdf"
        )
    return s.case_submit(case=case, actor=world.citizen.user)


# --- who may see what -------------------------------------------------------------------------


def test_anonymous_visitors_sign_in_first_and_come_back(client, world):
    url = apply_url(world)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("org:citizen-sign-in"))
    assert response["Location"].endswith("?next=" + url)
    for name in ("cases-portal:list",):
        assert client.get(reverse(name))["Location"].startswith(reverse("org:citizen-sign-in"))
    case = submitted_case(world)
    detail = client.get(reverse("cases-portal:detail", args=[case.pk]))
    assert detail["Location"].startswith(reverse("org:citizen-sign-in"))
    assert client.post(reverse("cases-portal:withdraw", args=[case.pk])).status_code == 302
    assert Case.objects.get(pk=case.pk).status == CaseStatus.SUBMITTED


def test_another_citizens_case_is_404_on_every_page(client, world):
    case = submitted_case(world)
    client.force_login(world.stranger.user)
    for name in ("detail", "edit"):
        assert client.get(reverse(f"cases-portal:{name}", args=[case.pk])).status_code == 404
    for name in ("withdraw", "pay", "resubmit"):
        assert client.post(reverse(f"cases-portal:{name}", args=[case.pk])).status_code == 404
    assert Case.objects.get(pk=case.pk).status == CaseStatus.SUBMITTED
    listing = text(client.get(reverse("cases-portal:list")))
    assert case.number not in listing and "暂无办件" in listing


def test_staff_are_sent_to_the_workbench(client, world):
    client.force_login(world.clerk.user)
    response = client.get(reverse("cases-portal:list"))
    assert response.status_code == 302 and response["Location"] == reverse("workbench:home")
    assert client.get(apply_url(world))["Location"] == reverse("workbench:home")


def test_an_unpublished_item_is_404(citizen_client, world):
    response = citizen_client.get(reverse("cases-portal:apply", args=["nonexistent"]))
    assert response.status_code == 404
    assert "暂不能在线申请" in text(response)


# --- applying ---------------------------------------------------------------------------------


def test_the_form_is_prefilled_and_personal_data_stays_masked(citizen_client, world):
    response = citizen_client.get(apply_url(world))
    assert response.status_code == 200
    html = text(response)
    assert 'value="张三"' in html  # the name, from the profile
    assert ID_NUMBER not in html and PHONE not in html  # never written back into the page
    assert mask_id_number(ID_NUMBER) in html and mask_phone(PHONE) in html
    # 免提交 营业执照 is shown as shared, with no file input
    assert "无需提交，由部门共享获取" in html
    assert 'name="material_1"' in html and 'name="material_2"' in html
    assert 'name="material_3"' not in html
    # 告知承诺 with the text that will be signed; the item's delivery methods, EMS fields
    assert 'name="commitment"' in html and "本人（单位）承诺" in html and "食品经营许可" in html
    for method in ("pickup", "ems", "electronic"):
        assert f'value="{method}"' in html
    assert 'name="ems_address"' in html


def test_save_a_draft_then_finish_and_submit(citizen_client, world):
    response = citizen_client.post(
        apply_url(world), apply_data(world, material_1=upload(), form_shop_address="")
    )
    case = the_case(world)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases-portal:edit", args=[case.pk])
    assert case.status == CaseStatus.DRAFT
    # the profile's ID number and phone were kept although the inputs stayed empty
    assert case.form_data["applicant_id_number"] == ID_NUMBER
    assert case.form_data["applicant_phone"] == PHONE
    assert case.materials.get(current=True).file_name == "申请书.pdf"
    # coming back to the guide's button finds the draft
    assert citizen_client.get(apply_url(world))["Location"] == reverse(
        "cases-portal:edit", args=[case.pk]
    )
    edit = text(citizen_client.get(reverse("cases-portal:edit", args=[case.pk])))
    assert "已上传" in edit and "申请书.pdf" in edit
    assert reverse("cases-files:material", args=[case.pk, case.materials.get().pk]) in edit
    # submit without the shop address: the error is next to that field
    response = citizen_client.post(
        reverse("cases-portal:edit", args=[case.pk]),
        apply_data(world, form_shop_address="", action="submit"),
    )
    assert response.status_code == 400
    html = text(response)
    assert re.search(r'id="id_form_shop_address-error">请填写“经营场所”。', html)
    assert the_case(world).status == CaseStatus.DRAFT
    response = citizen_client.post(
        reverse("cases-portal:edit", args=[case.pk]), apply_data(world, action="submit")
    )
    assert response["Location"] == reverse("cases-portal:detail", args=[case.pk])
    case = the_case(world)
    assert case.status == CaseStatus.SUBMITTED and case.channel == "online"
    page = text(citizen_client.get(response["Location"]))
    assert "申请已提交" in page and "待受理" in page


def test_wrong_values_are_named_next_to_their_fields(citizen_client, world):
    response = citizen_client.post(
        apply_url(world),
        apply_data(
            world,
            form_applicant_id_number="340104199001011230",
            form_applicant_phone="12345",
            delivery=Delivery.EMS,
        ),
    )
    assert response.status_code == 400
    html = text(response)
    assert 'id="id_form_applicant_id_number-error"' in html
    assert 'id="id_form_applicant_phone-error"' in html
    assert "申请人身份证号码校验位不正确" in html and "联系电话不是有效的大陆手机号码" in html
    assert not Case.objects.exists()
    # EMS without an address: the service's error lands on the address fields
    response = citizen_client.post(
        apply_url(world), apply_data(world, delivery=Delivery.EMS, ems_recipient="张三")
    )
    assert response.status_code == 400
    assert 'id="id_ems_address-error">请填写“邮寄地址”。' in text(response)
    assert not Case.objects.exists()


def test_ems_delivery_keeps_the_address_and_masks_the_phone(citizen_client, world):
    response = citizen_client.post(
        apply_url(world),
        apply_data(
            world,
            delivery=Delivery.EMS,
            ems_recipient="张三",
            ems_phone="",  # the profile's mobile
            ems_address="示范县城关镇人民路 1 号",
        ),
    )
    assert response.status_code == 302
    case = the_case(world)
    assert case.delivery == Delivery.EMS and case.delivery_address["phone"] == PHONE
    page = text(citizen_client.get(reverse("cases-portal:detail", args=[case.pk])))
    assert mask_phone(PHONE) in page and PHONE not in page


def test_a_bad_upload_is_refused_next_to_its_material_and_nothing_stored(
    citizen_client, world, settings
):
    response = citizen_client.post(
        apply_url(world),
        apply_data(world, material_1=upload("申请书.pdf", b"<html><script>x</script></html>")),
    )
    assert response.status_code == 400
    html = text(response)
    assert 'id="id_material_1-error">文件“申请书.pdf”' in html
    case = the_case(world)  # the draft is kept, the file is not
    assert case.materials.count() == 0
    settings.YIWANG_CASE_UPLOAD_MAX_BYTES = 100
    response = citizen_client.post(
        reverse("cases-portal:edit", args=[case.pk]), apply_data(world, material_2=upload())
    )
    assert response.status_code == 400 and "上限" in text(response)
    assert case.materials.count() == 0


def test_commitment_is_signed_on_submit(citizen_client, world):
    response = citizen_client.post(
        apply_url(world),
        apply_data(world, commitment="on", action="submit", material_1=upload()),
    )
    case = the_case(world)
    assert response["Location"] == reverse("cases-portal:detail", args=[case.pk])
    assert case.commitment and case.commitment_text.startswith("本人（单位）承诺")
    page = text(citizen_client.get(response["Location"]))
    assert case.commitment_text in page and "已于" in page


def test_an_item_without_commitment_does_not_offer_it(citizen_client, world):
    from yiwang.org.models import Staff

    item = publish_item(
        world.dept,
        Staff.objects.get(user__username="bureau"),
        world.clerk,
        name="食品经营许可（变更）",
        commitment_based=False,
        delivery_methods=["window"],
    )
    html = text(citizen_client.get(reverse("cases-portal:apply", args=[item.code])))
    assert 'name="commitment"' not in html and "本人（单位）承诺" not in html
    assert 'value="pickup"' in html and 'value="ems"' not in html
    assert 'name="ems_address"' not in html


# --- 我的办件 and the case page ---------------------------------------------------------------


def test_my_cases_lists_status_item_and_dates(citizen_client, world):
    case = submitted_case(world)
    html = text(citizen_client.get(reverse("cases-portal:list")))
    assert case.number in html and "食品经营许可（新办）" in html and "待受理" in html
    assert reverse("cases-portal:detail", args=[case.pk]) in html
    # the page shows the local (site time zone) date: after 16:00 UTC it is already the next day
    assert timezone.localtime(case.submitted_at).strftime("%Y-%m-%d") in html


def test_the_case_page_masks_personal_data(citizen_client, world):
    case = submitted_case(world)
    html = text(citizen_client.get(reverse("cases-portal:detail", args=[case.pk])))
    assert ID_NUMBER not in html and PHONE not in html
    assert mask_id_number(ID_NUMBER) in html and mask_phone(PHONE) in html
    assert "示范县城关镇人民路 1 号" in html


def test_correction_is_shown_and_resubmitted(citizen_client, world):
    case = submitted_case(world)
    s.case_request_correction(
        case=case,
        actor=world.clerk.user,
        entries=[
            {"order": 2, "note": "证明已过期，请提供有效期内的证明"},
            {"name": "申请表", "note": "经营场所门牌号不清"},
        ],
    )
    url = reverse("cases-portal:detail", args=[case.pk])
    html = text(citizen_client.get(url))
    assert "补正告知" in html and "待补正" in html
    assert "证明已过期，请提供有效期内的证明" in html and "经营场所门牌号不清" in html
    assert 'name="material_2"' in html and 'name="material_1"' not in html
    notice = case.notices.get(kind="correction")
    assert reverse("cases-files:notice", args=[case.pk, notice.pk]) in html
    # resubmitting without the new file is refused, naming it
    response = citizen_client.post(reverse("cases-portal:resubmit", args=[case.pk]), {})
    assert response.status_code == 400 and "请先重新提交：经营场所使用证明" in text(response)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CORRECTION
    response = citizen_client.post(
        reverse("cases-portal:resubmit", args=[case.pk]), {"material_2": upload("新证明.pdf")}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert case.materials.get(order=2, current=True).file_name == "新证明.pdf"
    assert "补正材料已提交" in text(citizen_client.get(url))


def test_the_form_may_be_changed_while_a_correction_is_requested(citizen_client, world):
    case = submitted_case(world)
    s.case_request_correction(
        case=case, actor=world.clerk.user, entries=[{"name": "申请表", "note": "门牌号不清"}]
    )
    response = citizen_client.post(
        reverse("cases-portal:edit", args=[case.pk]),
        apply_data(world, form_shop_address="示范县城关镇人民路 18 号"),
    )
    assert response["Location"] == reverse("cases-portal:detail", args=[case.pk])
    case.refresh_from_db()
    assert case.form_data["shop_address"] == "示范县城关镇人民路 18 号"
    assert case.status == CaseStatus.CORRECTION


def test_the_timeline_from_submission_to_delivery(citizen_client, world):
    case = submitted_case(world)
    url = reverse("cases-portal:detail", args=[case.pk])

    def states(html):
        timeline = re.search(r'data-testid="timeline">(.*?)</ol>', html, flags=re.S).group(1)
        return re.findall(r'data-state="(\w+)">\s*<span class="step-label">([^<]+)', timeline)

    assert states(text(citizen_client.get(url)))[:2] == [
        ("done", "已提交"),
        ("current", "已受理"),
    ]
    case = s.case_accept(case=case, actor=world.clerk.user)
    case = s.case_advance(case=case, actor=world.approver.user)
    case = s.case_decide(case=case, actor=world.approver.user, decision="approve")
    html = text(citizen_client.get(url))
    assert [label for _, label in states(html)] == [
        "已提交",
        "已受理",
        "审查中",
        "已办结",
        "已送达",
    ]
    assert [state for state, _ in states(html)] == ["done", "done", "done", "current", "todo"]
    approval = case.notices.get(kind="approval")
    assert reverse("cases-files:notice", args=[case.pk, approval.pk]) in html
    assert "下载办理结果" in html and "准予许可决定书" in html
    assert "撤回申请" not in html  # too late
    s.case_hand_out(case=case, actor=world.clerk.user, collected_by="张三")
    assert {state for state, _ in states(text(citizen_client.get(url)))} == {"done"}


def test_withdraw_before_acceptance(citizen_client, world):
    case = submitted_case(world)
    url = reverse("cases-portal:detail", args=[case.pk])
    assert "撤回申请" in text(citizen_client.get(url))
    response = citizen_client.post(
        reverse("cases-portal:withdraw", args=[case.pk]), {"reason": "材料准备有误"}
    )
    assert response["Location"] == url
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    html = text(citizen_client.get(url))
    assert "申请已撤回" in html and "已撤回" in html
    # accepted cases cannot be withdrawn: the page says why
    other = submitted_case(world)
    s.case_accept(case=other, actor=world.clerk.user)
    response = citizen_client.post(reverse("cases-portal:withdraw", args=[other.pk]), follow=True)
    assert "不能撤回申请" in text(response)
    assert Case.objects.get(pk=other.pk).status == CaseStatus.IN_REVIEW


def test_pay_a_pending_fee(citizen_client, world):
    from yiwang.org.models import Staff

    item = publish_item(
        world.dept,
        Staff.objects.get(user__username="bureau"),
        world.clerk,
        name="食品经营许可（补证）",
        has_fee=True,
        fee_standard="工本费 10 元",
        fee_basis="《收费标准》",
    )
    case = s.case_create(
        item=item, applicant=world.citizen, actor=world.citizen.user, form=world.form()
    )
    for order in (1, 2):
        s.case_material_upload(
            case=case, actor=world.citizen.user, order=order, file=PDF, file_name="a.pdf"
        )
    case = s.case_accept(
        case=s.case_submit(case=case, actor=world.citizen.user), actor=world.clerk.user
    )
    case = s.case_advance(case=case, actor=world.approver.user)
    case = s.case_decide(case=case, actor=world.approver.user, decision="approve", fee="10.00")
    url = reverse("cases-portal:detail", args=[case.pk])
    html = text(citizen_client.get(url))
    assert "立即缴费" in html and "10.00 元" in html and "《收费标准》" in html
    listing = text(citizen_client.get(reverse("cases-portal:list")))
    assert "去缴费" in listing
    response = citizen_client.post(reverse("cases-portal:pay", args=[case.pk]), follow=True)
    html = text(response)
    assert "缴费成功" in html and "立即缴费" not in html and "已缴费" in html
    case.refresh_from_db()
    assert case.payment_status == "paid"
    # paying twice is refused in Chinese
    response = citizen_client.post(reverse("cases-portal:pay", args=[case.pk]), follow=True)
    assert "该办件已缴费" in text(response)


def test_the_portal_navigation_links_my_cases(citizen_client, world):
    html = text(citizen_client.get(reverse("portal:home")))
    assert f'href="{reverse("cases-portal:list")}"' in html and "我的办件" in html


def test_pages_have_no_inline_style_or_script(citizen_client, world):
    case = submitted_case(world)
    for url in (
        apply_url(world),
        reverse("cases-portal:list"),
        reverse("cases-portal:detail", args=[case.pk]),
    ):
        html = text(citizen_client.get(url))
        assert " style=" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert not re.search(r"\son[a-z]+=", html)


def test_pages_in_english_keep_working(citizen_client, world, settings):
    case = submitted_case(world)
    citizen_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for url in (reverse("cases-portal:list"), reverse("cases-portal:detail", args=[case.pk])):
        assert citizen_client.get(url).status_code == 200


def test_an_enterprise_applies_with_its_credit_code_prefilled(client, world):
    from tests import factories
    from yiwang.org import services as org
    from yiwang.org.models import Staff

    code = factories.uscc()
    enterprise = org.applicant_register(
        kind="legal_person",
        name="示范县好味餐饮有限公司",
        phone="13700137000",
        uscc=code,
        legal_representative="王五",
        legal_representative_id_number=factories.id_number("19800303"),
        password=PASSWORD,
    )
    item = publish_item(
        world.dept,
        Staff.objects.get(user__username="bureau"),
        world.clerk,
        name="食品经营许可（企业）",
        form_fields=[
            {"key": "entity_name", "label": "单位名称", "type": "text"},
            {"key": "uscc", "label": "统一社会信用代码", "type": "uscc"},
            {"key": "legal_representative", "label": "法定代表人", "type": "text"},
        ],
    )
    client.force_login(enterprise.user)
    html = text(client.get(reverse("cases-portal:apply", args=[item.code])))
    assert 'value="示范县好味餐饮有限公司"' in html and f'value="{code}"' in html
    assert 'value="王五"' in html
    response = client.post(
        reverse("cases-portal:apply", args=[item.code]),
        {
            "form_entity_name": "示范县好味餐饮有限公司",
            "form_uscc": "91340100MA2N0000X0",  # wrong check character
            "form_legal_representative": "王五",
            "delivery": Delivery.PICKUP,
            "action": "save",
        },
    )
    assert response.status_code == 400
    assert 'id="id_form_uscc-error">' in text(response)


def test_a_submitted_case_is_no_longer_edited(citizen_client, world):
    case = submitted_case(world)
    edit = reverse("cases-portal:edit", args=[case.pk])
    assert citizen_client.get(edit)["Location"] == reverse("cases-portal:detail", args=[case.pk])
    response = citizen_client.post(edit, apply_data(world, form_shop_address="别处"))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.form_data["shop_address"] == "示范县城关镇人民路 1 号"


def test_an_overlong_value_is_refused_in_chinese(citizen_client, world):
    response = citizen_client.post(
        apply_url(world), apply_data(world, form_shop_address="路" * 501)
    )
    assert response.status_code == 400
    error = re.search(r'id="id_form_shop_address-error">([^<]+)<', text(response)).group(1)
    assert "500" in error and re.search(r"[\u4e00-\u9fff]", error)
    assert not Case.objects.exists()


def test_the_correction_may_also_be_handed_back_from_the_application_page(citizen_client, world):
    case = submitted_case(world)
    s.case_request_correction(
        case=case, actor=world.clerk.user, entries=[{"order": 1, "note": "缺少签名"}]
    )
    edit = reverse("cases-portal:edit", args=[case.pk])
    page = text(citizen_client.get(edit))
    assert "提交补正" in page and "查看补正告知" in page
    response = citizen_client.post(edit, apply_data(world, action="submit"))
    assert response.status_code == 400 and "请先重新提交：食品经营许可申请书" in text(response)
    response = citizen_client.post(
        edit, apply_data(world, action="submit", material_1=upload("签名版.pdf"))
    )
    assert response["Location"] == reverse("cases-portal:detail", args=[case.pk])
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
