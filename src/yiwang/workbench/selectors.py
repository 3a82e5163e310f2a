"""Reads for the workbench shell: who the signed-in staff member is, what they may see, what
waits for them, and the state of the working-day calendar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

from yiwang.catalog import selectors as catalog_selectors
from yiwang.catalog import workflow
from yiwang.org.models import Role, Staff, User
from yiwang.org.selectors import data_scope_for
from yiwang.workdays import selectors as workdays

# Role labels live in yiwang.org.roles as plain Chinese; listing them here lets makemessages
# collect them so the shell can show them in English too.
ROLE_LABELS_FOR_TRANSLATION = (
    gettext_noop("系统管理员"),
    gettext_noop("数据资源局管理员"),
    gettext_noop("部门管理员"),
    gettext_noop("窗口工作人员"),
    gettext_noop("审批人员"),
    gettext_noop("网格员"),
    gettext_noop("领导"),
    gettext_noop("个人用户"),
    gettext_noop("企业用户"),
)


@dataclass(frozen=True)
class StaffSummary:
    """The signed-in staff member as the shell shows them."""

    display_name: str
    department_name: str = ""
    region_name: str = ""
    title: str = ""
    window_name: str = ""
    role_labels: list[str] = field(default_factory=list)
    scope_kind: str = "none"  # "none" | "department" | "region"

    @property
    def roles_text(self) -> str:
        return list_text(self.role_labels)


def list_text(items: list[str]) -> str:
    """Join items with the language's enumeration comma (、 in Chinese, ", " in English)."""
    # Translators: separator between items of a list.
    return gettext("、").join(str(item) for item in items)


def scope_kind_for(user: User) -> str:
    """The user's data scope kind, as every scoped query applies it: "region" (bureau staff,
    leaders), "department" or "none"."""
    return data_scope_for(user).kind


def staff_summary(user: User) -> StaffSummary:
    """Name, department, roles and scope of a signed-in staff member (one query for the staff
    record and its department, one for the roles)."""
    staff = (
        Staff.objects.select_related("department__region", "window__hall")
        .filter(user_id=user.pk)
        .first()
    )
    role_labels = [
        gettext(Role(code).label) for code in sorted(user.role_codes) if code in Role.values
    ]
    if staff is None:
        return StaffSummary(
            display_name=user.get_full_name() or user.get_username(),
            role_labels=role_labels,
            scope_kind=scope_kind_for(user),
        )
    return StaffSummary(
        display_name=staff.full_name,
        department_name=staff.department.name,
        region_name=staff.department.region.name,
        title=staff.title,
        window_name=str(staff.window) if staff.window_id else "",
        role_labels=role_labels,
        scope_kind=scope_kind_for(user),
    )


@dataclass(frozen=True)
class TodoLink:
    """One record waiting for the user, with the page where it is handled."""

    label: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class TodoGroup:
    """One kind of work waiting for the user (事项审核 …): how many, where the list is, and
    the oldest few."""

    label: str
    count: int
    url: str
    entries: list[TodoLink] = field(default_factory=list)


# How many of the oldest waiting records each to-do group lists by name on the home page.
TODO_ENTRIES_SHOWN = 5


def todo_groups(user: User) -> list[TodoGroup]:
    """What waits for the user, in their data scope: versions awaiting review for users who
    may review (the same queue as 事项审核). Groups with nothing waiting are left out."""
    groups: list[TodoGroup] = []
    if workflow.may_review(user):
        waiting = catalog_selectors.versions_awaiting_review(user=user).select_related(
            "item__department"
        )
        count = waiting.count()
        if count:
            groups.append(
                TodoGroup(
                    label=gettext("事项审核"),
                    count=count,
                    url=reverse("catalog:review-list"),
                    entries=[
                        TodoLink(
                            label=f"{version.name} v{version.number}",
                            url=reverse("catalog:version-review", args=[version.pk]),
                            detail=version.item.department.name,
                        )
                        for version in waiting[:TODO_ENTRIES_SHOWN]
                    ],
                )
            )
    groups += case_todo_groups(user)
    groups += ticket_todo_groups(user)
    groups += rectification_todo_groups(user)
    return groups


# The case queues on the home page's to-do list (cases.selectors.QUEUES), each for the holders of
# one of its permissions (None: every staff member who sees cases).
CASE_TODO_QUEUES = (
    ("intake", ("cases.accept_case",)),
    ("review", ("cases.review_case", "cases.decide_case")),
    ("warning", None),
    ("overdue", None),
    ("hand_out", ("cases.accept_case",)),
)


