"""The demo county's ratings: good and middling ratings of cases, served numbers and windows
from the app, the rating device, the hotline and QR codes (an anonymous one among them), the
rating figures computed from them; a second run adds nothing."""

from __future__ import annotations

import pytest

from tests.seeded import demo_county
from yiwang.demo.services import seed_demo_county
from yiwang.evaluations.fields import Channel, Subject
from yiwang.evaluations.models import Rating
from yiwang.insight.registry import compute

pytestmark = pytest.mark.django_db


def test_the_demo_county_has_ratings_from_every_kind_of_channel():
    demo_county()
    good = Rating.objects.filter(follows_up__isnull=True, level__gte=3)
    assert {Channel.APP, Channel.DEVICE, Channel.HOTLINE, Channel.QR} <= set(
        good.values_list("channel", flat=True)
    )
    assert {Subject.CASE, Subject.VISIT, Subject.WINDOW} <= set(
        good.values_list("subject", flat=True)
    )
    assert good.filter(anonymous=True).exists()
    company = good.get(channel=Channel.APP)
    assert company.rater is not None and company.rater.kind == "legal_person"
    assert compute("evaluations.active_rate") is not None
    assert compute("evaluations.good_rate") is not None
    count = Rating.objects.count()
    assert seed_demo_county().total == 0
    assert Rating.objects.count() == count
