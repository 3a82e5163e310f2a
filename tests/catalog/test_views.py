"""Workbench pages of the catalogue: scope (404), roles (403), editing, review, claim."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests import factories as f
from tests.common import files
from yiwang.catalog import services
from yiwang.catalog.models import AdjustmentLog, ItemStatus, ServiceItem, VersionStatus

from .conftest import claim_ready, publish

PDF = files.pdf()  # a real one: uploads are parsed whole (common.uploads)


class _FormReader(HTMLParser):
    """Collects what a browser would post from the form with the given CSS class."""

    def __init__(self, css_class: str):
        super().__init__()
        self.css_class = css_class
        self.inside = False
        self.data: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.css_class in (a.get("class") or "").split():
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.append((name, a.get("value") or "on"))
            elif kind not in ("file", "submit", "button"):
                self.data.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select, self._select_value, self._first_option = name, None, None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self._select_value = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "select" and self._select:
            value = self._select_value if self._select_value is not None else self._first_option
            self.data.append((self._select, value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.data.append((self._textarea, self._text.lstrip("\n")))
            self._textarea = None
        elif tag == "form":
            self.inside = False


def form_data(html: str, css_class: str = "cat-edit") -> dict[str, object]:
    reader = _FormReader(css_class)
    reader.feed(html)
    data: dict[str, object] = {}
    for key, value in reader.data:
        if key in data:
            existing = data[key]
            data[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            data[key] = value
    return data


def edit_url(version) -> str:
    return reverse("catalog:version-edit", args=[version.pk])


def item_url(item) -> str:
    return reverse("catalog:item-detail", args=[item.pk])


def load_edit_form(client, version) -> dict[str, object]:
    response = client.get(edit_url(version))
    assert response.status_code == 200
    return form_data(response.content.decode())


@pytest.fixture
def published(world) -> ServiceItem:
    item = claim_ready(world)
    publish(world, item.versions.get())
    item.refresh_from_db()
    return item


@pytest.fixture
def other_item(world) -> ServiceItem:
    """An item of another department (县公安局), published."""
    item = services.item_claim(
        base=world.base, department=world.other, region=world.other.region, actor=None
    )
    version = item.versions.get()
    services.version_update(
        version=version, elements={"legal_limit": 5, "promised_limit": 3}, actor=None
    )
    services.version_submit(version=version)
    services.version_approve(version=version)
    services.version_publish(version=version)
    return item


# --- Scope and roles -------------------------------------------------------------------------


def test_item_list_shows_only_the_scope(client, world, published, other_item):
    client.force_login(world.clerk.user)
    html = client.get(reverse("catalog:item-list")).content.decode()
    assert published.code in html
    assert other_item.code not in html
    assert 'name="department"' not in html  # a department's staff see one department only

    client.force_login(world.reviewer.user)
    html = client.get(reverse("catalog:item-list")).content.decode()
    assert published.code in html and other_item.code in html
    filtered = client.get(reverse("catalog:item-list"), {"department": world.other.pk})
    assert other_item.code in filtered.content.decode()
    assert published.code not in filtered.content.decode()


def test_item_list_filters_by_search_and_status(client, world, published):
    client.force_login(world.clerk.user)
    url = reverse("catalog:item-list")
    assert published.code in client.get(url, {"q": "食品经营"}).content.decode()
    assert published.code not in client.get(url, {"q": "出生登记"}).content.decode()
    assert published.code in client.get(url, {"status": "active"}).content.decode()
    assert published.code not in client.get(url, {"status": "suspended"}).content.decode()


def test_another_departments_item_is_404_on_every_page(client, world, other_item):
    version = other_item.versions.get()
    client.force_login(world.clerk.user)
    gets = [
        item_url(other_item),
        reverse("catalog:version-detail", args=[version.pk]),
        edit_url(version),
        reverse("catalog:version-edit-row", args=[version.pk, "materials"]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = [
        reverse("catalog:item-revise", args=[other_item.pk]),
        reverse("catalog:item-transition", args=[other_item.pk, "suspend"]),
        reverse("catalog:version-submit", args=[version.pk]),
        reverse("catalog:version-publish", args=[version.pk]),
    ]
    for url in posts:
        assert client.post(url, {"reason": "x"}).status_code == 404, url
    # a reviewer of the bureau sees it: the 404 is scope, not a broken page
    client.force_login(world.reviewer.user)
    assert client.get(item_url(other_item)).status_code == 200
    assert other_item.versions.count() == 1


def test_clerk_cannot_use_the_review_pages(client, world, published):
    """Decision: a clerk gets 403 (with the reason) on review pages of their own items — the
    queue itself reveals nothing — and 404 on another department's versions (scope first)."""
    client.force_login(world.clerk.user)
    draft = services.version_start_revision(item=published, actor=world.clerk.user)
    services.version_update(
        version=draft,
        elements={"hours": "工作日全天"},
        reason="延长办理时间",
        actor=world.clerk.user,
    )
    services.version_submit(version=draft, actor=world.clerk.user)
    response = client.get(reverse("catalog:review-list"))
    assert response.status_code == 403
    assert "只有数据资源局的审核人员可以审核" in response.content.decode()
    review = reverse("catalog:version-review", args=[draft.pk])
    assert client.get(review).status_code == 403
    response = client.post(review, {"decision": "approve"})
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == VersionStatus.SUBMITTED
    # the navigation does not offer the review queue to a clerk
    html = client.get(reverse("catalog:item-list")).content.decode()
    assert reverse("catalog:review-list") not in html
    client.force_login(world.reviewer.user)
    html = client.get(reverse("catalog:item-list")).content.decode()
    assert reverse("catalog:review-list") in html


