"""Addresses in the two tiers in force since 1 July 2025: province and commune from the lists of
``core.admin_units`` (official codes) plus a street line, on the profile page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import admin_units
from core.collation import vietnamese_key

from .factories import UserFactory

pytestmark = pytest.mark.django_db

PROFILE = reverse("accounts:profile")
COMMUNES = reverse("accounts:communes")
HA_NOI, HOAN_KIEM, CAU_GIAY = "01", "00070", "00166"
HO_CHI_MINH, SAI_GON = "79", "26740"


def profile_post(**overrides):
    data = {
        "full_name": "Lê Thị Cúc",
        "date_of_birth": "17/05/1990",
        "gender": "female",
        "citizen_id": "001190012345",
        "phone": "0912345678",
        "address_province": HA_NOI,
        "address_commune": HOAN_KIEM,
        "address_street": "Số 12 Hàng Bạc",
        "language": "vi",
    }
    data.update(overrides)
    return data


def test_the_lists_are_the_two_tiers_since_july_2025():
    provinces = admin_units.provinces()
    assert len(provinces) == 34
    assert [p.short_name for p in provinces] == sorted((p.short_name for p in provinces), key=vietnamese_key)
    assert sum(len(admin_units.communes_of(p.code)) for p in provinces) == 3321
    assert admin_units.province(HA_NOI).name == "Thành phố Hà Nội"
    assert admin_units.commune(HOAN_KIEM).name == "Phường Hoàn Kiếm"
    assert admin_units.communes_of("99") == []


def test_the_profile_lists_the_provinces_and_the_communes_of_the_stored_one(client):
    client.force_login(UserFactory())  # Phường Hoàn Kiếm, Hà Nội
    html = client.get(PROFILE).content.decode()
    assert '<option value="01" selected>Thành phố Hà Nội</option>' in html
    assert '<option value="00070" selected>Phường Hoàn Kiếm</option>' in html
    assert "Phường Sài Gòn" not in html  # another province's ward
    assert 'value="Số 1 Tràng Tiền"' in html
    assert "Địa chỉ: tỉnh, thành phố" in html and "Địa chỉ: xã, phường, đặc khu" in html


def test_saving_stores_the_codes_and_shows_the_full_address_in_vietnamese(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(PROFILE, profile_post(address_street="  Số 12   Hàng Bạc "))
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.address_province, user.address_commune, user.address_street) == (HA_NOI, HOAN_KIEM, "Số 12 Hàng Bạc")
    assert user.address == "Số 12 Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội"


def test_a_commune_of_another_province_is_refused_beside_the_field_and_the_input_kept(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(PROFILE, profile_post(address_province=HO_CHI_MINH, address_commune=HOAN_KIEM))
    assert response.status_code == 200
    html = response.content.decode()
    assert "“Phường Hoàn Kiếm” không thuộc Thành phố Hồ Chí Minh. Chọn một xã, phường của Thành phố Hồ Chí Minh" in html
    assert 'id="id_address_commune_error"' in html  # beside the field, and in the summary
    assert '<option value="79" selected>Thành phố Hồ Chí Minh</option>' in html
    assert "Phường Sài Gòn" in html  # the list is now the chosen province's
    assert 'value="Số 12 Hàng Bạc"' in html and 'value="Lê Thị Cúc"' in html
    user.refresh_from_db()
    assert user.address_commune == HOAN_KIEM and user.address_province == HA_NOI


def test_an_unknown_code_is_refused_with_a_message_that_says_what_to_do(client):
    client.force_login(UserFactory())
    html = client.post(PROFILE, profile_post(address_province="00", address_commune="12345")).content.decode()
    assert "Chọn tỉnh, thành phố trong danh sách." in html
    assert "Chọn xã, phường hoặc đặc khu trong danh sách." in html


def test_without_javascript_a_new_province_lists_its_communes_after_one_round_trip(client):
    """No script: the citizen changes the province and saves; the answer says to choose the
    commune, with the new province's list; the second save stores it."""
    user = UserFactory(address="", address_province="", address_commune="", address_street="")
    client.force_login(user)
    html = client.get(PROFILE).content.decode()
    assert "— Chọn tỉnh, thành phố trước —" in html and "Phường Sài Gòn" not in html
    first = client.post(PROFILE, profile_post(address_province=HO_CHI_MINH, address_commune=""))
    html = first.content.decode()
    assert first.status_code == 200
    assert "Phường Sài Gòn" in html and "— Chọn xã, phường, đặc khu —" in html
    assert "Địa chỉ: xã, phường, đặc khu" in html  # the required message names the field
    second = client.post(PROFILE, profile_post(address_province=HO_CHI_MINH, address_commune=SAI_GON))
    assert second.status_code == 302
    user.refresh_from_db()
    assert user.address == "Số 12 Hàng Bạc, Phường Sài Gòn, Thành phố Hồ Chí Minh"


