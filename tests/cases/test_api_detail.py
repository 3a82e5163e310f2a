"""The case detail's fast paths give exactly the answer of the tables (docs/cases.md, "Status
reads"):

- json_data(presenting.detail(...)) is what CaseDetailSerializer (the schema) renders, in every
  state and for every kind of caller;
- a stored snapshot with the live part appended is that same answer, and a status read uses it
  only while it is current — after every write through the services it is rendered again and
  equals the tables; a write it has not followed yet (a new key), another format, a day that
  has passed while a pause counts, another language or an old copy of the case saved again
  all send the read to the tables;
- the scope is checked before the snapshot is read (404 for another department and another
  citizen), and case_visible_to agrees with cases_for.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from tests.cases.test_api import BODIES, PDF, as_, in_state, post
from yiwang.cases import selectors
from yiwang.cases import services as s
from yiwang.cases.api import presenting, snapshots
from yiwang.cases.api.serializers import CaseDetailSerializer
from yiwang.cases.fields import CaseStatus
from yiwang.cases.models import Case, CaseMaterial, CaseSnapshot
from yiwang.cases.workflow import CASE
from yiwang.common.api import json_data
from yiwang.common.crypto import sm4_encrypt_bytes
from yiwang.org import services as org_services
from yiwang.org.models import User

STATES = [
    CaseStatus.DRAFT,
    CaseStatus.SUBMITTED,
    CaseStatus.CORRECTION,
    CaseStatus.NOT_ACCEPTED,
    CaseStatus.WITHDRAWN,
    CaseStatus.IN_REVIEW,
    CaseStatus.CONCLUDED,
    CaseStatus.DELIVERED,
    CaseStatus.ARCHIVED,
]


def _users(world) -> list[User]:
    return [
        world.citizen.user,
        world.clerk.user,
        world.approver.user,
        world.head.user,
    ]


def _rendered(data: Any) -> Any:
    return json.loads(JSONRenderer().render(data))


def _tables(case_id: int, user: User) -> Any:
    """The answer built from the tables, through the schema's serializer."""
    case = selectors.case_get_for(user=user, pk=case_id)
    return _rendered(
        CaseDetailSerializer(presenting.detail(selectors.case_record(case), user)).data
    )


def _variety(world, capture) -> list[int]:
    """A case in every state, one paused by a special procedure and one extended."""
    with capture(execute=True):
        ids = [in_state(world, state) for state in STATES]
        paused = s.case_pause(
            case=Case.objects.get(pk=in_state(world, CaseStatus.IN_REVIEW)),
            actor=world.approver.user,
            kind="hearing",
            reason="申请人要求听证",
            limit_days=5,
        )
        extended = s.case_extend(
            case=Case.objects.get(pk=in_state(world, CaseStatus.IN_REVIEW)),
            actor=world.head.user,
            reason="情况复杂",
        )
    return [*ids, paused.case_id, extended.pk]


@pytest.fixture
def variety(world, media, django_capture_on_commit_callbacks) -> list[int]:
    return _variety(world, django_capture_on_commit_callbacks)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def _sealed(text: str) -> str:
    return sm4_encrypt_bytes(zlib.compress(text.encode("utf-8")))


class Spy:
    """Counts how often the detail is built from the tables."""

    def __init__(self, monkeypatch) -> None:
        self.calls = 0
        original = selectors.case_record

        def counting(case: Case) -> selectors.CaseRecord:
            self.calls += 1
            return original(case)

        monkeypatch.setattr(selectors, "case_record", counting)


def test_json_data_renders_what_the_serializer_renders(world, variety):
    for case_id in variety:
        for user in _users(world):
            case = selectors.case_get_for(user=user, pk=case_id)
            data = presenting.detail(selectors.case_record(case), user)
            assert _rendered(json_data(data)) == _rendered(CaseDetailSerializer(data).data)


def test_a_snapshot_with_the_live_part_is_the_tables_answer(
    world, variety, django_assert_num_queries
):
    for case_id in variety:
        stored = CaseSnapshot.objects.get(case_id=case_id)
        for user in _users(world):
            case, snapshot = selectors.case_status_for(user=user, pk=case_id)
            assert snapshot is not None and snapshot.body == stored.body
            assert snapshots.is_current(snapshot, case)
            user.has_perm("cases.view_case")  # permissions read once per request anyway
            with django_assert_num_queries(0):  # the partial case holds all the live part needs
                text = snapshots.answer(snapshot, presenting.live(case, user))
            assert json.loads(text) == _tables(case_id, user)


def test_a_status_read_answers_from_the_snapshot_while_it_is_current(world, variety, monkeypatch):
    spy = Spy(monkeypatch)
    for case_id in variety:
        for user in _users(world):
            answer = as_(user).get(f"/api/cases/{case_id}/")
            assert answer.status_code == 200
            assert answer["Content-Type"] == "application/json"
            assert answer.json() == _tables(case_id, user)
    assert spy.calls == len(variety) * len(_users(world))  # only the _tables() calls


