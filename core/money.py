"""Amounts in đồng as receipts write them: figures with dots (150.000) and words (num2words)."""

from num2words import num2words


def vnd(amount: int) -> str:
    """150000 → "150.000 đ" (the thousands separator Vietnamese uses)."""
    return f"{int(amount):,} đ".replace(",", ".")


def vnd_in_words(amount: int) -> str:
    """150000 → "Một trăm năm mươi nghìn đồng" (as written on a biên lai)."""
    words = num2words(int(amount), lang="vi")
    return f"{words[:1].upper()}{words[1:]} đồng"