def case_todo_groups(user: User) -> list[TodoGroup]:
    """The case queues waiting for the user, in their scope, with their counts (one query)
    and the first cases of each (by promised deadline)."""
    from yiwang.cases import selectors as case_selectors

    if not user.has_perm("cases.view_case"):
        return []
    counts = case_selectors.queue_counts_for(user=user)
    groups = []
    for queue, permissions in CASE_TODO_QUEUES:
        if permissions is not None and not any(user.has_perm(p) for p in permissions):
            continue
        count = counts.get(queue) or 0
        if not count:
            continue
        rows = case_selectors.queue_for(user=user, queue=queue)[:TODO_ENTRIES_SHOWN]
        groups.append(
            TodoGroup(
                label=gettext("办件%(queue)s")
                % {"queue": gettext(case_selectors.QUEUES[queue][0])},
                count=count,
                url=reverse("cases:queue", args=[queue]),
                entries=[
                    TodoLink(
                        label=f"{case.version.name} {case.number}",
                        url=reverse("cases:detail", args=[case.pk]),
                        detail=case.applicant.name,
                    )
                    for case in rows
                ],
            )
        )
    return groups


def ticket_todo_groups(user: User) -> list[TodoGroup]:
    """The tickets (诉求工单) waiting for the user, in their scope: his department's queue for
    those who handle tickets; the dispatch desk's 待派单, 已退单, 已超期 and 延期申请 for the
    bureau's dispatchers. Each list from appeals.selectors, its first few named."""
    from yiwang.appeals import selectors as ticket_selectors

    if not user.has_perm("appeals.view_ticket"):
        return []
    lists: list[tuple[str, Any, str]] = []
    if user.has_perm("appeals.handle_ticket"):
        queue = ticket_selectors.department_queue(user=user)
        lists.append((gettext("本部门诉求工单"), queue, reverse("appeals:queue")))
    if user.has_perm("appeals.dispatch_ticket"):
        for label, rows, tab in (
            (gettext("诉求待派单"), ticket_selectors.desk_unassigned(user=user), "unassigned"),
            (gettext("诉求已退单"), ticket_selectors.desk_sent_back(user=user), "sent_back"),
            (gettext("诉求已超期"), ticket_selectors.desk_overdue(user=user), "overdue"),
            (gettext("诉求延期申请"), ticket_selectors.desk_extensions(user=user), "extensions"),
        ):
            lists.append((label, rows, reverse("appeals:desk-tab", args=[tab])))
    groups = []
    for label, rows, url in lists:
        count = rows.count()
        if not count:
            continue
        entries = []
        for row in rows[:TODO_ENTRIES_SHOWN]:
            # an extension request names its ticket and the department asking
            ticket = getattr(row, "ticket", row)
            department = getattr(row, "department", None) or ticket.lead_department
            entries.append(
                TodoLink(
                    label=f"{ticket.title} {ticket.number}",
                    url=reverse("appeals:detail", args=[ticket.pk]),
                    detail=department.name if department is not None else "",
                )
            )
        groups.append(TodoGroup(label=label, count=count, url=url, entries=entries))
    return groups


# The rectification queues on the home page (evaluations.rectification.selectors.QUEUES): the
# handling units' work, and the appeals waiting for the bureau.
RECTIFICATION_TODO_QUEUES = (
    ("verifying", "evaluations.handle_rectification"),
    ("verified", "evaluations.handle_rectification"),
    ("overdue", "evaluations.handle_rectification"),
    ("appealed", "evaluations.decide_rectification_appeal"),
)


def rectification_todo_groups(user: User) -> list[TodoGroup]:
    """The bad-rating rectification tasks waiting for the user, in their scope (counts in one
    query): to verify, to classify, overdue; for the bureau the appeals to decide."""
    from yiwang.evaluations.rectification import selectors as rectification
    from yiwang.evaluations.rectification.presenters import subject_text

    if not user.has_perm("evaluations.view_rectification"):
        return []
    counts = rectification.queue_counts_for(user=user)
    groups = []
    for queue, permission in RECTIFICATION_TODO_QUEUES:
        count = counts.get(queue) or 0
        if not count or not user.has_perm(permission):
            continue
        rows = rectification.queue_for(user=user, queue=queue)[:TODO_ENTRIES_SHOWN]
        groups.append(
            TodoGroup(
                label=gettext("差评%(queue)s") % {"queue": gettext(rectification.QUEUES[queue][0])},
                count=count,
                url=reverse("rectification:queue", args=[queue]),
                entries=[
                    TodoLink(
                        label=subject_text(task),
                        url=reverse("rectification:detail", args=[task.pk]),
                        detail=task.department.name,
                    )
                    for task in rows
                ],
            )
        )
    return groups


def calendar_unconfirmed_years(today: dt.date) -> list[int]:
    """Years relevant to today's deadlines that lack a confirmed holiday table."""
    return sorted(int(year) for year in workdays.unconfirmed_years(today))


def is_working_day(day: dt.date) -> bool:
    """Whether `day` is a working day by the holiday table."""
    return bool(workdays.is_working_day(day))
