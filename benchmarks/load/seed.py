"""Seeding the load benchmark's database: the catalogue, accounts and dossiers, and the plan.

10,000 procedures (the catalogue benchmark's generator), 4,300 accounts and 200,000 dossiers with
their history and ratings, bulk-loaded with COPY past the ORM (a benchmark tool: the portal never
writes this way), then the plan the load generator reads: codes to ask for, accounts to log in
with, procedures to send dossiers to. Seeding is kept between runs; it happens again only when
the database holds fewer dossiers than the target.
"""

from __future__ import annotations

import datetime
import random
import time

PROCEDURES = 10_000
DOSSIERS = 200_000
CITIZENS = 4_000
ORGANISATIONS = 300
PASSWORD = "Mat-khau-tai-thu-2026"  # noqa: S105 - the seeded test accounts' password
SEARCH_QUERIES = [
    "q=giay+khai+sinh",
    "q=gi%E1%BA%A5y+khai+sinh",  # giấy khai sinh
    "q=dang+ky+ket+hon",
    "q=%C4%91%C4%83ng+k%C3%BD+k%E1%BA%BFt+h%C3%B4n",  # đăng ký kết hôn
    "q=cap+ban+sao+bang+tot+nghiep",
    "q=C%E1%BA%A5p+b%E1%BA%A3n+sao+v%C4%83n+b%E1%BA%B1ng",  # Cấp bản sao văn bằng
    "q=giay+phep+lai+xe",
    "q=gi%E1%BA%A5y+ph%C3%A9p+l%C3%A1i+xe",  # giấy phép lái xe
    "q=ho+chieu",
    "q=h%E1%BB%99+chi%E1%BA%BFu",  # hộ chiếu
    "q=ly+lich+tu+phap",
    "q=l%C3%BD+l%E1%BB%8Bch+t%C6%B0+ph%C3%A1p",  # lý lịch tư pháp
    "q=chuyen+truong",
    "q=xay+dung",
    "q=dang+ki+khai+sin",  # a typo: the fuzzy pass
    "",
    "field=ho-tich",
    "q=dang+ky&field=ho-tich",
]
APPLICANT = {
    "applicant_name": "Nguyễn Văn Thử",
    "applicant_id_number": "001090000001",
    "applicant_date_of_birth": "01/02/1990",
    "applicant_gender": "male",
    "applicant_phone": "0912345678",
    "applicant_email": "thu.tai@example.vn",
    "applicant_province": "01",  # Thành phố Hà Nội
    "applicant_commune": "00070",  # Phường Hoàn Kiếm
    "applicant_street": "1 Tràng Tiền",
    "result_delivery": "counter",
}
# Status mix of the seeded dossiers and the history each status implies (action, from, to).
STATUS_WEIGHTS = {
    "draft": 6,
    "sent": 4,
    "received": 5,
    "in_progress": 14,
    "supplement_requested": 3,
    "finished": 58,
    "refused": 2,
    "rejected": 3,
    "withdrawn": 5,
}
CHAINS = {
    "draft": [],
    "sent": [("send", "draft", "sent")],
    "received": [("send", "draft", "sent"), ("receive", "sent", "received")],
    "in_progress": [("send", "draft", "sent"), ("receive", "sent", "received"), ("start", "received", "in_progress")],
    "supplement_requested": [
        ("send", "draft", "sent"),
        ("receive", "sent", "received"),
        ("start", "received", "in_progress"),
        ("request_supplement", "in_progress", "supplement_requested"),
    ],
    "finished": [
        ("send", "draft", "sent"),
        ("receive", "sent", "received"),
        ("start", "received", "in_progress"),
        ("finish", "in_progress", "finished"),
    ],
    "refused": [("send", "draft", "sent"), ("refuse", "sent", "refused")],
    "rejected": [
        ("send", "draft", "sent"),
        ("receive", "sent", "received"),
        ("start", "received", "in_progress"),
        ("reject", "in_progress", "rejected"),
    ],
    "withdrawn": [("send", "draft", "sent"), ("withdraw", "sent", "withdrawn")],
}
NOTES = {
    "receive": "Hồ sơ đã được tiếp nhận.",
    "request_supplement": "Đề nghị bổ sung bản sao giấy khai sinh có chứng thực.",
    "finish": "Đã có kết quả, mời ông/bà nhận kết quả theo hình thức đã chọn.",
    "refuse": "Hồ sơ không thuộc thẩm quyền giải quyết.",
    "reject": "Hồ sơ không đủ điều kiện theo quy định.",
}


def seed(log) -> dict:
    """10,000 procedures, 4,300 accounts and 200,000 dossiers (kept from an earlier run if there),
    no captcha or session left from one; returns the plan."""
    from captcha.models import CaptchaStore
    from django.contrib.sessions.models import Session
    from django.db import connection

    from benchmarks import catalogue
    from dossiers.models import Dossier

    catalogue.populate(PROCEDURES)  # migrates; skips the procedures already there
    if Dossier.objects.count() < DOSSIERS:
        seed_people_and_dossiers(log)
    CaptchaStore.objects.all().delete()
    Session.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would after a bulk load: fresh statistics
    return plan()


