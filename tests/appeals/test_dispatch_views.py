"""职责清单 page (/workbench/appeals/responsibilities/): the bureau lists, adds and edits entries
of its region's departments, tries a text, and sees refusals as Chinese sentences on the form;
a department's handler is refused; an entry of another region is a 404."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories as f
from yiwang.appeals.dispatch import services as dsv
from yiwang.appeals.models import Responsibility

pytestmark = pytest.mark.django_db
URL = "/workbench/appeals/responsibilities/"


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_bureau_adds_edits_and_tries_entries(tw):
    client = signed_in(tw.dispatcher.user)
    page = client.get(URL)
    assert page.status_code == 200 and "县市场监督管理局" in page.content.decode()
    done = client.post(
        URL,
        {
            "department": tw.market.pk,
            "title": "食品安全",
            "keywords": "食品、过期\n饭店",
            "detail": "负责食品安全",
            "active": "on",
        },
        follow=True,
    )
    body = done.content.decode()
    assert "已为县市场监督管理局添加职责事项“食品安全”" in body
    entry = Responsibility.objects.get(department=tw.market, title="食品安全")
    assert entry.keywords == "食品、过期、饭店" and entry.active
    tried = client.get(URL, {"text": "饭店卖过期食品"}).content.decode()
    assert 'data-department="县市场监督管理局"' in tried
    edit = f"{URL}{entry.pk}/"
    assert client.get(edit).status_code == 200
    saved = client.post(
        edit, {"title": "食品安全", "keywords": "食品、过期", "detail": ""}, follow=True
    )
    assert "职责事项“食品安全”已保存" in saved.content.decode()
    entry.refresh_from_db()
    assert not entry.active and entry.keywords == "食品、过期"
    assert "没有可建议的部门" in client.get(URL, {"text": "饭店卖过期食品"}).content.decode()


def test_refusals_are_sentences_on_the_form(tw):
    client = signed_in(tw.dispatcher.user)
    refused = client.post(URL, {"department": tw.market.pk, "title": "食品", "keywords": "电"})
    assert refused.status_code == 422
    assert "请至少填写一个关键词" in refused.content.decode()
    assert not Responsibility.objects.exists()


def test_other_roles_and_other_regions(tw):
    assert signed_in(tw.market_handler.user).get(URL).status_code == 403
    elsewhere = f.department("外县市场监督管理局", at=f.region("341102000000", "外县"))
    entry = dsv.responsibility_create(
        actor=None, department=elsewhere, title="食品", keywords="食品"
    )
    client = signed_in(tw.dispatcher.user)
    assert client.get(f"{URL}{entry.pk}/").status_code == 404
    assert "外县市场监督管理局" not in client.get(URL).content.decode()
