"""Property-based tests: the validators accept exactly the documented shapes and never crash."""

import datetime
import string

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from accounts import validators

digits = st.text(alphabet=string.digits, min_size=0, max_size=20)
anything = st.text(max_size=80)


def accepts(validator, value) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


@given(st.text(alphabet=string.digits, min_size=12, max_size=12))
def test_every_twelve_digit_string_is_a_citizen_id(value):
    assert accepts(validators.validate_citizen_id, value)


@given(anything)
def test_citizen_id_accepts_nothing_but_twelve_digits(value):
    assert accepts(validators.validate_citizen_id, value) == (len(value) == 12 and value.isascii() and value.isdigit())


@given(
    st.text(alphabet=string.digits, min_size=10, max_size=10),
    st.one_of(st.none(), st.text(string.digits, min_size=3, max_size=3)),
)
def test_tax_codes_of_ten_or_ten_three_digits(main, branch):
    value = main if branch is None else f"{main}-{branch}"
    assert accepts(validators.validate_tax_code, value)


@given(anything)
def test_tax_code_never_crashes_and_rejects_other_shapes(value):
    ok = accepts(validators.validate_tax_code, value)
    if ok:
        assert value[:10].isdigit() and len(value) in (10, 14)


@given(
    st.sampled_from(["0", "+84"]), st.text(string.digits, min_size=9, max_size=9), st.sampled_from(["", " ", ".", "-"])
)
def test_phone_numbers_with_separators_are_accepted_and_normalised(prefix, rest, sep):
    typed = prefix + sep.join([rest[:3], rest[3:6], rest[6:]])
    assert accepts(validators.validate_phone, typed)
    assert validators.normalise_phone(typed) == prefix + rest


@given(anything)
def test_person_names_never_contain_markup(value):
    if accepts(validators.validate_person_name, value):
        assert not set(value) & set('<>&"{}();=/')


@given(anything)
def test_plain_text_rejects_every_markup_character(value):
    assert accepts(validators.validate_plain_text, value) == (not set(value) & validators.FORBIDDEN_NAME_CHARS)


@given(st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)))
def test_birth_dates_in_the_future_are_refused(value):
    from django.utils import timezone

    today = timezone.localdate()
    ok = accepts(validators.validate_birth_date, value)
    if value > today or value.year < today.year - 130:
        assert not ok
    else:
        assert ok


@pytest.mark.parametrize("name", ["Nguyễn Văn An", "Đặng Thị Hồng-Nhung", "H'Hen Niê", "Lò Văn Páo"])
def test_real_vietnamese_names_are_accepted(name):
    assert accepts(validators.validate_person_name, name)
