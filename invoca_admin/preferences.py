"""Pages of a user's own list state: saved views (open, save, rename, delete, default) and
the column chooser. Any logged-in user may keep their own; none of it writes to Invoca."""

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from .core import lists
from .core.htmx import HtmxHttpRequest
from .core.http import safe_redirect_url
from .core.models import LISTS, SavedView
from .core.preferences import (
    SavedViewForm,
    hidden_columns_set,
    saved_view_save,
    saved_view_set_default,
    saved_views_grouped,
)

PANEL = "components/list.html#saved_views"


@require_GET
def saved_view_open(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """``/views/<id>/``: the list in the view's state. Anyone logged in may follow it."""
    view = get_object_or_404(SavedView, pk=pk)
    return redirect(view.target_url)


@require_POST
def saved_view_create(request: HtmxHttpRequest) -> HttpResponse:
    """Save the list state the menu was shown for. htmx gets the menu again (with the new
    view, or the form's errors) and the navigation's menu out of band."""
    list_id = request.POST.get("list_id", "")
    if list_id not in LISTS:
        return HttpResponseBadRequest("No such list.")
    form = SavedViewForm(request.POST, user=request.user)
    view = saved_view_save(form) if form.is_valid() else None
    lists.user_saved_views(request, reread=True)  # the menus below show the new view
    if not request.htmx:
        if view is None:
            for error in form.errors.values():
                messages.error(request, " ".join(error))
            return redirect(safe_redirect_url(request, fallback=LISTS[list_id][1]))
        messages.success(request, f"Saved the view “{view.name}”.")
        return redirect(view.target_url)
    query = view.query if view else form.cleaned_data.get("query", "")
    context = {
        **lists.saved_views_context(request, list_id=list_id, query=query),
        "list_id": list_id,
        "view_form": form if view is None else None,
        "view_saved": view,
    }
    response = render(request, PANEL, context)
    if view is not None:
        menu = render(request, "base.html#views_menu", {"nav_oob": True})
        response.write(menu.content)
    return response


@require_GET
def saved_views_page(request: HtmxHttpRequest) -> HttpResponse:
    return _page(request)


def _page(request: HtmxHttpRequest, *, bound: SavedViewForm | None = None, status: int = 200):
    groups = []
    for label, views in saved_views_grouped(user=request.user):
        rows = []
        for view in views:
            form = bound if bound is not None and bound.instance.pk == view.pk else None
            rows.append(
                {
                    "view": view,
                    "form": form or SavedViewForm(instance=view, user=request.user),
                    "share_url": request.build_absolute_uri(view.get_absolute_url()),
                }
            )
        groups.append((label, rows))
    return render(request, "saved_views.html", {"groups": groups}, status=status)


def _own_view(request: HtmxHttpRequest, pk: int) -> SavedView:
    view = SavedView.objects.filter(pk=pk, user=request.user).first()
    if view is None:
        raise Http404("No such saved view of yours.")
    return view


@require_POST
def saved_view_update(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Rename a view (and set or clear it as the default), or only flip the default."""
    view = _own_view(request, pk)
    if "name" not in request.POST:
        saved_view_set_default(view=view, is_default=request.POST.get("is_default") == "on")
        messages.success(
            request,
            f"“{view.name}” is now your default for {view.list_label}."
            if view.is_default
            else f"“{view.name}” is no longer your default.",
        )
        return redirect("saved_views")
    old_name = view.name
    form = SavedViewForm(request.POST, instance=view, user=request.user)
    if not form.is_valid() or saved_view_save(form) is None:
        view.name = old_name  # the heading keeps the name it has
        return _page(request, bound=form)
    messages.success(request, f"Saved “{view.name}”.")
    return redirect("saved_views")


@require_POST
def saved_view_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    view = _own_view(request, pk)
    name = view.name
    view.delete()
    messages.success(request, f"Deleted the view “{name}”.")
    return redirect(safe_redirect_url(request, fallback="saved_views"))


@require_POST
def list_columns(request: HtmxHttpRequest, list_id: str) -> HttpResponse:
    """The column chooser: the columns offered (``column``) less those ticked (``shown``)
    are hidden for this user on this list. htmx redraws the list (``columnsChanged``)."""
    if list_id not in LISTS:
        raise Http404("No such list.")
    shown = set(request.POST.getlist("shown"))
    hidden = [c for c in request.POST.getlist("column") if c not in shown]
    hidden_columns_set(user=request.user, list_id=list_id, hidden=hidden)
    if request.htmx:
        response = HttpResponse(status=204)
        trigger_client_event(response, "columnsChanged")
        return response
    return redirect(safe_redirect_url(request, fallback=reverse(LISTS[list_id][1])))
