"""The navigation's menu of saved views (``base.html#views_menu``)."""

from django import template

from invoca_admin.core.lists import user_saved_views
from invoca_admin.core.preferences import saved_views_grouped

register = template.Library()


@register.simple_tag(takes_context=True)
def saved_view_groups(context) -> list:
    """The signed-in user's saved views per list: [(list label, views)], read at most once
    a request (a list page has already read them for its own menu)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return []
    return saved_views_grouped(user=user, views=user_saved_views(request))
