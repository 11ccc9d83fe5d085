"""Input rules (no database): Property 1 (e-mail) and Property 3 (password strength)."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from app.accounts.validation import age_errors, email_errors, name_errors, phone_errors
from app.security.passwords import password_errors

SAFE_TLDS = st.sampled_from(["com", "org", "net", "io", "de", "education"])
LOCAL = st.text(
    string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-", min_size=1, max_size=30
)
# IDNA (RFC 5891 §4.2.3.1) forbids "--" in positions 3-4 of a label unless it is an A-label.
LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True).filter(
    lambda label: label[2:4] != "--"
)


@settings(max_examples=50)
@given(local=LOCAL, labels=st.lists(LABEL, min_size=1, max_size=3), tld=SAFE_TLDS)
def test_property_1_addresses_of_the_standard_shape_are_accepted(local, labels, tld):
    email = f"{local}@{'.'.join(labels)}.{tld}"
    assert email_errors(email) == []


@settings(max_examples=50)
@given(st.text(alphabet=string.printable, max_size=40).filter(lambda s: "@" not in s))
def test_property_1_strings_without_an_at_sign_are_rejected(text):
    assert [e.code for e in email_errors(text)] == ["INVALID_EMAIL"]


def test_property_1_malformed_addresses_are_rejected():
    for bad in [
        "a@",
        "@example.com",
        "a@@example.com",
        "a b@example.com",
        "a@example",
        "a@-x.com",
        "a@example..com",
        ".a@example.com",
        "a.@example.com",
    ]:
        assert [e.code for e in email_errors(bad)] == ["INVALID_EMAIL"], bad


def test_email_over_254_characters_is_too_long():
    assert [e.code for e in email_errors("a" * 64 + "@" + "b" * 190 + ".com")] == ["TOO_LONG"]


STRONG = st.builds(
    lambda upper, lower, digit, rest: upper + lower + digit + rest,
    st.sampled_from(string.ascii_uppercase),
    st.sampled_from(string.ascii_lowercase),
    st.sampled_from(string.digits),
    st.text(string.ascii_letters + string.digits + "!@#$%^&*", min_size=5, max_size=60),
)


@settings(max_examples=50)
@given(STRONG)
def test_property_3_passwords_with_eight_chars_upper_lower_and_digit_are_accepted(password):
    errors = password_errors(password)
    assert [e.code for e in errors if e.code != "COMMON_PASSWORD"] == []


@settings(max_examples=50)
@given(st.text(string.ascii_letters + string.digits, max_size=40))
def test_property_3_every_password_missing_a_rule_is_rejected(password):
    compliant = (
        len(password) >= 8
        and any(c.isupper() for c in password)
        and any(c.islower() for c in password)
        and any(c.isdigit() for c in password)
    )
    codes = {e.code for e in password_errors(password)}
    assert bool(codes - {"COMMON_PASSWORD"}) is not compliant


def test_common_passwords_are_rejected_case_insensitively():
    for password in ["Password1", "pASSWORD1", "Qwerty123"]:
        assert "COMMON_PASSWORD" in {e.code for e in password_errors(password)}


def test_a_password_equal_to_the_email_or_name_is_rejected():
    personal = ["ada.lovelace2@example.com", "Adalovelace1", "Lovelace"]
    assert "PASSWORD_PERSONAL" in {
        e.code for e in password_errors("Adalovelace1", personal=personal)
    }
    assert "PASSWORD_PERSONAL" in {
        e.code for e in password_errors("ADA.LOVELACE2@example.com", personal=personal)
    }


def test_passwords_over_128_characters_are_only_too_long():
    assert [e.code for e in password_errors("Aa1" + "x" * 200)] == ["TOO_LONG"]


def test_names_accept_letters_of_any_script_spaces_hyphens_and_apostrophes():
    for name in ["José", "O'Brien", "Jean-Luc", "Nguyễn Văn", "Zoë", "李", "Ørsted"]:
        assert name_errors(name, "first_name") == [], name


def test_names_reject_digits_symbols_blank_and_too_long():
    for name in ["R2D2", "<script>", "   ", "", "-", "a" * 51]:
        assert name_errors(name, "first_name"), name


def test_phone_numbers_must_be_international():
    assert phone_errors("+1 (415) 555-0100") == []
    for bad in ["4155550100", "+0123456789", "+1", "phone"]:
        assert phone_errors(bad), bad


def test_age_between_13_and_120():
    assert age_errors(13) == []
    assert age_errors(120) == []
    assert age_errors(12)
    assert age_errors(121)