def test_every_write_through_the_services_leaves_a_current_snapshot(
    world, media, django_capture_on_commit_callbacks
):
    citizen, clerk, approver = (
        as_(world.citizen.user),
        as_(world.clerk.user),
        as_(world.approver.user),
    )
    with django_capture_on_commit_callbacks(execute=True):
        pk = citizen.post(
            "/api/cases/", {"item": world.item.code, "form": world.form()}, format="json"
        ).json()["id"]
    steps = [
        (citizen, "materials-1"),
        (citizen, "materials-2"),
        (citizen, "submit"),
        (clerk, "request-correction"),
        (citizen, "materials-1"),
        (citizen, "resubmit"),
        (clerk, "accept"),
        (approver, "advance"),
        (approver, "pause"),
        (approver, "resume"),
        (approver, "decide"),
        (clerk, "hand-out"),
        (clerk, "archive"),
    ]
    from django.core.files.uploadedfile import SimpleUploadedFile

    for client, step in steps:
        with django_capture_on_commit_callbacks(execute=True):
            if step.startswith("materials-"):
                answer = client.post(
                    f"/api/cases/{pk}/materials/",
                    {"material": int(step[-1]), "file": SimpleUploadedFile("a.pdf", PDF)},
                    format="multipart",
                )
            else:
                answer = post(client, pk, step, BODIES.get(step) or {})
        assert answer.status_code in (200, 201), (step, answer.content)
        case = Case.objects.get(pk=pk)
        snapshot = CaseSnapshot.objects.get(case_id=pk)
        assert snapshot.key == case.detail_key, step
        for user in _users(world):
            live = selectors.case_status_for(user=user, pk=pk)
            assert json.loads(snapshots.answer(snapshot, presenting.live(live[0], user))) == (
                _tables(pk, user)
            ), step


def test_a_write_not_yet_followed_sends_the_read_to_the_tables(world, variety, monkeypatch):
    pk = variety[STATES.index(CaseStatus.IN_REVIEW)]
    clerk = as_(world.clerk.user)
    # A snapshot that says something the tables do not, under the current key: it is used.
    told = snapshots.text(CaseSnapshot.objects.get(case_id=pk)).replace('"step":"', '"step":"旧')
    CaseSnapshot.objects.filter(case_id=pk).update(body=_sealed(told))
    assert clerk.get(f"/api/cases/{pk}/").json()["step"].startswith("旧")
    # A child row written (its snapshot not yet rendered again: the callbacks do not run)
    row = CaseMaterial.objects.filter(case_id=pk).first()
    row.paper = not row.paper
    row.save(update_fields=["paper"])
    spy = Spy(monkeypatch)
    answer = clerk.get(f"/api/cases/{pk}/").json()
    assert spy.calls == 1 and not answer["step"].startswith("旧")
    assert answer == _tables(pk, world.clerk.user)


def test_an_old_copy_of_the_case_saved_again_never_revives_an_old_snapshot(
    world, variety, django_capture_on_commit_callbacks
):
    pk = variety[STATES.index(CaseStatus.IN_REVIEW)]
    old_copy = Case.objects.get(pk=pk)
    with django_capture_on_commit_callbacks(execute=True):
        s.case_advance(case=Case.objects.get(pk=pk), actor=world.approver.user)
    assert snapshots.is_current(CaseSnapshot.objects.get(case_id=pk), Case.objects.get(pk=pk))
    old_copy.save()  # writes the old detail_key back — and then gets a new one
    assert not snapshots.is_current(CaseSnapshot.objects.get(case_id=pk), Case.objects.get(pk=pk))


def test_another_format_another_language_or_a_past_day_are_not_used(world, variety, monkeypatch):
    pk = variety[STATES.index(CaseStatus.IN_REVIEW)]
    paused = variety[len(STATES)]
    clerk, approver = as_(world.clerk.user), as_(world.approver.user)
    spy = Spy(monkeypatch)
    assert clerk.get(f"/api/cases/{pk}/").status_code == 200 and spy.calls == 0
    # another language (the switcher's cookie): built from the tables in that language
    clerk.cookies["django_language"] = "en"
    assert clerk.get(f"/api/cases/{pk}/").status_code == 200
    assert spy.calls == 1
    del clerk.cookies["django_language"]
    # an open pause counts working days up to today: the snapshot is for the day it was made
    snapshot = CaseSnapshot.objects.get(case_id=paused)
    assert snapshot.day is not None
    assert approver.get(f"/api/cases/{paused}/").status_code == 200 and spy.calls == 1
    CaseSnapshot.objects.filter(case_id=paused).update(day=snapshot.day - dt.timedelta(days=1))
    assert approver.get(f"/api/cases/{paused}/").status_code == 200 and spy.calls == 2
    # an older format
    CaseSnapshot.objects.filter(case_id=pk).update(format=snapshots.SNAPSHOT_FORMAT - 1)
    assert clerk.get(f"/api/cases/{pk}/").json() == _tables(pk, world.clerk.user)
    assert spy.calls == 4  # the read and _tables()
    # the browsable API (text/html) is rendered by DRF, never from the snapshot
    CaseSnapshot.objects.filter(case_id=pk).update(format=snapshots.SNAPSHOT_FORMAT)
    assert clerk.get(f"/api/cases/{pk}/", HTTP_ACCEPT="text/html").status_code == 200
    assert spy.calls == 5


