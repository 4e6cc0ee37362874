"""Vietnam's administrative units as they are since 1 July 2025: two tiers, 34 provinces and
centrally run cities, and their 3,321 communes, wards and special zones (xã, phường, đặc khu).
There is no district any more.

The lists, their official codes (the General Statistics Office's, e.g. "01" Hà Nội, "00070"
Phường Hoàn Kiếm) and the conversion of an address written in the old three tiers (ward, district,
province) come from the ``vietnamadminunits`` package: static data, read once per process and kept
in memory (never in the database, never in the cache server), so a page that shows the lists
costs no query.

The conversion never asks the package to geocode: when an old ward was divided between several new
communes the package would look the street up on a web service to pick one; we convert the ward,
district and province alone (the package then takes the new commune that received most of the old
ward) and keep the street line as it was written.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from core.collation import vietnamese_key


@dataclass(frozen=True)
class Province:
    code: str
    name: str  # "Thành phố Hà Nội", "Tỉnh Cao Bằng"
    short_name: str  # "Hà Nội"


@dataclass(frozen=True)
class Commune:
    code: str
    name: str  # "Phường Hoàn Kiếm", "Xã Hát Môn", "Đặc khu Côn Đảo"
    short_name: str
    province_code: str


@cache
def _units() -> tuple[dict[str, Province], dict[str, Commune]]:
    from vietnamadminunits.database import get_data

    rows = get_data(fields=["provinceCode", "province", "provinceShort", "wardCode", "ward", "wardShort"])
    provinces: dict[str, Province] = {}
    communes: dict[str, Commune] = {}
    for row in rows:
        code = row["provinceCode"]
        provinces.setdefault(code, Province(code=code, name=row["province"], short_name=row["provinceShort"]))
        communes[row["wardCode"]] = Commune(
            code=row["wardCode"], name=row["ward"], short_name=row["wardShort"], province_code=code
        )
    return provinces, communes


@cache
def provinces() -> list[Province]:
    """The 34 provinces and cities in Vietnamese alphabetical order of their own names, without
    "Tỉnh"/"Thành phố" (Cà Mau before Cần Thơ, Đà Nẵng after Đắk Lắk's D's), as a citizen looks
    them up."""
    return sorted(_units()[0].values(), key=lambda p: vietnamese_key(p.short_name))


@cache
def _communes_by_province() -> dict[str, list[Commune]]:
    found: dict[str, list[Commune]] = {}
    for unit in _units()[1].values():
        found.setdefault(unit.province_code, []).append(unit)
    return {
        code: sorted(units, key=lambda c: (vietnamese_key(c.short_name), vietnamese_key(c.name)))
        for code, units in found.items()
    }


def communes_of(province_code: str) -> list[Commune]:
    """The communes, wards and special zones of one province, in alphabetical order of their names
    without the "Xã"/"Phường" prefix (so Phường Ba Đình sits beside Xã Ba Vì). Empty for an
    unknown code."""
    return _communes_by_province().get(province_code or "", [])


def province(code: str | None) -> Province | None:
    return _units()[0].get(code or "")


def commune(code: str | None) -> Commune | None:
    return _units()[1].get(code or "")


def format_address(*, street: str, commune_code: str, province_code: str) -> str:
    """The full address in Vietnamese, as an envelope has it: "12 Hàng Bạc, Phường Hoàn Kiếm,
    Thành phố Hà Nội". Unknown codes are left out rather than shown as numbers."""
    found_commune = commune(commune_code)
    found_province = province(province_code)
    parts = [street.strip(), found_commune.name if found_commune else "", found_province.name if found_province else ""]
    return ", ".join(part for part in parts if part)


@dataclass(frozen=True)
class Conversion:
    """An address of the old three tiers, converted: the new province and commune (codes), the
    street line as written, and the full address in the new form."""

    province_code: str
    commune_code: str
    street: str

    @property
    def address(self) -> str:
        return format_address(street=self.street, commune_code=self.commune_code, province_code=self.province_code)


def _as_written(text: str, street: str | None) -> str:
    """The street line as it was written. The package gives it normalised ("Số 5 Ngõ 10",
    "44 - 46 Trần Phú") and sometimes short of a street that shares an old ward's name ("16" of
    "16 Cát Linh"): when the address is written in comma-separated parts, take as many leading
    parts of the text as the package's street has."""
    street = (street or "").strip()
    if not street:
        return ""
    parts = [part.strip() for part in text.split(",")]
    count = street.count(",") + 1
    if len(parts) > count:
        return ", ".join(parts[:count])
    return street


# "Quận 3", "huyện Phúc Thọ", "thị xã Sơn Tây", "Q.1", "Q1", "H. Ba Vì", "TX. Sơn Tây" (without accents).
_DISTRICT = re.compile(r"\b(quan|huyen|thi xa)\b|\b(q|h|tx)\s*\.|\bq\s*\d")
# "Phường Hàng Bạc", "xã Tam Hiệp", "thị trấn Phúc Thọ", "P. Bến Nghé" left in a street line.
_WARD = re.compile(r"\b(phuong|xa|thi tran)\s|\bp\s*\.")


def _plain(text: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFD", text.casefold()) if not unicodedata.combining(c))
    return plain.replace("đ", "d")


def _names_a_district(text: str) -> bool:
    return bool(_DISTRICT.search(_plain(text)))


@lru_cache(maxsize=4096)  # bounded: the texts are the citizens' own
def structure(text: str) -> Conversion | None:
    """Read a free-text address into the new units: one written before 1 July 2025 ("12 Hàng Bạc,
    Phường Hàng Bạc, Quận Hoàn Kiếm, Hà Nội") is converted; one already in the two tiers ("12 Hàng
    Bạc, Phường Hoàn Kiếm, Hà Nội") is only read. None when no province and commune can be found in
    it (the caller keeps the text as it is and reports it). Cached per text: the command and
    imports meet the same addresses many times.

    Which reading comes first: an address that names a district is of the old form; one that does
    not is read in the new form first, as an old ward's name in a street ("Số 1 Tràng Tiền,
    Phường Hoàn Kiếm") would otherwise be taken for the old ward and "Hoàn Kiếm" for its district."""
    text = " ".join((text or "").split())
    if not text:
        return None
    if _names_a_district(text):
        return _read_old(text) or _read_new(text)
    found = _read_new(text)
    if found is None or _WARD.search(_plain(found.street)):
        # Nothing in the new form, or a ward left in the street ("12 Hàng Bạc, Phường Hàng Bạc,
        # Hoàn Kiếm, Hà Nội": an old address without the word "quận").
        return _read_old(text) or found
    return found


def _found(text: str, unit, street: str | None) -> Conversion | None:
    if not (unit.province_code and unit.ward_code) or commune(unit.ward_code) is None:
        return None
    return Conversion(province_code=unit.province_code, commune_code=unit.ward_code, street=_as_written(text, street))


def _read_old(text: str) -> Conversion | None:
    from vietnamadminunits import ParseMode, convert_address, parse_address

    old = parse_address(text, mode=ParseMode.LEGACY, keep_street=True, level=3)
    if not (old.province and old.district and old.ward):
        return None
    # Without the street: the package geocodes a street on a web service (see the module's doc).
    return _found(text, convert_address(", ".join((old.ward, old.district, old.province))), old.street)


def _read_new(text: str) -> Conversion | None:
    from vietnamadminunits import ParseMode, parse_address

    new = parse_address(text, mode=ParseMode.FROM_2025, keep_street=True, level=2)
    return _found(text, new, new.street)
