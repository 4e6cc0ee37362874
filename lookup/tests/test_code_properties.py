"""Property-based tests on the dossier code parser of the public lookup."""

import string

from hypothesis import given
from hypothesis import strategies as st

from dossiers.constants import CODE_ALPHABET
from lookup.forms import MAX_CODE_LENGTH, LookupForm, normalise_code

agency = st.text(alphabet=string.ascii_uppercase + string.digits + "-", min_size=1, max_size=30).filter(
    lambda s: s[0] != "-"
)
codes = st.builds(
    lambda a, d, r: f"{a}-{d}-{r}",
    agency,
    st.text(alphabet=string.digits, min_size=6, max_size=6),
    st.text(alphabet=CODE_ALPHABET, min_size=6, max_size=6),
)


def clean(value: str):
    form = LookupForm(data={"code": value})
    del form.fields["captcha"]  # the captcha is tested elsewhere; this is about the code alone
    form.is_valid()
    return form.cleaned_data.get("code"), form.errors.get("code")


@given(codes, st.text(alphabet=" \t", max_size=3), st.text(alphabet=" \t", max_size=3), st.booleans())
def test_real_codes_survive_case_and_spaces(code, before, after, lower):
    typed = before + (code.lower() if lower else code) + after
    cleaned, errors = clean(typed)
    assert errors is None
    assert cleaned == code


@given(st.text(max_size=300))
def test_parser_never_crashes_and_only_lets_codes_through(value):
    cleaned, errors = clean(value)
    if errors is None:
        assert cleaned == normalise_code(value)
        assert 0 < len(cleaned) <= MAX_CODE_LENGTH
        assert all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in cleaned)
        assert cleaned == cleaned.upper()


@given(codes)
def test_fullwidth_lookalikes_normalise_to_the_code(code):
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in code)
    assert normalise_code(fullwidth) == code
