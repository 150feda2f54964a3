from typing import Any

from django.utils.translation import gettext as _
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from .query import MAX_INT, parse_int, refuse

MAX_PAGE_SIZE = 200
MAX_PAGE = MAX_INT


class Pagination(PageNumberPagination):
    """{count, next, previous, results}; `page_size` up to 200, newest first by each view.

    `page` and `page_size` are whole numbers in their declared range: anything else is refused
    with `400 invalid_parameter` (DRF would fall back to the default size, or answer 404), and a
    page past the end is `404`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def _number(self, request: Request, name: str, maximum: int) -> int | None:
        sent = request.query_params.getlist(name)
        if not sent:
            return None
        try:
            if len(sent) > 1:
                raise ValueError(_("Sent more than once."))
            return parse_int(sent[0], minimum=1, maximum=maximum)
        except ValueError as exc:
            raise refuse({name: [str(exc)]}) from None

    def get_page_size(self, request: Request) -> int:
        size = self._number(request, self.page_size_query_param, MAX_PAGE_SIZE)
        return size if size is not None else self.page_size

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        self._number(request, self.page_query_param, MAX_PAGE)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        bounds = {
            self.page_query_param: {"minimum": 1, "maximum": MAX_PAGE},
            self.page_size_query_param: {"minimum": 1, "maximum": MAX_PAGE_SIZE},
        }
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters
