"""Page-number pagination with the case list's capped count."""

from __future__ import annotations

import functools
from typing import Any

from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from cases.selectors import CappedPaginator


class CappedPagination(PageNumberPagination):
    """`count` is exact up to `cases.selectors.COUNT_CAP` cases; beyond, `count_capped` is true.

    An exact COUNT of a large office's visible cases is a full scan on every page (see
    CappedPaginator). When capped, `count` is one more than the rows counted and `next` is
    always offered; asking for a later page raises the limit with the page number.
    """

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list | None:
        number = request.query_params.get(self.page_query_param)
        # DRF builds the paginator as django_paginator_class(queryset, page_size).
        self.django_paginator_class = functools.partial(CappedPaginator, page=number)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["count_capped"] = self.page.paginator.capped
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["count_capped"] = {
            "type": "boolean", "description": "True when `count` is a lower bound (more than the cap).",
        }
        return paginated