def test_review_page_of_another_department_is_404_for_a_clerk(client, world, other_item):
    draft = services.version_start_revision(item=other_item)
    services.version_update(version=draft, elements={"hours": "工作日全天"}, reason="延长办理时间")
    services.version_submit(version=draft)
    client.force_login(world.clerk.user)
    assert client.get(reverse("catalog:version-review", args=[draft.pk])).status_code == 404


def test_pages_are_for_staff_only(client, world):
    response = client.get(reverse("catalog:item-list"))
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]
    citizen = f.staff(world.dept, ["window_clerk"]).user
    citizen.kind = "citizen"
    citizen.save(update_fields=["kind"])
    client.force_login(citizen)
    response = client.get(reverse("catalog:item-list"))
    assert response.status_code == 403
    assert "事项库仅供工作人员使用" in response.content.decode()


def test_leader_may_look_but_not_claim_or_edit(client, world, published):
    leader = f.staff(world.bureau, ["leader"]).user
    client.force_login(leader)
    assert client.get(item_url(published)).status_code == 200
    assert "修改（新建版本）" not in client.get(item_url(published)).content.decode()
    assert client.get(reverse("catalog:claim")).status_code == 403
    response = client.post(reverse("catalog:item-revise", args=[published.pk]))
    assert response.status_code == 403
    assert "您的角色不能编制事项" in response.content.decode()
    assert published.versions.count() == 1


# --- Item page -------------------------------------------------------------------------------


def test_item_page_shows_elements_history_and_log(client, world, published):
    client.force_login(world.clerk.user)
    html = client.get(item_url(published)).content.decode()
    for text in [
        "基本信息",
        "办理信息",
        "申请材料",
        "办理流程",
        "特别程序",
        "收费",
        "标识",
        "食品经营许可申请书",
        "《中华人民共和国食品安全法》第三十五条",
        "示范县政务服务中心 7 号窗口",
        "修改（新建版本）",
        "版本历史",
        "动态调整记录",
    ]:
        assert text in html, text
    for action in ["认领", "编制", "提交审核", "审核通过", "发布"]:
        assert f'<td class="nowrap">{action}</td>' in html, action
    assert "暂停原因" not in html  # a clerk may not suspend


def test_edit_of_a_published_version_is_refused(client, world, published):
    v1 = published.versions.get()
    client.force_login(world.clerk.user)
    response = client.get(edit_url(v1))
    assert response.status_code == 302 and response["Location"] == item_url(published)
    page = client.get(item_url(published)).content.decode()
    assert "不能修改" in page
    # a crafted POST does not change it either
    response = client.post(edit_url(v1), {"reason": "偷改", "promised_limit": "1"})
    assert response.status_code == 302
    v1.refresh_from_db()
    assert v1.promised_limit == 10 and v1.status == VersionStatus.PUBLISHED


# --- Editing ---------------------------------------------------------------------------------


def revise(client, item):
    response = client.post(reverse("catalog:item-revise", args=[item.pk]))
    assert response.status_code == 302
    return item.versions.get(status=VersionStatus.DRAFT)