def seed_people_and_dossiers(log, *, dossiers=DOSSIERS, citizens=CITIZENS, organisations=ORGANISATIONS) -> None:
    """Replaces every dossier and seeded account: ``citizens`` people and ``organisations``
    companies sharing ``dossiers`` dossiers (a few owners many), each with the history its status
    implies."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from accounts.models import User
    from dossiers.constants import CODE_ALPHABET
    from dossiers.deadlines import timeliness_for
    from dossiers.models import Dossier, History, Rating
    from procedures.models import Procedure

    started = time.perf_counter()
    rng = random.Random(7)
    with transaction.atomic():
        Rating.objects.all().delete()
        History.objects.all().delete()
        Dossier.objects.all().delete()
        EmailAddress.objects.filter(email__endswith="@loadbench.vn").delete()
        User.objects.filter(email__endswith="@loadbench.vn").delete()
        password = make_password(PASSWORD)  # one PBKDF2 hash shared by every seeded account
        family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
        middle = ["Văn", "Thị", "Hữu", "Minh", "Thanh", "Quốc", "Ngọc", "Đức"]
        given = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Lan", "Long", "Mai", "Nam", "Phương", "Tâm"]
        users = []
        for n in range(citizens + organisations):
            organisation = n >= citizens
            users.append(
                User(
                    email=f"nguoi.dung{n:05d}@loadbench.vn",
                    password=password,
                    account_type="organisation" if organisation else "personal",
                    full_name="" if organisation else f"{rng.choice(family)} {rng.choice(middle)} {rng.choice(given)}",
                    date_of_birth=None if organisation else datetime.date(1960 + n % 45, 1 + n % 12, 1 + n % 28),
                    gender="" if organisation else rng.choice(["male", "female"]),
                    citizen_id="" if organisation else f"0010{n:08d}",
                    organisation_name=f"Công ty TNHH Thử Tải {n}" if organisation else "",
                    tax_code=f"01{n:08d}" if organisation else "",
                    legal_representative="Trần Thị Bình" if organisation else "",
                    phone="0912345678",
                    address="Số 1 Tràng Tiền, Phường Hoàn Kiếm, Thành phố Hà Nội",
                    address_province="01",
                    address_commune="00070",
                    address_street="Số 1 Tràng Tiền",
                )
            )
        users = User.objects.bulk_create(users, batch_size=2000)
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in users], batch_size=2000
        )
        procedures = list(Procedure.objects.values_list("pk", "agency_id", "agency__code", "processing_days"))
        # A few popular procedures take most dossiers, as in life.
        popular = rng.sample(procedures, min(300, len(procedures)))
        # Owners: most people have a few dossiers, some (services, companies) many.
        owner_weights = [rng.paretovariate(1.3) for _ in users]
        owners = rng.choices(users, weights=owner_weights, k=dossiers)
        statuses = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()), k=dossiers)
        now = timezone.now()
        first_id = (Dossier.objects.aggregate(last=Max("id"))["last"] or 0) + 1
        dossier_columns = (
            "id, code, owner_id, procedure_id, agency_id, status, applicant_type, applicant_name, "
            "applicant_id_number, applicant_date_of_birth, applicant_gender, applicant_representative, "
            "applicant_phone, applicant_email, applicant_address, form_data, result_delivery, result_address, "
            "current_step, steps_done, typed_input, supplement_request, supplement_requested_at, supplement_due, "
            "supplement_documents, supplement_fields, "
            "processing_days, created_at, updated_at, sent_at, received_at, due_date, finished_at, timeliness, "
            "apology_count, postal_tracking_number, reception_late, "
            "applicant_province, applicant_commune, applicant_street, applicant_address_legacy, "
            "result_province, result_commune, result_street, result_address_legacy"
        )
        history_columns = "dossier_id, actor_id, action, from_status, to_status, created_at, note, internal_note"
        codes: set[str] = set()
        ratings = []
        raw = connection.connection  # psycopg 3: COPY, the fastest bulk path
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY dossiers_dossier ({dossier_columns}) FROM STDIN") as dossier_copy:
                history_rows = []
                for index in range(dossiers):
                    pk = first_id + index
                    owner = owners[index]
                    status = statuses[index]
                    procedure_id, agency_id, agency_code, days = (
                        rng.choice(popular) if rng.random() < 0.6 else rng.choice(procedures)
                    )
                    created = now - datetime.timedelta(days=rng.uniform(0, 730) ** 1.0, minutes=rng.randint(0, 600))
                    while True:
                        code = (
                            f"{agency_code}-{timezone.localtime(created):%y%m%d}-"
                            + "".join(rng.choice(CODE_ALPHABET) for _ in range(6))
                        )[:60]
                        if code not in codes:
                            codes.add(code)
                            break
                    organisation = owner.account_type == "organisation"
                    chain = CHAINS[status]
                    moment = created + datetime.timedelta(minutes=rng.randint(5, 240))
                    times = {}
                    for action, source, target in chain:
                        times[action] = moment
                        history_rows.append((pk, owner.pk, action, source, target, moment, NOTES.get(action, ""), ""))
                        moment += datetime.timedelta(hours=rng.randint(2, 24 * max(1, (days or 5) // 2)))
                    sent_at = times.get("send")
                    received_at = times.get("receive")
                    due = (
                        (received_at + datetime.timedelta(days=round((days or 5) * 1.4))).date()
                        if received_at
                        else None
                    )
                    finished_at = times.get("finish") or times.get("reject")
                    # Decided dossiers record how they kept their due date (the statistics read it).
                    timeliness = timeliness_for(timezone.localtime(finished_at).date(), due) if finished_at else ""
                    dossier_copy.write_row(
                        (
                            pk,
                            code,
                            owner.pk,
                            procedure_id,
                            agency_id,
                            status,
                            owner.account_type,
                            owner.organisation_name if organisation else owner.full_name,
                            owner.tax_code if organisation else owner.citizen_id,
                            owner.date_of_birth,
                            owner.gender,
                            owner.legal_representative,
                            owner.phone,
                            owner.email,
                            owner.address,
                            "{}",
                            "counter",
                            "",
                            "review" if status != "draft" else rng.choice(["applicant", "attachments"]),
                            '["applicant", "attachments"]' if status != "draft" else "[]",
                            "{}",
                            NOTES["request_supplement"] if status == "supplement_requested" else "",
                            times.get("request_supplement"),
                            (times["request_supplement"] + datetime.timedelta(days=15)).date()
                            if "request_supplement" in times
                            else None,
                            "{}",
                            "[]",
                            days,
                            created,
                            max([created, *times.values()]),
                            sent_at,
                            received_at,
                            due,
                            finished_at,
                            timeliness,
                            0,
                            "",
                            False,
                            owner.address_province,
                            owner.address_commune,
                            owner.address_street,
                            "",
                            "",
                            "",
                            "",
                            "",
                        )
                    )
                    if status == "finished" and rng.random() < 0.3:
                        ratings.append((pk, rng.choices([5, 4, 3, 2, 1], weights=[50, 30, 10, 5, 5])[0], finished_at))
            with cursor.copy(f"COPY dossiers_history ({history_columns}) FROM STDIN") as history_copy:
                for row in history_rows:
                    history_copy.write_row(row)
            with cursor.copy("COPY dossiers_rating (dossier_id, score, comment, created_at) FROM STDIN") as rating_copy:
                for pk, score, at in ratings:
                    rating_copy.write_row((pk, score, "", at))
            for statement in connection.ops.sequence_reset_sql(no_style(), [Dossier]):  # ids were given
                cursor.execute(statement)
    print(
        f"Seeded {len(users)} accounts, {dossiers} dossiers, {len(history_rows)} history rows, {len(ratings)} ratings "
        f"in {time.perf_counter() - started:.0f} s",
        file=log,
        flush=True,
    )


def plan() -> dict:
    """What the load generator needs: codes to ask for, accounts to log in with, where to send."""
    from django.db.models import Count, Q

    from accounts.models import User
    from dossiers.models import Dossier
    from procedures.models import Procedure

    rng = random.Random(11)
    procedure_codes = list(Procedure.objects.filter(is_published=True).values_list("code", flat=True))
    lookup_codes = list(Dossier.objects.exclude(status="draft").order_by("?").values_list("code", flat=True)[:5000])
    # Logged-in users: ordinary citizens with between 10 and 60 dossiers (two or three pages).
    owners = list(
        User.objects.filter(email__endswith="@loadbench.vn", account_type="personal")
        .annotate(n=Count("dossiers"), sent=Count("dossiers", filter=~Q(dossiers__status="draft")))
        .filter(n__gte=10, n__lte=60, sent__gte=3)
        .order_by("email")
        .values_list("pk", "email")[:64]
    )
    accounts = []
    for pk, email in owners:
        codes = list(Dossier.objects.filter(owner_id=pk).exclude(status="draft").values_list("code", flat=True)[:20])
        accounts.append({"email": email, "codes": codes})
    # Where the mixed profile sends dossiers: published procedures without a declaration form and at
    # most two required documents (the two 1 MB files fill them).
    candidates = (
        Procedure.objects.filter(is_published=True, agency__is_active=True, form_fields__isnull=True)
        .annotate(required=Count("documents", filter=Q(documents__is_required=True)), docs=Count("documents"))
        .filter(required__lte=2, docs__gte=1)
        .prefetch_related("documents")[:400]
    )
    send_procedures = []
    for procedure in candidates:
        documents = sorted(procedure.documents.all(), key=lambda d: (not d.is_required, d.order, d.pk))
        send_procedures.append({"code": procedure.code, "slots": [f"slot-{d.pk}" for d in documents[:2]]})
    rng.shuffle(send_procedures)
    return {
        "procedure_codes": procedure_codes,
        "lookup_codes": lookup_codes,
        "accounts": accounts,
        "password": PASSWORD,
        "search_queries": SEARCH_QUERIES,
        "send_procedures": send_procedures[:100],
        "applicant": APPLICANT,
    }
