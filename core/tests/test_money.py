"""Amounts in words as receipts and banks write them (core.money)."""

import pytest

from core.money import number_in_words, vnd, vnd_in_words

READINGS = [
    (0, "không"),
    (5, "năm"),
    (10, "mười"),
    (14, "mười bốn"),
    (15, "mười lăm"),
    (21, "hai mươi mốt"),
    (24, "hai mươi bốn"),
    (25, "hai mươi lăm"),
    (30, "ba mươi"),
    (105, "một trăm linh năm"),
    (110, "một trăm mười"),
    (111, "một trăm mười một"),
    (1000, "một nghìn"),
    (1005, "một nghìn không trăm linh năm"),
    (1010, "một nghìn không trăm mười"),
    (1100, "một nghìn một trăm"),
    (2000, "hai nghìn"),
    (15000, "mười lăm nghìn"),
    (21000, "hai mươi mốt nghìn"),
    (105000, "một trăm linh năm nghìn"),
    (135000, "một trăm ba mươi lăm nghìn"),
    (150000, "một trăm năm mươi nghìn"),
    (1000000, "một triệu"),
    (1000005, "một triệu không trăm linh năm"),
    (1250000, "một triệu hai trăm năm mươi nghìn"),
    (2000000, "hai triệu"),
    (2005000, "hai triệu không trăm linh năm nghìn"),
    (10050000, "mười triệu không trăm năm mươi nghìn"),
    (1000000000, "một tỷ"),
    (1000000000000, "một nghìn tỷ"),
    (2500000000, "hai tỷ năm trăm triệu"),
]


@pytest.mark.parametrize(("amount", "words"), READINGS)
def test_amounts_are_read_as_receipts_write_them(amount, words):
    assert number_in_words(amount) == words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (1005, "Một nghìn không trăm linh năm đồng"),
        (150000, "Một trăm năm mươi nghìn đồng"),
        (1250000, "Một triệu hai trăm năm mươi nghìn đồng"),
    ],
)
def test_the_receipt_capitalises_and_ends_with_dong(amount, words):
    assert vnd_in_words(amount) == words


def test_figures_use_dots():
    assert vnd(1250000) == "1.250.000 đ"


def test_a_negative_amount_has_no_reading():
    with pytest.raises(ValueError):
        number_in_words(-1)
