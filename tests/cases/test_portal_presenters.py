"""The citizen's view of a case (cases.presenters): the progress timeline for every way a case
goes, the history lines he is shown, form values masked by type, the material rows."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from yiwang.cases import presenters as p
from yiwang.cases.fields import CaseStatus as S

D = [dt.date(2026, 10, d) for d in range(8, 20)]


def event(action: str, day: dt.date, note: str = "", label: str = ""):
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    return SimpleNamespace(action=action, at=at, note=note, label=label or action)


def case(status, **extra):
    return SimpleNamespace(
        status=status, accepted_on=extra.get("accepted_on"), concluded_on=extra.get("concluded_on")
    )


def view(timeline):
    return [(str(s.label), s.state, s.on) for s in timeline]


def test_a_draft_has_reached_nothing():
    steps = view(p.applicant_timeline(case(S.DRAFT), [event("create", D[0])]))
    assert [label for label, _, _ in steps] == ["已提交", "已受理", "审查中", "已办结", "已送达"]
    assert {state for _, state, _ in steps} == {"todo"}


def test_submitted_waits_for_pre_review():
    steps = view(p.applicant_timeline(case(S.SUBMITTED), [event("submit", D[0])]))
    assert steps[0] == ("已提交", "done", D[0])
    assert steps[1][:2] == ("已受理", "current")
    assert [s for _, s, _ in steps[2:]] == ["todo"] * 3


def test_correction_is_where_acceptance_would_be():
    events = [event("submit", D[0]), event("request_correction", D[1])]
    steps = view(p.applicant_timeline(case(S.CORRECTION), events))
    assert steps[1] == ("待补正", "current", D[1])


def test_from_acceptance_to_delivery():
    events = [event("submit", D[0]), event("request_correction", D[1]), event("resubmit", D[2])]
    events.append(event("accept", D[3]))
    steps = view(p.applicant_timeline(case(S.IN_REVIEW, accepted_on=D[3]), events))
    assert steps[0] == ("已提交", "done", D[0])  # the first submission
    assert steps[1] == ("已受理", "done", D[3]) and steps[2] == ("审查中", "current", D[3])
    events.append(event("decide", D[6]))
    concluded = case(S.CONCLUDED, accepted_on=D[3], concluded_on=D[6])
    steps = view(p.applicant_timeline(concluded, events))
    assert steps[3] == ("已办结", "current", D[6]) and steps[4][1] == "todo"
    events.append(event("hand_out", D[8]))
    delivered = case(S.DELIVERED, accepted_on=D[3], concluded_on=D[6])
    steps = view(p.applicant_timeline(delivered, events))
    assert steps[4] == ("已送达", "done", D[8]) and {s for _, s, _ in steps} == {"done"}
    events.append(event("archive", D[9]))
    archived = case(S.ARCHIVED, accepted_on=D[3], concluded_on=D[6])
    assert view(p.applicant_timeline(archived, events)) == steps


def test_deemed_acceptance_counts_as_accepted():
    events = [event("submit", D[0]), event("deemed_accept", D[7])]
    steps = view(p.applicant_timeline(case(S.IN_REVIEW, accepted_on=D[0]), events))
    assert steps[1] == ("已受理", "done", D[7])


@pytest.mark.parametrize("archived", [False, True])
def test_not_accepted_stops_the_timeline(archived):
    events = [event("submit", D[0]), event("not_accept", D[2])]
    if archived:
        events.append(event("archive", D[4]))
    steps = view(p.applicant_timeline(case(S.ARCHIVED if archived else S.NOT_ACCEPTED), events))
    assert steps[1] == ("不予受理", "stopped", D[2])
    assert [s for _, s, _ in steps[2:]] == ["todo"] * 3


@pytest.mark.parametrize("archived", [False, True])
def test_withdrawn_after_submission(archived):
    events = [event("submit", D[0]), event("withdraw", D[1])]
    if archived:
        events.append(event("archive", D[4]))
    steps = view(p.applicant_timeline(case(S.ARCHIVED if archived else S.WITHDRAWN), events))
    assert steps[0] == ("已提交", "done", D[0])
    assert steps[1] == ("已撤回", "stopped", D[1])
    assert [s for _, s, _ in steps[2:]] == ["todo"] * 4


def test_a_withdrawn_draft():
    steps = view(p.applicant_timeline(case(S.WITHDRAWN), [event("withdraw", D[1])]))
    assert steps[0] == ("已撤回", "stopped", D[1])


def test_the_history_leaves_out_the_staffs_internal_notes():
    events = [
        event("submit", D[0], label="提交申请"),
        event("accept", D[1], label="受理"),
        event("advance", D[2], note="审查：场所面积核实无误", label="完成本环节"),
        event("warning", D[3], note="承诺期限 2026-10-20", label="时限预警"),
        event("decide", D[4], note="准予：符合条件", label="作出决定"),
    ]
    rows = p.applicant_history(events)
    assert [r.label for r in rows] == ["作出决定", "受理", "提交申请"]  # newest first
    assert rows[0].note == "准予：符合条件"
    assert "场所面积" not in "".join(r.note for r in rows)


def test_form_values_are_masked_by_type():
    fields = [
        {"key": "name", "label": "姓名", "type": "text"},
        {"key": "id", "label": "身份证号码", "type": "id_number"},
        {"key": "tel", "label": "电话", "type": "phone"},
        {"key": "missing", "label": "备注", "type": "text"},
    ]
    data = {"name": "张三", "id": "340104199001011234", "tel": "13800138000"}
    rows = p.form_rows(fields, data)
    assert [(r.label, r.value) for r in rows] == [
        ("姓名", "张三"),
        ("身份证号码", "3401**********1234"),
        ("电话", "138****8000"),
        ("备注", ""),
    ]


def test_material_rows_ask_nothing_for_exempt_materials():
    spec = [
        SimpleNamespace(
            order=1, name="申请书", required=True, deferrable=False, exempt=False, notes=""
        ),
        SimpleNamespace(
            order=2, name="营业执照", required=True, deferrable=False, exempt=True, notes=""
        ),
    ]
    handed = [SimpleNamespace(order=1, file="x.pdf"), SimpleNamespace(order=1, file="")]
    rows = p.material_rows(spec, handed)
    assert rows[0].handed_in and len(rows[0].files) == 1 and rows[0].field_name == "material_1"
    assert rows[1].exempt and not rows[1].handed_in
