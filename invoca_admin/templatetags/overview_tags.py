"""Geometry of the overview's bar chart (an SVG in a 120 × 52 view box, bars 10 apart)."""

from django import template

register = template.Library()

BASELINE = 50.0  # the axis
TALLEST = 46.0  # the tallest bar, leaving room at the top
MINIMUM = 0.6  # a week with a few destinations still shows a sliver


@register.filter
def bar_height(share: float) -> str:
    """``share`` (0..1 of the tallest week) as the bar's height."""
    height = 0.0 if share <= 0 else max(MINIMUM, share * TALLEST)
    return f"{height:.2f}"


@register.filter
def bar_top(share: float) -> str:
    return f"{BASELINE - float(bar_height(share)):.2f}"


@register.filter
def bar_x(index: int) -> str:
    return f"{index * 10 + 0.8:.1f}"
