from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from invoca_admin.htmx import HtmxHttpRequest


@require_GET
def destination_list(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "home.html", {})
