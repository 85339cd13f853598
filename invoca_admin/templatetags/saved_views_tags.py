"""The navigation's menu of saved views (``base.html#views_menu``)."""

from django import template

from invoca_admin.core.preferences import saved_views_grouped

register = template.Library()


@register.simple_tag(takes_context=True)
def saved_view_groups(context) -> list:
    """The signed-in user's saved views per list: [(list label, views)], one query."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return saved_views_grouped(user=user) if user is not None else []
