"""Public, read-only working-day API: deadlines, counts, and the holiday table by year."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from .. import selectors
from ..models import FIRST_TABLE_YEAR, LAST_TABLE_YEAR
from .serializers import (
    NOT_FOUND_SCHEMA,
    VALIDATION_ERROR_SCHEMA,
    AddQuerySerializer,
    BetweenQuerySerializer,
    CalendarYearDetailSerializer,
    CalendarYearSerializer,
    DeadlineSerializer,
    WorkdayCountSerializer,
)

BAD_REQUEST = OpenApiResponse(VALIDATION_ERROR_SCHEMA, description="参数不正确（中文说明）")
NOT_FOUND = OpenApiResponse(NOT_FOUND_SCHEMA, description="该年份没有节假日安排")


class PublicView(APIView):
    # Public reference data: no login, so no session/CSRF and no auth in the schema.
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]


@extend_schema(exclude=True)
class WorkdaysRootView(PublicView):
    """Lists the endpoints of this section."""

    def get(self, request: Request, format: str | None = None) -> Response:
        return Response(
            {
                "add": reverse("workdays-api:add", request=request, format=format),
                "between": reverse("workdays-api:between", request=request, format=format),
                "years": reverse("workdays-api:years", request=request, format=format),
            }
        )


class AddWorkingDaysView(PublicView):
    @extend_schema(
        operation_id="workdays_add",
        summary="计算截止日期",
        description=(
            "从 start 起数 days 个工作日得到截止日期。next（次日起算）：第 1 天是 start 之后的"
            "第一个工作日；same（当日起算）：start 是工作日时当天算第 1 天。days=0 返回 start 本身"
            "（即办件）。没有已确认节假日安排的年份按周一至周五计算，并在 warnings 中提示。"
        ),
        parameters=[AddQuerySerializer],
        responses={200: DeadlineSerializer, 400: BAD_REQUEST},
        tags=["workdays"],
    )
    def get(self, request: Request) -> Response:
        query = AddQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        try:
            deadline = selectors.add_working_days(
                data["start"], data["days"], start_rule=data.get("rule")
            )
        except ValueError as exc:  # past 9999-12-31
            raise ValidationError({"days": [str(exc)]}) from exc
        return Response(DeadlineSerializer(deadline).data)


class WorkingDaysBetweenView(PublicView):
    @extend_schema(
        operation_id="workdays_between",
        summary="计算两日期之间的工作日数",
        description="first 之后（不含）到 second（含）之间的工作日数；second 不晚于 first 时为 0。",
        parameters=[BetweenQuerySerializer],
        responses={200: WorkdayCountSerializer, 400: BAD_REQUEST},
        tags=["workdays"],
    )
    def get(self, request: Request) -> Response:
        query = BetweenQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        count = selectors.working_days_between(data["first"], data["second"])
        return Response(WorkdayCountSerializer(count).data)


class CalendarYearListView(PublicView):
    @extend_schema(
        operation_id="workdays_years_list",
        summary="节假日年度安排列表",
        description="已录入的年份及是否已确认；未确认或未列出的年份按周一至周五计算。",
        responses={200: CalendarYearSerializer(many=True)},
        tags=["workdays"],
    )
    def get(self, request: Request) -> Response:
        years = selectors.calendar_year_list()
        return Response(CalendarYearSerializer(years, many=True).data)


class CalendarYearDetailView(PublicView):
    @extend_schema(
        operation_id="workdays_years_retrieve",
        summary="某年的节假日与调休上班日",
        parameters=[
            OpenApiParameter(
                "year",
                {"type": "integer", "minimum": FIRST_TABLE_YEAR, "maximum": LAST_TABLE_YEAR},
                OpenApiParameter.PATH,
                required=True,
                description="年份",
            )
        ],
        responses={200: CalendarYearDetailSerializer, 404: NOT_FOUND},
        tags=["workdays"],
    )
    def get(self, request: Request, year: str) -> Response:
        # The path takes any text so that a malformed year is a JSON 404 like a missing one.
        row = None
        if year.isascii() and year.isdigit() and len(year) <= 4:
            row = selectors.calendar_year_list().filter(year=int(year)).first()
        if row is None:
            raise NotFound("没有该年份的节假日安排。")
        row.days = list(selectors.calendar_days_of_year(row.year))  # type: ignore[attr-defined]
        return Response(CalendarYearDetailSerializer(row).data)