def test_revise_edit_and_submit(client, world, published):
    client.force_login(world.clerk.user)
    draft = revise(client, published)
    assert draft.number == 2
    data = load_edit_form(client, draft)
    assert data["materials-TOTAL_FORMS"] == "3"  # two materials and one empty row
    data.update(
        {
            "promised_limit": "5",
            "materials-0-name": "食品经营许可申请表",
            "materials-2-name": "法定代表人身份证明",
            "steps-0-name": "受理",
            "steps-0-limit_days": "1",
            "reason": "压缩承诺时限",
            "action": "submit",
        }
    )
    response = client.post(edit_url(draft), data)
    assert response.status_code == 302 and response["Location"] == item_url(published)
    draft.refresh_from_db()
    assert (draft.status, draft.promised_limit, draft.change_reason) == (
        VersionStatus.SUBMITTED,
        5,
        "压缩承诺时限",
    )
    assert list(draft.materials.values_list("name", flat=True)) == [
        "食品经营许可申请表",
        "营业执照",
        "法定代表人身份证明",
    ]
    assert list(draft.steps.values_list("name", "limit_days")) == [("受理", 1)]
    v1 = published.versions.get(number=1)
    assert v1.promised_limit == 10 and v1.materials.count() == 2  # published stays as it was
    log = AdjustmentLog.objects.filter(item=published, version=draft, action="编制").get()
    assert "承诺办结时限" in log.summary and log.reason == "压缩承诺时限"


