from core.collation import vietnamese_key, vietnamese_sort_key


def test_vietnamese_alphabetical_order():
    names = ["Yên Bái", "Ấn Độ", "Au Lạc", "Đà Nẵng", "Duy Tân", "Bắc Ninh", "Ủy ban", "Ân Thi", "Ăn uống", "Ơn"]
    assert sorted(names, key=vietnamese_key) == [
        "Au Lạc",
        "Ăn uống",
        "Ấn Độ",  # letters first: "ân đ…" before "ân t…", whatever the tones
        "Ân Thi",
        "Bắc Ninh",
        "Duy Tân",
        "Đà Nẵng",
        "Ơn",
        "Ủy ban",
        "Yên Bái",
    ]


def test_tones_only_break_ties_in_dictionary_order():
    assert sorted(["má", "mạ", "mà", "ma", "mã", "mả", "mai"], key=vietnamese_key) == [
        "ma",
        "mà",
        "mả",
        "mã",
        "má",
        "mạ",
        "mai",
    ]


def test_the_sort_key_string_sorts_as_the_key():
    names = [
        "Đo đạc",
        "Đăng ký khai sinh",
        "Dán tem",
        "Đăng ký",
        "Da",
        "da",
        "dà",
        "Ân Thi",
        "An",
        "Ăn uống",
        "Z",
        "1 thủ tục",
    ]
    assert sorted(names, key=vietnamese_sort_key) == sorted(names, key=vietnamese_key)
    assert sorted(["Đo đạc", "Đăng ký kết hôn", "Dán tem"], key=vietnamese_sort_key) == [
        "Dán tem",
        "Đăng ký kết hôn",
        "Đo đạc",
    ]
