"""A message that can be undone carries its Undo in ``extra_tags``."""

from django import template

register = template.Library()


@register.filter
def undo(message) -> dict | None:
    """``undo|<url>|<target id>|<label>`` in the message's extra tags -> its parts."""
    parts = str(getattr(message, "extra_tags", "") or "").split("|")
    if len(parts) != 4 or parts[0] != "undo" or not parts[1].startswith("/"):
        return None
    return {"url": parts[1], "target": parts[2], "label": parts[3]}