def test_saving_and_submitting_an_unchanged_revision_is_refused(client, world, published):
    """The page uses the service's rule: the draft is saved, not submitted, and the clerk
    reads why."""
    client.force_login(world.clerk.user)
    draft = revise(client, published)
    data = load_edit_form(client, draft)
    data.update({"reason": "例行复核", "action": "submit"})
    response = client.post(edit_url(draft), data, follow=True)
    assert "v2 与 v1 相比没有任何变化，不能提交审核" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
    response = client.post(reverse("catalog:version-submit", args=[draft.pk]), follow=True)
    assert "v2 与 v1 相比没有任何变化，不能提交审核" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_validation_errors_are_shown_and_nothing_changes(client, world, published):
    client.force_login(world.clerk.user)
    draft = revise(client, published)
    data = load_edit_form(client, draft)
    data.update({"promised_limit": "30", "reason": "测试"})
    response = client.post(edit_url(draft), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "承诺时限不能超过法定时限。" in html  # the service's message, on the field …
    assert "承诺办结时限（工作日）：承诺时限不能超过法定时限。" in html  # … and named at the top
    draft.refresh_from_db()
    assert draft.promised_limit == 10

    data = load_edit_form(client, draft)
    data.update({"reason": "", "materials-0-name": "", "legal_limit": "abc"})
    html = client.post(edit_url(draft), data).content.decode()
    assert "未保存，请修改以下内容：" in html
    assert "调整原因：请填写调整原因。" in html
    assert "申请材料第 1 项 · 材料名称：该字段是必填项。" in html
    assert html.count('class="field has-error') >= 3  # reason, legal limit, material name
    assert draft.materials.filter(name="食品经营许可申请书").exists()


def test_deleting_a_row_and_adding_a_row_without_javascript(client, world, published):
    client.force_login(world.clerk.user)
    draft = revise(client, published)
    data = load_edit_form(client, draft)
    data.update({"add_row": "materials", "materials-2-name": "股东会决议", "reason": "补充"})
    response = client.post(edit_url(draft), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="materials-3-name"' in html and "股东会决议" in html  # kept, nothing saved
    assert draft.materials.count() == 2
    data = form_data(html)
    data.update({"materials-1-DELETE": "on", "action": "save"})
    assert client.post(edit_url(draft), data).status_code == 302
    assert list(draft.materials.values_list("name", flat=True)) == [
        "食品经营许可申请书",
        "股东会决议",
    ]


def test_htmx_add_row_returns_the_next_row_and_count(client, world, published):
    client.force_login(world.clerk.user)
    draft = revise(client, published)
    url = reverse("catalog:version-edit-row", args=[draft.pk, "steps"])
    html = client.get(url, {"steps-TOTAL_FORMS": "4"}).content.decode()
    assert 'name="steps-4-name"' in html
    assert 'id="id_steps-TOTAL_FORMS"' in html and 'value="5"' in html and "hx-swap-oob" in html
    assert client.get(reverse("catalog:version-edit-row", args=[draft.pk, "nope"])).status_code == (
        404
    )


def test_material_files_are_checked_and_kept(client, world, published, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.clerk.user)
    draft = revise(client, published)
    data = load_edit_form(client, draft)
    data.update(
        {
            "reason": "上传空白表格",
            "materials-0-blank_form": SimpleUploadedFile("申请书.pdf", PDF, "application/pdf"),
        }
    )
    assert client.post(edit_url(draft), data).status_code == 302
    material = draft.materials.get(order=1)
    assert material.blank_form.name.endswith(".pdf")
    # saving again without a new upload keeps the file
    data = load_edit_form(client, draft)
    data.update({"materials-1-name": "营业执照（副本）", "reason": "改名"})
    assert client.post(edit_url(draft), data).status_code == 302
    assert draft.materials.get(order=1).blank_form.name == material.blank_form.name
    # a file whose content is not what its name says is refused, naming the material
    data = load_edit_form(client, draft)
    data.update(
        {
            "reason": "换文件",
            "materials-0-sample_file": SimpleUploadedFile("样表.pdf", b"MZ\x90\x00", "app/pdf"),
        }
    )
    html = client.post(edit_url(draft), data).content.decode()
    assert "食品经营许可申请书：文件“样表.pdf”的内容与扩展名不符。" in html
    assert not draft.materials.get(order=1).sample_file


# --- Review ----------------------------------------------------------------------------------


def test_review_return_approve_and_publish(client, world, published):
    client.force_login(world.clerk.user)
    draft = revise(client, published)
    data = load_edit_form(client, draft)
    data.update(
        {
            "promised_limit": "5",
            "materials-1-DELETE": "on",
            "reason": "压缩时限",
            "action": "submit",
        }
    )
    client.post(edit_url(draft), data)

    client.force_login(world.reviewer.user)
    queue = client.get(reverse("catalog:review-list")).content.decode()
    review = reverse("catalog:version-review", args=[draft.pk])
    assert review in queue
    html = client.get(review).content.decode()
    assert 'data-element="promised_limit" data-changed="true"' in html
    assert 'data-element="legal_limit" data-changed' not in html
    assert 'data-testid="change-count">2<' in html  # the limit and a removed material
    assert "cat-diff-removed" in html and "营业执照" in html

    response = client.post(review, {"decision": "return", "comment": ""})
    assert "退回时必须填写审核意见。" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == VersionStatus.SUBMITTED
    response = client.post(review, {"decision": "return", "comment": "营业执照不应删除"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.review_comment) == (VersionStatus.RETURNED, "营业执照不应删除")

    client.force_login(world.clerk.user)
    assert "营业执照不应删除" in client.get(item_url(published)).content.decode()
    assert "营业执照不应删除" in client.get(edit_url(draft)).content.decode()
    response = client.post(reverse("catalog:version-submit", args=[draft.pk]))
    assert response.status_code == 302

    client.force_login(world.reviewer.user)
    response = client.post(review, {"decision": "approve"})
    assert response.status_code == 302 and response["Location"] == review
    assert "发布" in client.get(review).content.decode()
    response = client.post(reverse("catalog:version-publish", args=[draft.pk]))
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.published_version == draft
    assert published.versions.get(number=1).status == VersionStatus.SUPERSEDED


def test_publishing_twice_shows_the_refusal(client, world, published):
    client.force_login(world.reviewer.user)
    v1 = published.versions.get()
    response = client.post(reverse("catalog:version-publish", args=[v1.pk]), follow=True)
    assert "不能发布" in response.content.decode()


# --- Item status -----------------------------------------------------------------------------


def test_suspend_needs_a_reason_and_a_permitted_role(client, world, published):
    url = reverse("catalog:item-transition", args=[published.pk, "suspend"])
    client.force_login(world.clerk.user)
    response = client.post(url, {"reason": "系统升级"})
    assert response.status_code == 403
    assert "您的角色不能暂停" in response.content.decode()

    client.force_login(world.reviewer.user)
    assert "暂停原因" in client.get(item_url(published)).content.decode()
    response = client.post(url, {"reason": ""}, follow=True)
    assert "暂停事项必须填写原因。" in response.content.decode()
    published.refresh_from_db()
    assert published.status == ItemStatus.ACTIVE
    html = client.post(url, {"reason": "系统升级"}, follow=True).content.decode()
    published.refresh_from_db()
    assert published.status == ItemStatus.SUSPENDED
    assert "事项已暂停，原因已记入动态调整记录。" in html
    assert "系统升级" in html and "恢复原因" in html
    withdraw = reverse("catalog:item-transition", args=[published.pk, "withdraw"])
    html = client.post(withdraw, {"reason": "职能调整"}, follow=True).content.decode()
    assert "事项已撤销，" in html and "修改（新建版本）" not in html
    assert client.post(
        reverse("catalog:item-transition", args=[published.pk, "x"])
    ).status_code == (404)


# --- Claim -----------------------------------------------------------------------------------


def test_claim_flow(client, world):
    client.force_login(world.clerk.user)
    page = client.get(reverse("catalog:claim"), {"q": "000103"}).content.decode()
    assert "食品经营许可（新办）" in page
    assert f'value="{world.other.pk}"' not in page  # only the clerk's own department
    response = client.post(
        reverse("catalog:claim"),
        {"base": world.base.pk, "department": world.dept.pk, "business_type": "new"},
    )
    item = ServiceItem.objects.get(department=world.dept)
    assert response.status_code == 302
    assert response["Location"] == edit_url(item.versions.get())
    assert item.claimed_by == world.clerk.user

    again = client.post(
        reverse("catalog:claim"),
        {"base": world.base.pk, "department": world.dept.pk, "business_type": "new"},
    )
    assert "已认领“食品经营许可（新办）”" in again.content.decode()
    foreign = client.post(
        reverse("catalog:claim"),
        {"base": world.base.pk, "department": world.other.pk, "business_type": "new"},
    )
    assert foreign.status_code == 200 and "选择一个有效的选项" in foreign.content.decode()
    missing = client.post(reverse("catalog:claim"), {"department": world.dept.pk})
    assert "请选择要认领的基本目录事项。" in missing.content.decode()
    assert ServiceItem.objects.count() == 1


def test_bureau_may_claim_for_any_department_in_scope(client, world):
    client.force_login(world.reviewer.user)
    response = client.post(
        reverse("catalog:claim"),
        {"base": world.base.pk, "department": world.other.pk, "business_type": "change"},
    )
    assert response.status_code == 302
    item = ServiceItem.objects.get()
    assert (item.department, item.business_type) == (world.other, "change")


# --- Admin: base catalogue editable, implementation items read-only ---------------------------


@pytest.fixture
def admin_client(client, world):
    user = f.staff(world.bureau, ["system_admin"]).user
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(user)
    return client


def test_admin_edits_base_items_through_audited_services(admin_client, world, published):
    from yiwang.audit.models import AuditEvent
    from yiwang.catalog.models import BaseItem

    url = reverse("admin:catalog_baseitem_change", args=[world.base.pk])
    data = {
        "code": world.base.code,
        "name": "食品经营许可（新办）",
        "item_type": "licensing",
        "level": "main",
        "parent": "",
        "competent_department": "市场监督管理部门",
        "implementing_body": "县级市场监督管理部门",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条、《食品经营许可和备案管理办法》",
    }
    assert admin_client.post(url, data).status_code == 302
    world.base.refresh_from_db()
    assert world.base.legal_basis.endswith("《食品经营许可和备案管理办法》")
    assert AuditEvent.objects.filter(action="catalog.base_item_update").exists()
    # a self-referencing parent is a form error, not a server error
    response = admin_client.post(url, {**data, "parent": str(world.base.pk)})
    assert response.status_code == 200 and "主项不能是事项自身。" in response.content.decode()
    # a claimed base item cannot be deleted
    delete = reverse("admin:catalog_baseitem_delete", args=[world.base.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    add = reverse("admin:catalog_baseitem_add")
    response = admin_client.post(add, {**data, "code": "000103002000", "name": "食品经营备案"})
    assert response.status_code == 302
    spare = BaseItem.objects.get(code="000103002000")
    delete = reverse("admin:catalog_baseitem_delete", args=[spare.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not BaseItem.objects.filter(code="000103002000").exists()
    assert AuditEvent.objects.filter(action="catalog.base_item_delete").exists()


def test_admin_shows_items_and_versions_read_only(admin_client, published):
    version = published.versions.get()
    for name, pk in [("serviceitem", published.pk), ("serviceitemversion", version.pk)]:
        assert admin_client.get(reverse(f"admin:catalog_{name}_changelist")).status_code == 200
        page = admin_client.get(reverse(f"admin:catalog_{name}_change", args=[pk]))
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
        assert admin_client.get(reverse(f"admin:catalog_{name}_add")).status_code == 403
        response = admin_client.post(
            reverse(f"admin:catalog_{name}_delete", args=[pk]), {"post": "yes"}
        )
        assert response.status_code == 403
    assert published.versions.count() == 1


# --- The implementation-list elements (issue 7 §3) --------------------------------------------


def test_edit_page_saves_the_list_elements_and_intermediaries(
    client, world, published, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.clerk.user)
    draft = revise(client, published)
    data = load_edit_form(client, draft)
    assert data["intermediaries-TOTAL_FORMS"] == "1"  # none yet, one empty row
    data.update(
        {
            "service_objects": ["natural_person", "legal_person"],
            "delivery_methods": ["electronic"],
            "exercise_level": "county",
            "body_nature": "entrusted",
            "entrusting_department": "示范县人民政府",
            "power_source": "entrusted_up",
            "result_type": "licence",
            "result_name": "食品经营许可证",
            "service_scope": "province",
            "online_depth": "3",
            "appointment": "on",
            "intermediaries-0-name": "卫生学评价",
            "intermediaries-0-required": "on",
            "intermediaries-0-charged": "on",
            "intermediaries-0-fee_basis": "市场调节价",
            "result_sample": SimpleUploadedFile("许可证样本.pdf", PDF, "application/pdf"),
            "reason": "补充实施清单要素",
            "action": "save",
        }
    )
    response = client.post(edit_url(draft), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    draft.refresh_from_db()
    assert draft.service_objects == ["natural_person", "legal_person"]
    assert (draft.body_nature, draft.entrusting_department) == ("entrusted", "示范县人民政府")
    assert (draft.service_scope, draft.online_depth, draft.appointment) == ("province", 3, True)
    assert draft.result_sample.name.endswith(".pdf")
    assert list(draft.intermediaries.values_list("name", "required", "charged")) == [
        ("卫生学评价", True, True)
    ]
    # the version page shows them, the review diff names what changed
    html = client.get(reverse("catalog:version-detail", args=[draft.pk])).content.decode()
    assert "自然人、法人（企业法人/事业法人/社会组织法人）" in html
    assert "卫生学评价" in html and 'data-testid="result-sample"' in html
    services.version_submit(version=draft, actor=world.clerk.user)
    client.force_login(world.reviewer.user)
    html = client.get(reverse("catalog:version-review", args=[draft.pk])).content.decode()
    changes = html.split('data-testid="diff-intermediaries"', 1)[1].split("</table>", 1)[0]
    assert "卫生学评价" in changes and "新增" in changes
    assert "省内通办" in html and "县内通办" in html  # old and new 通办范围
    # returned and saved again without a new upload, the sample is kept
    services.version_return(version=draft, comment="请补充联办机构", actor=world.reviewer.user)
    client.force_login(world.clerk.user)
    sample = draft.result_sample.name
    data = load_edit_form(client, draft)
    data.update({"joint_bodies": "县消防救援大队", "reason": "补充联办机构", "action": "save"})
    assert client.post(edit_url(draft), data).status_code == 302
    draft.refresh_from_db()
    assert (draft.joint_bodies, draft.result_sample.name) == ("县消防救援大队", sample)


def test_edit_page_refuses_a_contradiction_naming_the_element(client, world, published):
    client.force_login(world.clerk.user)
    draft = revise(client, published)
    data = load_edit_form(client, draft)
    data.update({"online_payment": "on", "reason": "支持网上支付", "action": "save"})
    data.pop("has_fee", None)
    html = client.post(edit_url(draft), data).content.decode()
    assert "不收费的事项不能标为支持网上支付。" in html
    draft.refresh_from_db()
    assert draft.online_payment is False


def test_admin_shows_a_versions_intermediaries_read_only(admin_client, world, published):
    version = published.versions.get()
    version.intermediaries.create(name="卫生学评价", charged=True, fee_basis="市场调节价")
    page = admin_client.get(reverse("admin:catalog_serviceitemversion_change", args=[version.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "卫生学评价" in html and "市场调节价" in html
    assert 'name="intermediaries-0-name"' not in html  # shown, not editable
    changelist = reverse("admin:catalog_serviceitemversion_changelist")
    link = reverse("admin:catalog_serviceitemversion_change", args=[version.pk])
    assert link in admin_client.get(changelist, {"service_scope": "county"}).content.decode()
    assert link not in admin_client.get(changelist, {"service_scope": "national"}).content.decode()
