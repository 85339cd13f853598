"""Property tests: rules that must hold for every input, not just the examples."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django import forms
from hypothesis import given
from hypothesis import strategies as st

from invoca_admin.invoca.types import to_datetime
from ringpools.forms import normalise_phone_number

npa = st.from_regex(r"[2-9][0-9]{2}", fullmatch=True).filter(lambda n: n[1:] != "11")
nxx = st.from_regex(r"[2-9][0-9]{2}", fullmatch=True).filter(lambda n: n[1:] != "11")
line = st.from_regex(r"[0-9]{4}", fullmatch=True)
LAYOUTS = [
    "{a}-{b}-{c}",
    "({a}) {b}-{c}",
    "{a}.{b}.{c}",
    "{a} {b} {c}",
    "+1 {a} {b} {c}",
    "1-{a}-{b}-{c}",
    "+1 ({a}) {b}-{c}",
    "{a}{b}{c}",
    "1{a}{b}{c}",
]


@given(a=npa, b=nxx, c=line, layout=st.sampled_from(LAYOUTS))
def test_any_way_of_typing_a_us_number_gives_npa_nxx_xxxx(a, b, c, layout):
    assert normalise_phone_number(layout.format(a=a, b=b, c=c)) == f"{a}-{b}-{c}"


@given(text=st.text(alphabet="0123456789-() .+", max_size=9))
def test_fewer_than_ten_digits_is_never_a_number(text):
    if sum(ch.isdigit() for ch in text) >= 10:
        return
    with pytest.raises(forms.ValidationError):
        normalise_phone_number(text)


offsets = st.integers(min_value=-12 * 4, max_value=14 * 4).map(
    lambda quarters: timezone(timedelta(minutes=15 * quarters))
)


@given(
    moment=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=offsets
    )
)
def test_invoca_timestamps_round_trip_to_the_same_instant(moment):
    moment = moment.replace(microsecond=0)
    text = moment.strftime("%Y-%m-%d %H:%M:%S %z")  # "2023-10-19 03:34:42 -0700"
    parsed = to_datetime(text)
    assert parsed == moment
    assert parsed.utcoffset() == moment.utcoffset()
    assert parsed.astimezone(UTC) == moment.astimezone(UTC)
