"""Amounts in đồng as receipts write them: figures with dots (150.000) and words.

The words follow the form Vietnamese receipts, invoices and banks use ("Một nghìn không trăm linh
năm đồng"): every group of three digits after the first is read in full, with "không trăm" for a
missing hundred and "linh" for a missing ten. num2words (0.5.14, ``lang="vi"``) writes the
colloquial "một nghìn lẻ năm", and even "một nghìn lẻ mười" for 1010 and "hai triệu năm nghìn"
for 2.005.000, with no option to change it, so the reading is written here (forty lines, tested
table by table in core/tests/test_money.py).
"""

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
# The name of each group of three digits, from the right; past "tỷ" the names repeat before "tỷ".
SCALES = ("", "nghìn", "triệu", "tỷ", "nghìn tỷ", "triệu tỷ", "tỷ tỷ")


def vnd(amount: int) -> str:
    """150000 → "150.000 đ" (the thousands separator Vietnamese uses)."""
    return f"{int(amount):,} đ".replace(",", ".")


def _tens_and_units(tens: int, units: int) -> list[str]:
    """The last two digits of a group: "linh năm", "mười lăm", "hai mươi mốt", "ba mươi"."""
    if tens == 0:
        return ["linh", DIGITS[units]] if units else []
    words = ["mười"] if tens == 1 else [DIGITS[tens], "mươi"]
    if units == 1 and tens > 1:
        words.append("mốt")
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(DIGITS[units])
    return words


def _group(number: int, *, full: bool) -> list[str]:
    """Three digits. ``full`` (every group but the first): the hundreds are read even when zero."""
    hundreds, tens, units = number // 100, number // 10 % 10, number % 10
    if not full and hundreds == 0:
        if tens == 0:
            return [DIGITS[units]]
        return _tens_and_units(tens, units)
    return [DIGITS[hundreds], "trăm", *_tens_and_units(tens, units)]


def number_in_words(number: int) -> str:
    """1005 → "một nghìn không trăm linh năm"; 105000 → "một trăm linh năm nghìn"; 0 → "không"."""
    number = int(number)
    if number < 0:
        raise ValueError("A negative amount has no reading on a receipt.")
    if number == 0:
        return DIGITS[0]
    groups = []
    while number:
        number, group = divmod(number, 1000)
        groups.append(group)
    if len(groups) > len(SCALES):
        raise ValueError("Amount too large to read.")
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        if groups[index] == 0:
            continue  # a group of zeros is not read: 2.000.000 is "hai triệu"
        words += _group(groups[index], full=bool(words))
        if SCALES[index]:
            words.append(SCALES[index])
    return " ".join(words)


def vnd_in_words(amount: int) -> str:
    """150000 → "Một trăm năm mươi nghìn đồng" (as written on a biên lai)."""
    words = number_in_words(amount)
    return f"{words[:1].upper()}{words[1:]} đồng"
