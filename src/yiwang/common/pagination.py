"""Default API pagination (its own module: DRF imports it while its generics module loads)."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

MAX_BIGINT = 2**63 - 1


def single_value(request: Request, name: str) -> str | None:
    """The one value of query parameter `name`; repeating it is a 400, not "last one wins"."""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise ValidationError({name: ["此参数只能给一个值。"]})
    return values[0] if values else None


class Pagination(LimitOffsetPagination):
    """limit/offset that answer 400 to a malformed value instead of silently ignoring it, and
    whose schema says so (minimum, maximum)."""

    default_limit = 50
    max_limit = 500
    max_offset = MAX_BIGINT

    def _parse(self, request: Request, name: str, minimum: int, maximum: int) -> int | None:
        raw = single_value(request, name)
        if raw is None:
            return None
        if not (raw.isascii() and raw.isdigit()) or not minimum <= int(raw) <= maximum:
            raise ValidationError({name: [f"应为 {minimum} 到 {maximum} 之间的整数。"]})
        return int(raw)

    def get_limit(self, request: Request) -> int | None:
        limit = self._parse(request, self.limit_query_param, 1, self.max_limit)
        return self.default_limit if limit is None else limit

    def get_offset(self, request: Request) -> int:
        return self._parse(request, self.offset_query_param, 0, self.max_offset) or 0

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: (1, self.max_limit),
            self.offset_query_param: (0, self.max_offset),
        }
        for parameter in parameters:
            low, high = bounds[parameter["name"]]
            parameter["schema"].update(minimum=low, maximum=high)
        return parameters
