"""common.prepared: a read compiled once gives what the queryset gives — the same instances
with their select_related objects attached, the same converted values — for any parameter
values, and refuses to prepare a lookup whose parameter does not reach the statement."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from yiwang.common.prepared import Prepared
from yiwang.org.models import Department, Staff, User

STAFF = Prepared(
    lambda user: Staff.objects.select_related("department__region", "user").filter(user_id=user),
    user=int,
)
DEPARTMENTS_BY_NAME = Prepared(
    lambda name: Department.objects.filter(name=name).values_list("id", "name", "region__code"),
    name=str,
)
JOINED = Prepared(
    lambda user: User.objects.filter(pk=user).values_list("username", "date_joined", "is_active"),
    user=int,
)


@pytest.fixture
def people(db):
    dept = f.department("县市场监督管理局")
    other = f.department("县公安局", at=f.town(1))
    return [f.staff(dept, ["window_clerk"]), f.staff(other, ["approver"])]


def test_objects_are_the_querysets_with_their_related_objects(people, django_assert_num_queries):
    for staff in people:
        expected = Staff.objects.select_related("department__region", "user").get(pk=staff.pk)
        with django_assert_num_queries(1):
            found = STAFF.objects(user=staff.user_id)
            assert len(found) == 1
            got = found[0]
            # the related objects came with the one statement
            assert got.department.region.code == expected.department.region.code
            assert got.user.username == expected.user.username
        assert got.pk == expected.pk and got.department_id == expected.department_id
        assert got._state.adding is False and got._state.db == "default"
    assert STAFF.first(user=-1) is None
    assert STAFF.objects(user=people[0].user_id)[0].pk == people[0].pk  # reused, new values


def test_tuples_are_converted_as_values_list_converts_them(people):
    user = people[0].user
    (row,) = JOINED.tuples(user=user.pk)
    assert row == tuple(
        User.objects.filter(pk=user.pk).values_list("username", "date_joined", "is_active")[0]
    )
    assert isinstance(row[1], dt.datetime) and row[1].tzinfo is not None
    assert row[2] is True
    name = people[1].department.name
    assert DEPARTMENTS_BY_NAME.tuples(name=name) == [
        (people[1].department_id, name, people[1].department.region.code)
    ]
    assert DEPARTMENTS_BY_NAME.tuples(name="没有这个部门") == []


def test_the_statement_is_seen_when_queries_are_logged(people):
    with CaptureQueriesContext(connection) as queries:
        STAFF.objects(user=people[0].user_id)
    assert len(queries) == 1 and "org_staff" in queries[0]["sql"]


def test_a_parameter_that_does_not_reach_the_statement_unchanged_is_refused(db):
    like = Prepared(lambda name: Department.objects.filter(name__startswith=name), name=str)
    with pytest.raises(ValueError, match="do not reach the statement"):
        like.objects(name="县")
    with pytest.raises(TypeError):
        STAFF.objects(users=1)
    with pytest.raises(TypeError):
        STAFF.tuples(user=1)  # a model read gives instances
    with pytest.raises(TypeError):
        Prepared(lambda when: User.objects.filter(date_joined=when), when=dt.date)


PARTIAL = ("id", "department__id", "department__name", "department__region__code", "user__id")
PARTIAL_WITH_COUNT = Prepared(
    lambda user: (
        Staff.objects.select_related("department__region", "user")
        .only(*PARTIAL)
        .annotate(windows=Count("department__windows"))
        .filter(user_id=user)
    ),
    user=int,
)


def test_partial_objects_and_annotations_are_the_querysets(people, django_assert_num_queries):
    for staff in people:
        expected = (
            Staff.objects.select_related("department__region", "user")
            .only(
                "id", "department__id", "department__name", "department__region__code", "user__id"
            )
            .annotate(windows=Count("department__windows"))
            .get(user_id=staff.user_id)
        )
        with django_assert_num_queries(1):
            (got,) = PARTIAL_WITH_COUNT.objects(user=staff.user_id)
            assert got.windows == expected.windows  # the annotation, as Django sets it
            assert got.department.name == expected.department.name
            assert got.department.region.code == expected.department.region.code
        assert got.get_deferred_fields() == expected.get_deferred_fields()
        assert got.department.get_deferred_fields() == expected.department.get_deferred_fields()
        assert got.department.region.get_deferred_fields() == (
            expected.department.region.get_deferred_fields()
        )
        assert got.department.region.name == expected.department.region.name  # loaded on use
