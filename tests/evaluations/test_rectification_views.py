"""Rectification pages: the department's queue and task page (scope: another department's task
is a 404), actions through the services (a field error 400, a conflict 409, the bureau's
decision 403 for a department), the appeal with evidence uploads and their download, the
bureau's board, and the citizen's follow-up page (forged link refused, rated once)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.evaluations.rectification_world import PDF, bad_rating, bureau_user, task_of
from yiwang.evaluations.models import Rating
from yiwang.evaluations.rectification import services
from yiwang.evaluations.rectification.fields import Classification, RectificationStatus

S = RectificationStatus
pytestmark = pytest.mark.django_db


def _act(client, task, action, data, **extra):
    return client.post(
        reverse("rectification:act", args=[task.pk, action]),
        {f"{action}-{k}": v for k, v in data.items()},
        **extra,
    )


def test_the_queue_lists_the_departments_tasks_and_not_to_others(client, world):
    task = task_of(bad_rating(world))
    client.force_login(world.clerk.user)
    page = client.get(reverse("rectification:index"))
    assert page.status_code == 200
    assert f'data-task="{task.pk}"' in page.content.decode()
    client.force_login(world.other_clerk.user)
    page = client.get(reverse("rectification:index"))
    assert f'data-task="{task.pk}"' not in page.content.decode()
    assert client.get(reverse("rectification:detail", args=[task.pk])).status_code == 404
    assert _act(client, task, "verify", {"finding": "x"}).status_code == 404


def test_citizens_get_no_workbench_page(client, world):
    client.force_login(world.citizen.user)
    assert client.get(reverse("rectification:index")).status_code == 403


def test_the_task_page_walks_the_loop(client, world):
    task = task_of(bad_rating(world))
    client.force_login(world.clerk.user)
    page = client.get(reverse("rectification:detail", args=[task.pk])).content.decode()
    assert 'data-action="verify"' in page and 'data-action="uphold"' not in page
    answer = _act(
        client,
        task,
        "verify",
        {"finding": "属实", "contacted": "on", "contact_note": "已致歉"},
    )
    assert answer.status_code == 302
    assert task_of(task.rating).status == S.VERIFIED
    answer = _act(client, task, "rectify", {"measures": "当即更正并培训"})
    assert answer.status_code == 302
    assert task_of(task.rating).status == S.FOLLOW_UP
    answer = _act(client, task, "record_follow_up", {"level": "4", "comment": "电话回访"})
    assert answer.status_code == 302
    page = client.get(reverse("rectification:detail", args=[task.pk])).content.decode()
    assert 'data-testid="follow-up-level"' in page and "满意" in page


def test_a_missing_field_is_a_400_and_a_stale_action_a_409(client, world):
    task = task_of(bad_rating(world))
    client.force_login(world.clerk.user)
    answer = _act(client, task, "verify", {"finding": "", "contacted": "on"})
    assert answer.status_code == 400
    assert task_of(task.rating).status == S.VERIFYING
    answer = _act(client, task, "rectify", {"measures": "未核实就整改"})
    assert answer.status_code == 409
    assert 'data-testid="conflict"' in answer.content.decode()


def _verified(world):
    task = task_of(bad_rating(world))
    return services.rectification_verify(
        task=task, actor=world.clerk.user, finding="误点", contacted=True, contact_note="已联系"
    )


def test_the_appeal_uploads_evidence_and_only_the_bureau_decides(client, world):
    task = _verified(world)
    client.force_login(world.clerk.user)
    answer = _act(
        client,
        task,
        "appeal",
        {
            "classification": Classification.MISTAKEN,
            "reason": "评价人来电说明误点",
            "evidence": SimpleUploadedFile("通话记录.pdf", PDF, "application/pdf"),
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    task = task_of(task.rating)
    assert task.status == S.APPEALED
    evidence = task.evidence.get()
    download = client.get(reverse("rectification:evidence", args=[task.pk, evidence.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    # typed from the bytes, named after the upload, sandboxed like every download
    assert download["Content-Type"] == "application/pdf"
    assert (
        "filename*=utf-8''%E9%80%9A%E8%AF%9D%E8%AE%B0%E5%BD%95.pdf"
        in download["Content-Disposition"]
    )
    assert download["Content-Security-Policy"] and download["Cache-Control"] == "private"
    # the department may not decide it
    assert _act(client, task, "uphold", {"note": "自认"}).status_code == 403
    client.force_login(world.other_clerk.user)
    assert (
        client.get(reverse("rectification:evidence", args=[task.pk, evidence.pk])).status_code
        == 404
    )
    client.force_login(bureau_user())
    board = client.get(reverse("rectification:board")).content.decode()
    assert f'data-task="{task.pk}"' in board
    assert 'data-metric="evaluations.rectification_rate"' in board
    answer = _act(client, task, "uphold", {"note": "证据属实，认定误评"})
    assert answer.status_code == 302
    assert Rating.objects.get(pk=task.rating_id).mistaken


def test_an_appeal_without_evidence_is_refused_on_the_page(client, world):
    task = _verified(world)
    client.force_login(world.clerk.user)
    answer = _act(client, task, "appeal", {"classification": "mistaken", "reason": "误点"})
    assert answer.status_code == 400
    assert "至少一份证据" in answer.content.decode()


def test_the_citizens_follow_up_page(client, world):
    task = _verified(world)
    task = services.rectification_rectify(task=task, actor=world.clerk.user, measures="已整改")
    url = services.follow_up_path(task)
    page = client.get(url)
    assert page.status_code == 200 and "已整改" in page.content.decode()
    answer = client.post(url, {})
    assert answer.status_code == 400
    answer = client.post(url, {"level": "5", "comment": "谢谢"})
    assert 'data-testid="fix-thanks"' in answer.content.decode()
    assert task_of(task.rating).status == S.CLOSED
    again = client.post(url, {"level": "1"})
    assert 'data-testid="fix-done"' in again.content.decode()
    assert Rating.objects.filter(follows_up=task.rating).get().level == 5
    forged = client.get(reverse("rectification-public:rate-fix", args=["x" + url.split("/")[-2]]))
    assert forged.status_code == 404 and "回访链接无效" in forged.content.decode()


def test_the_workbench_home_lists_what_waits(client, world):
    task = task_of(bad_rating(world))
    client.force_login(world.clerk.user)
    home = client.get(reverse("workbench:home")).content.decode()
    assert reverse("rectification:queue", args=["verifying"]) in home
    assert reverse("rectification:detail", args=[task.pk]) in home
    client.force_login(world.other_clerk.user)  # another department: nothing of it
    home = client.get(reverse("workbench:home")).content.decode()
    assert reverse("rectification:detail", args=[task.pk]) not in home
    task = _verified(world)
    services.rectification_appeal(
        task=task,
        actor=world.clerk.user,
        classification=Classification.MISTAKEN,
        reason="误点",
        evidence=[("说明.pdf", PDF)],
    )
    client.force_login(bureau_user())
    home = client.get(reverse("workbench:home")).content.decode()
    assert reverse("rectification:queue", args=["appealed"]) in home
