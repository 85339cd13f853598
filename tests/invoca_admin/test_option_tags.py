"""`{% options %}` renders what the `{% for %}` loop of <option>s it replaced rendered."""

import pytest
from django.template import Context, Template

BY_LOOP = Template(
    "{% for value, label in choices %}"
    '<option value="{{ value }}"{% if value == selected %} selected{% endif %}>'
    "{{ label|truncatechars:12 }}</option>{% endfor %}"
)
BY_TAG = Template("{% load option_tags %}{% options choices selected truncate=12 %}")

CHOICES = [
    ("1", "Spring sale — Acme"),
    ("2", '<script>alert("x")</script> & co'),
    ("3", "Short"),
    ('4"', "Quote's value"),
    ("5", "Campaña señor"),
]


@pytest.mark.parametrize("selected", ["", "3", '4"', "none"])
def test_the_same_markup_as_the_loop(selected):
    context = {"choices": CHOICES, "selected": selected}
    assert BY_TAG.render(Context(context)) == BY_LOOP.render(Context(context))


def test_nothing_to_choose_renders_nothing():
    assert BY_TAG.render(Context({"choices": [], "selected": ""})) == ""
