"""Demo 差评整改: bad ratings of concluded cases (then of served queue numbers) and their tasks
in each state — waiting to be verified, rectifying, the fix rated by the citizen, an appeal
awaiting the bureau and one it upheld as mistaken — replayed through the rating and
rectification services by a handler of the department and the bureau. Once only (after the ratings'
own seed, on cases nobody has rated)."""

from __future__ import annotations

from yiwang.cases.models import Case
from yiwang.demo.cases import _pdf
from yiwang.evaluations import services as ratings
from yiwang.evaluations.fields import Channel
from yiwang.evaluations.models import Rectification
from yiwang.evaluations.rectification import services
from yiwang.evaluations.rectification.fields import Classification
from yiwang.evaluations.rectification.workflow import HANDLE
from yiwang.hall.models import Ticket, TicketStatus
from yiwang.org.models import Staff, User

VISITOR = ("张三", "13800000001")  # the demo citizen (county.CITIZEN_SIGN_INS)
MARK = "【演示】"  # the seeded ratings' comments start with it: seeded once
RATINGS = (
    (1, "材料要求前后说法不一，跑了三趟。"),
    (2, "窗口排队太久，没人引导。"),
    (1, "审批比承诺的时间慢。"),
    (1, "点错了。"),
    (2, "工作人员态度一般。"),
)


def seed_rectifications() -> dict[str, int]:
    if Rectification.objects.filter(rating__comment__startswith=MARK).exists():
        return {}
    bureau = User.objects.filter(username="bureau").first()
    if bureau is None:
        return {}
    cases = list(
        Case.objects.filter(concluded_on__isnull=False, ratings__isnull=True).order_by("id")[
            : len(RATINGS)
        ]
    )
    visits = list(
        Ticket.objects.filter(status=TicketStatus.DONE, ratings__isnull=True)
        .exclude(window=None)
        .order_by("id")[: max(0, len(RATINGS) - len(cases))]
    )
    tasks = []
    subjects: list[Case | Ticket] = [*cases, *visits]
    for subject, (level, comment) in zip(subjects, RATINGS, strict=False):
        if isinstance(subject, Case):
            rating = ratings.rating_for_case(
                case=subject, channel=Channel.QR, level=level, comment=MARK + comment
            )
        else:
            # A real-name visitor leaves his mobile on the QR page (for the follow-up).
            rating = ratings.rating_for_visit(
                visit=subject,
                channel=Channel.QR,
                level=level,
                comment=MARK + comment,
                rater=ratings.RaterInput(name=VISITOR[0], phone=VISITOR[1]),
            )
        tasks.append(Rectification.objects.select_related("rating").get(rating=rating))

    def handler(task: Rectification) -> User:
        """A handler of the task's department (its clerk), else the bureau's administrator."""
        staff = (
            Staff.objects.filter(department_id=task.department_id, user__is_active=True)
            .select_related("user")
            .order_by("id")
        )
        for member in staff:
            if member.user.has_perm(HANDLE):
                return member.user  # type: ignore[no-any-return]
        return bureau  # type: ignore[return-value]

    def verified(task: Rectification, finding: str) -> Rectification:
        return services.rectification_verify(
            task=task,
            actor=handler(task),
            finding=finding,
            contacted=not task.rating.anonymous,
            contact_note="已电话联系评价人，致歉并说明处理安排。",
        )

    # tasks[0] waits to be verified.
    if len(tasks) > 1:
        task = verified(tasks[1], "高峰时段取号等候超过一小时，属实。")
        services.rectification_confirm(task=task, actor=handler(task), note="增设导办岗。")
    if len(tasks) > 2:
        task = verified(tasks[2], "复核环节积压，属实。")
        task = services.rectification_rectify(
            task=task, actor=handler(task), measures="复核环节增加一名审核人员，当日件当日清。"
        )
        if task.status == "follow_up":
            services.rectification_rate_fix(task=task, level=4, comment="现在快多了。")
    if len(tasks) > 3:
        task = verified(tasks[3], "评价人来电说明为误点。")
        task = services.rectification_appeal(
            task=task,
            actor=handler(task),
            classification=Classification.MISTAKEN,
            reason="评价人来电说明误点了“非常不满意”，附通话记录。",
            evidence=[("通话记录.pdf", _pdf())],
        )
        services.rectification_decide_appeal(
            task=task, actor=bureau, upheld=True, note="通话记录证实为误评。"
        )
    if len(tasks) > 4:
        task = verified(tasks[4], "叫号记录显示评价人当日未在本窗口办理。")
        services.rectification_appeal(
            task=task,
            actor=handler(task),
            classification=Classification.MALICIOUS,
            reason="叫号与监控记录显示评价人当日未到本窗口，疑为恶意差评。",
            evidence=[("叫号记录.pdf", _pdf())],
        )
    return {"差评整改任务": len(tasks)} if tasks else {}