@pytest.mark.parametrize("who", ["other_clerk", "counter", "stranger"])
def test_out_of_scope_is_404_even_with_a_snapshot(world, variety, who):
    user = world.stranger.user if who == "stranger" else getattr(world, who).user
    for pk in variety:
        assert CaseSnapshot.objects.filter(case_id=pk).exists()
        answer = as_(user).get(f"/api/cases/{pk}/")
        assert answer.status_code == 404 and answer.json() == {"detail": "未找到该办件。"}


def test_case_visible_to_agrees_with_cases_for(world, variety):
    users = [
        *_users(world),
        world.counter.user,
        world.other_clerk.user,
        world.stranger.user,
    ]
    for user in users:
        in_query = set(selectors.cases_for(user=user).values_list("pk", flat=True))
        in_python = {
            pk for pk in variety if selectors.case_visible_to(user, Case.objects.get(pk=pk))
        }
        assert in_python == in_query & set(variety), user.username


def test_the_command_renders_what_is_missing_or_outdated(world, variety, capsys):
    CaseSnapshot.objects.filter(case_id__in=variety[:3]).delete()
    CaseSnapshot.objects.filter(case_id=variety[3]).update(format=0)
    call_command("cases", "snapshots", "--quiet")
    assert "已生成办件详情快照 4 件。" in capsys.readouterr().out
    for pk in variety:
        assert snapshots.is_current(CaseSnapshot.objects.get(case_id=pk), Case.objects.get(pk=pk))
    call_command("cases", "snapshots", "--quiet")
    assert "已生成办件详情快照 0 件。" in capsys.readouterr().out


def test_the_worker_sweep_renders_outdated_snapshots(world, variety):
    from yiwang.cases.tasks import sweep_cases

    paused = variety[len(STATES)]
    snapshot = CaseSnapshot.objects.get(case_id=paused)
    CaseSnapshot.objects.filter(case_id=paused).update(day=snapshot.day - dt.timedelta(days=1))
    CaseSnapshot.objects.filter(case_id=variety[0]).delete()
    sweep_cases.call()
    for pk in (paused, variety[0]):
        assert snapshots.is_current(CaseSnapshot.objects.get(case_id=pk), Case.objects.get(pk=pk))


def test_the_stored_detail_is_encrypted_at_rest_and_an_unreadable_one_is_not_used(
    world, variety, monkeypatch
):
    pk = variety[STATES.index(CaseStatus.IN_REVIEW)]
    stored = CaseSnapshot.objects.get(case_id=pk)
    # the form's values, the applicant's name and the address are not in the table in clear
    assert stored.body.startswith("sm4gcm:") and "张三" not in stored.body
    assert "示范县城关镇人民路" not in stored.body and "示范县城关镇人民路" in snapshots.text(
        stored
    )
    CaseSnapshot.objects.filter(case_id=pk).update(body="sm4gcm:k1:not-base64")
    spy = Spy(monkeypatch)
    answer = as_(world.clerk.user).get(f"/api/cases/{pk}/")
    assert answer.status_code == 200 and spy.calls == 1
    assert answer.json() == _tables(pk, world.clerk.user)


def test_a_token_status_read_is_the_tables_bytes_in_two_or_three_statements(world, variety):
    """Through the API token, as clients read: byte for byte the answer built from the tables;
    the token (with the user's region scope permission) and the case in two statements, the
    permission read only when a transition out of the case's state needs a permission."""
    for user in _users(world):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {org_services.api_token_issue(user=user)}")
        for case_id in variety:
            status = Case.objects.get(pk=case_id).status
            needs = any(t.permission for t in CASE.transitions.values() if status in t.sources)
            with CaptureQueriesContext(connection) as captured:
                answer = client.get(f"/api/cases/{case_id}/")
            assert answer.status_code == 200
            statements = [q["sql"] for q in captured.captured_queries]
            assert len(statements) == (3 if needs else 2), (user.username, status, statements)
            reader = User.objects.get(pk=user.pk)
            record = selectors.case_record(selectors.case_get_for(user=reader, pk=case_id))
            assert answer.content == JSONRenderer().render(
                json_data(presenting.detail(record, reader))
            )
