"""VietQR: the EMVCo merchant-presented QR payload that NAPAS specifies for bank transfers.

Every Vietnamese banking app reads it: the bank (its BIN), the account, the amount and the
transfer content arrive filled in, so the citizen only confirms. The payload is a list of
``ID LENGTH VALUE`` fields ending with a CRC-16/CCITT-FALSE over everything before it (EMVCo QRCPS
§4.7.3), which ``binascii.crc_hqx`` computes with the initial value 0xFFFF (standard library).

Written here rather than taken from PyPI: the packages that do it (vietqr-emvco, napas-qr-python,
vnqr, vietqr-generator) are one-author releases of a few months, while the format is forty lines.
"""

from __future__ import annotations

import binascii
import re

NAPAS_GUID = "A000000727"  # the VietQR application identifier
SERVICE_TO_ACCOUNT = "QRIBFTTA"  # transfer to an account number (QRIBFTTC: to a card)
CURRENCY_VND = "704"  # ISO 4217
COUNTRY_VN = "VN"
_PURPOSE_CHARS = re.compile(r"[^A-Za-z0-9 ]")


def _field(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"EMVCo field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF) as four upper-case hex digits."""
    return f"{binascii.crc_hqx(data.encode('utf-8'), 0xFFFF):04X}"


def payload(*, bank_bin: str, account: str, amount: int, purpose: str) -> str:
    """The QR text for a transfer of ``amount`` VND to ``account`` at the bank ``bank_bin``
    (the 6-digit BIN NAPAS gives each bank), with ``purpose`` as the transfer content."""
    if not re.fullmatch(r"\d{6}", bank_bin or ""):
        raise ValueError("A bank BIN has 6 digits")
    if not re.fullmatch(r"[0-9A-Za-z]{1,19}", account or ""):
        raise ValueError("An account number has 1 to 19 letters or digits")
    if amount <= 0:
        raise ValueError("The amount must be positive")
    beneficiary = _field("00", bank_bin) + _field("01", account)
    merchant = _field("00", NAPAS_GUID) + _field("01", beneficiary) + _field("02", SERVICE_TO_ACCOUNT)
    purpose = _PURPOSE_CHARS.sub("", purpose)[:25]
    body = (
        _field("00", "01")  # payload format indicator
        + _field("01", "12")  # dynamic QR: this amount, this transfer
        + _field("38", merchant)
        + _field("53", CURRENCY_VND)
        + _field("54", str(int(amount)))
        + _field("58", COUNTRY_VN)
        + _field("62", _field("08", purpose))
        + "6304"
    )
    return body + crc16(body)


def parse(text: str) -> dict[str, str]:
    """The top-level fields of a payload (``{"54": "150000", …}``), after checking its CRC."""
    if len(text) < 8 or text[-8:-4] != "6304" or crc16(text[:-4]) != text[-4:].upper():
        raise ValueError("Not a VietQR payload or its CRC does not match")
    fields: dict[str, str] = {}
    position = 0
    while position < len(text):
        tag, length = text[position : position + 2], int(text[position + 2 : position + 4])
        fields[tag] = text[position + 4 : position + 4 + length]
        position += 4 + length
    return fields