def test_an_old_three_tier_address_is_offered_converted_on_the_profile(client):
    user = UserFactory(
        address="Số 5 ngõ 10, phường Dịch Vọng, quận Cầu Giấy, Hà Nội",
        address_province="",
        address_commune="",
        address_street="",
    )
    client.force_login(user)
    html = client.get(PROFILE).content.decode()
    assert '<option value="01" selected>' in html
    assert f'<option value="{CAU_GIAY}" selected>Phường Cầu Giấy</option>' in html
    assert 'value="Số 5 ngõ 10"' in html


def test_an_address_the_package_cannot_read_stays_in_the_street_line(client):
    user = UserFactory(address="Nhà bà Tư, gần chợ", address_province="", address_commune="", address_street="")
    client.force_login(user)
    html = client.get(PROFILE).content.decode()
    assert 'value="Nhà bà Tư, gần chợ"' in html


def test_the_commune_list_for_the_script_costs_no_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(COMMUNES, {"province": HA_NOI})
    communes = response.json()["communes"]
    assert {"code": HOAN_KIEM, "name": "Phường Hoàn Kiếm"} in communes
    assert len(communes) == len(admin_units.communes_of(HA_NOI))
    assert "public" in response["Cache-Control"]
    assert client.get(COMMUNES, {"province": "xx"}).json() == {"communes": []}


def test_the_profile_page_costs_the_same_queries_whatever_the_province(client):
    counts = []
    for province, commune in ((HA_NOI, HOAN_KIEM), (HO_CHI_MINH, SAI_GON), ("", "")):
        client.force_login(UserFactory(address_province=province, address_commune=commune))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PROFILE).status_code == 200
        counts.append(len(queries))
    assert len(set(counts)) == 1, counts


@pytest.mark.parametrize(
    ("old", "new", "codes"),
    [
        (
            "12 Hàng Bạc, Phường Hàng Bạc, Quận Hoàn Kiếm, Hà Nội",
            "12 Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội",
            (HA_NOI, HOAN_KIEM),
        ),
        (
            "10 Lê Lợi, Phường Bến Nghé, Quận 1, TP Hồ Chí Minh",
            "10 Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh",
            (HO_CHI_MINH, SAI_GON),
        ),
        (
            "44-46 Trần Phú, phường Điện Biên, quận Ba Đình, Hà Nội",
            "44-46 Trần Phú, Phường Ba Đình, Thành phố Hà Nội",
            (HA_NOI, "00004"),
        ),
        # Old, without the word "quận": the ward left in the street tells.
        (
            "12 Hàng Bạc, Phường Hàng Bạc, Hoàn Kiếm, Hà Nội",
            "12 Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội",
            (HA_NOI, HOAN_KIEM),
        ),
        ("25 Nguyễn Huệ, P. Bến Nghé, Q.1, TP.HCM", "25 Nguyễn Huệ, Phường Sài Gòn, Thành phố Hồ Chí Minh", None),
        # Already in the two tiers: only read (Tràng Tiền is an old ward's name, here a street's).
        ("Số 1 Tràng Tiền, Phường Hoàn Kiếm, Hà Nội", "Số 1 Tràng Tiền, Phường Hoàn Kiếm, Thành phố Hà Nội", None),
    ],
)
def test_old_addresses_are_converted_to_the_new_units(old, new, codes):
    found = admin_units.structure(old)
    assert found is not None and found.address == new
    if codes:
        assert (found.province_code, found.commune_code) == codes


@pytest.mark.parametrize("text", ["", "Hà Nội", "10 Lê Lợi, Quận 1, TP Hồ Chí Minh", "không rõ"])
def test_an_address_without_a_commune_is_not_converted(text):
    assert admin_units.structure(text) is None
