"""What happens in the simulated half year, drawn from one random.Random(seed) in a fixed order:
how many applications each working day gets (seasons), and each case's applicant, item,
channel and fate. Pure: no database writes, no clock."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace

from yiwang.workdays.selectors import is_working_day

START = dt.date(2026, 1, 1)
END = dt.date(2026, 6, 30)
SPRING_FESTIVAL = dt.date(2026, 2, 17)  # 春节 2026

# Channel mix: 网上 + 掌上 about two thirds, the rest at the counter, a kiosk or assisted.
CHANNELS = (
    ("online", 0.58),
    ("mobile", 0.09),
    ("window", 0.25),
    ("kiosk", 0.04),
    ("assisted", 0.04),
)
COMPANY_SHARE = 0.3
CORRECTION_RATE = 0.08  # 补正
NOT_ACCEPTED_RATE = 0.01  # 不予受理 (at pre-review)
WITHDRAWN_RATE = 0.05  # of corrections: the applicant gives up
SPECIAL_RATE = 0.04  # 特别程序 (of the items with a review: a third are 即办件)
OVERDUE_RATE = 0.015  # decided after the promised deadline
REFUSED_RATE = 0.02  # 不予许可
SPECIAL_KINDS = ("testing", "expert_review", "public_notice", "hearing")
RATED_SHARE = 0.6  # of the concluded cases, rated by the applicant
# Bad ratings (差评, 1–2): about 0.03% of the ratings, as the seed reports give (0.01–0.05%);
# an exact count (at least one, so a small run has a rectification too), not a coin per case.
BAD_SHARE = 0.0003


def season(day: dt.date) -> float:
    """Relative demand on a working day: the rush before 春节, the dip around it (the last
    days before the holiday and the slow restart after), the 开年 peak in March."""
    days_to_festival = (SPRING_FESTIVAL - day).days
    if 0 < days_to_festival <= 5:
        return 0.45
    if 5 < days_to_festival <= 21:
        return 1.1
    if -21 <= days_to_festival <= 0:
        return 0.5
    if day.month == 3:
        return 1.25
    return {1: 1.0, 2: 0.8, 4: 1.1, 5: 1.0, 6: 0.95}.get(day.month, 1.0)


def working_days(start: dt.date = START, end: dt.date = END) -> list[dt.date]:
    """The working days of the period by the workdays calendar (调休 Saturdays included)."""
    days = []
    day = start
    while day <= end:
        if is_working_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def daily_counts(days: list[dt.date], total: int) -> list[int]:
    """`total` applications spread over `days` by season, summing exactly (largest remainder)."""
    weights = [season(d) for d in days]
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    rest = total - sum(counts)
    by_remainder = sorted(range(len(days)), key=lambda i: (counts[i] - shares[i], i))
    for i in by_remainder[:rest]:
        counts[i] += 1
    return counts


@dataclass(frozen=True)
class CasePlan:
    """One application and what becomes of it. Fractions (0–1) are turned into dates once the
    case's own deadlines are known."""

    day: int  # index into the working days
    minute: int  # of the submission, after local midnight
    company: bool
    applicant: int  # index into the population list for the channel
    item: float  # fraction into the weighted item list
    channel: str
    correction: bool
    withdrawn: bool
    not_accepted: bool
    special: str  # "" or a SpecialProcedureKind
    special_days: int
    overdue: bool
    refused: bool
    accept_lag: int  # working days from (re)submission to acceptance
    fix_lag: int  # working days the applicant takes to correct
    progress: float  # fraction of the promised time used before deciding
    late_by: int  # working days past the deadline (overdue)
    rating: float  # below RATED_SHARE: rated; the rest of the fraction picks the level
    bad: bool = False  # one of the few bad ratings

    @property
    def rated(self) -> bool:
        return self.rating < RATED_SHARE

    @property
    def level(self) -> int:
        if self.bad:
            return 1 if self.rating < RATED_SHARE / 2 else 2
        u = self.rating / RATED_SHARE
        return 5 if u < 0.85 else (4 if u < 0.97 else 3)


def _channel(u: float) -> str:
    for name, share in CHANNELS:
        if u < share:
            return name
        u -= share
    return CHANNELS[-1][0]


def case_plans(seed: int, total: int, days: list[dt.date]) -> list[CasePlan]:
    """Every case of the half year, in submission order. The draws per case are fixed in number
    and order, so one seed gives one plan."""
    rng = random.Random(seed)
    plans = []
    for index, count in enumerate(daily_counts(days, total)):
        minutes = sorted(rng.randrange(8 * 60 + 30, 17 * 60 + 30) for _ in range(count))
        for minute in minutes:
            r = [rng.random() for _ in range(14)]
            correction = r[3] < CORRECTION_RATE
            plans.append(
                CasePlan(
                    day=index,
                    minute=minute,
                    company=r[0] < COMPANY_SHARE,
                    applicant=int(r[1] * 1_000_000),
                    item=r[2],
                    channel=_channel(r[4]),
                    correction=correction,
                    withdrawn=correction and r[5] < WITHDRAWN_RATE,
                    not_accepted=not correction and r[5] < NOT_ACCEPTED_RATE,
                    special=SPECIAL_KINDS[int(r[7] * len(SPECIAL_KINDS))]
                    if r[6] < SPECIAL_RATE
                    else "",
                    special_days=5 + int(r[7] * 100) % 11,
                    overdue=r[8] < OVERDUE_RATE,
                    refused=r[9] < REFUSED_RATE,
                    accept_lag=0 if r[10] < 0.55 else (1 if r[10] < 0.9 else 2),
                    fix_lag=1 + int(r[11] * 3),
                    progress=r[12],
                    late_by=1 + int(r[12] * 3),
                    rating=r[13],
                )
            )
    rated = [n for n, x in enumerate(plans) if x.rated]
    for n in rng.sample(rated, min(len(rated), max(1, round(len(rated) * BAD_SHARE)))):
        plans[n] = replace(plans[n], bad=True)
    return plans
