from core.collation import vietnamese_key


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
