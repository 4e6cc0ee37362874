import datetime
import re

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from dossiers.tests.factories import DossierFactory

pytestmark = pytest.mark.django_db

URL = reverse("lookup:lookup")


def look_up(client, code, captcha_ok, **extra):
    return client.post(URL, {"code": code, **captcha_ok}, **extra)


@pytest.fixture
def sent_dossier():
    owner = UserFactory(full_name="Nguyễn Văn An", citizen_id="001090000123", phone="0988777666")
    return DossierFactory(owner=owner, received=True, code="SGDDT-HN-261120-AB3CDE")


def test_lookup_page_has_code_and_captcha(client):
    html = client.get(URL).content.decode()
    assert 'name="code"' in html and 'name="captcha_1"' in html
    assert "Tra cứu hồ sơ" in html


def test_qr_link_prefills_the_code_and_still_asks_the_captcha(client):
    html = client.get(URL + "?code=%20sgddt-hn-261120-ab3cde%20").content.decode()
    assert 'value="SGDDT-HN-261120-AB3CDE"' in html
    assert 'name="captcha_1"' in html


def test_lookup_ignores_case_and_spaces_and_shows_no_personal_data(client, captcha_ok, sent_dossier):
    response = look_up(client, "  sgddt-hn-261120-ab3cde  ", captcha_ok)
    assert response.status_code == 200
    html = response.content.decode()
    assert sent_dossier.procedure.name in html
    assert sent_dossier.agency.name in html
    assert "Đã tiếp nhận" in html or "Received" not in html
    assert "Nguyễn V. A." in html
    assert "Nguyễn Văn An" not in html
    for private in ("001090000123", "0988777666", sent_dossier.owner.email, sent_dossier.applicant_address):
        assert private not in html
    assert sent_dossier.due_date.strftime("%d/%m/%Y") in html


@pytest.mark.parametrize("page", [URL, reverse("home")])
def test_the_lookup_box_works_with_csrf_enforced(captcha_ok, sent_dossier, page):
    """Regression: the box was included with `only`, which dropped `csrf_token` from its context,
    so every real browser got "403 CSRF token missing" (the test client skips the check)."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    html = browser.get(page).content.decode()
    form = html[html.index('class="lookup-form"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form[: form.index("</form>")])
    assert token, "the lookup form has no CSRF token"
    response = browser.post(URL, {"code": sent_dossier.code, "csrfmiddlewaretoken": token.group(1), **captcha_ok})
    assert response.status_code == 200
    assert sent_dossier.procedure.name in response.content.decode()


def test_lookup_with_fullwidth_lookalikes(client, captcha_ok, sent_dossier):
    html = look_up(client, "ＳＧＤＤＴ-ＨＮ-261120-ＡＢ3ＣＤＥ", captcha_ok).content.decode()
    assert sent_dossier.procedure.name in html


def test_organisation_name_is_shown(client, captcha_ok):
    dossier = DossierFactory(owner=UserFactory(organisation=True, organisation_name="Công ty Sao Mai"), sent=True)
    html = look_up(client, dossier.code, captcha_ok).content.decode()
    assert "Công ty Sao Mai" in html


def test_drafts_are_unknown_like_codes_that_do_not_exist(client, captcha_ok):
    draft = DossierFactory()
    draft_html = look_up(client, draft.code, captcha_ok).content.decode()
    missing_html = look_up(client, "KHONG-CO-261120-ZZZZZZ", captcha_ok).content.decode()
    for html in (draft_html, missing_html):
        assert "Không có hồ sơ nào có mã này" in html
        assert draft.procedure.name not in html


def test_wrong_captcha_gives_a_clear_message_and_keeps_the_code(client, sent_dossier):
    html = client.post(URL, {"code": sent_dossier.code, "captcha_0": "x", "captcha_1": "WRONG"}).content.decode()
    assert "Mã xác nhận không đúng" in html
    assert f'value="{sent_dossier.code}"' in html
    assert sent_dossier.procedure.name not in html


@pytest.mark.parametrize(
    "code",
    ["A" * 1000, "' OR 1=1 --", "<script>alert(1)</script>", "SGDDT HN 261120", "mã-hồ-sơ", "\x00abc"],
)
def test_bad_codes_get_a_message_never_a_500_nor_raw_html(client, captcha_ok, code):
    response = look_up(client, code, captcha_ok)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "error-summary" in html


@override_settings(LOOKUP_RATE_LIMIT=10)
def test_eleventh_quick_lookup_is_limited(client, captcha_ok, sent_dossier):
    statuses = [look_up(client, sent_dossier.code, captcha_ok).status_code for _ in range(10)]
    assert statuses == [200] * 10
    response = look_up(client, sent_dossier.code, captcha_ok)
    assert response.status_code == 429
    html = response.content.decode()
    assert "tra cứu quá nhiều lần" in html
    assert sent_dossier.procedure.name not in html
    # Another address is not affected.
    assert look_up(client, sent_dossier.code, captcha_ok, REMOTE_ADDR="192.0.2.7").status_code == 200


def test_finished_on_time_and_overdue(client, captcha_ok):
    today = timezone.localdate()
    finished = DossierFactory(finished=True, due_date=today + datetime.timedelta(days=2), timeliness="early")
    late = DossierFactory(finished=True, due_date=today - datetime.timedelta(days=2), timeliness="late")
    supplement = DossierFactory(supplement_requested=True, due_date=today - datetime.timedelta(days=1))
    overdue = DossierFactory(in_progress=True, due_date=today - datetime.timedelta(days=1))
    assert "Đã giải quyết đúng hạn" in look_up(client, finished.code, captcha_ok).content.decode()
    assert "Quá hạn" in look_up(client, overdue.code, captcha_ok).content.decode()
    assert "Đã giải quyết trễ hạn" in look_up(client, late.code, captcha_ok).content.decode()
    # The clock stops while the citizen is asked for a supplement: not overdue.
    assert "Quá hạn" not in look_up(client, supplement.code, captcha_ok).content.decode()


def test_apology_shows_in_history_and_timeliness(client, captcha_ok):
    from dossiers.models import History

    dossier = DossierFactory(in_progress=True, apology_count=1)
    History.objects.create(
        dossier=dossier,
        action="apologise",
        from_status="in_progress",
        to_status="in_progress",
        note="Hẹn lại ngày trả kết quả là thứ Hai tuần sau.",
    )
    html = look_up(client, dossier.code, captcha_ok).content.decode()
    assert "Hẹn lại ngày trả kết quả là thứ Hai tuần sau." in html
    assert "phiếu xin lỗi và hẹn lại ngày trả kết quả" in html


def test_history_shows_only_notes_meant_for_the_citizen(client, captcha_ok):
    dossier = DossierFactory(supplement_requested=True)
    html = look_up(client, dossier.code, captcha_ok).content.decode()
    assert "Đề nghị bổ sung bản chụp rõ nét căn cước công dân." in html
    assert "Ghi chú nội bộ" not in html


def test_lookup_runs_a_constant_number_of_queries(client, captcha_ok, django_assert_max_num_queries):
    small = DossierFactory(sent=True)
    big = DossierFactory(supplement_requested=True)
    with django_assert_max_num_queries(6):
        look_up(client, small.code, captcha_ok)
    with django_assert_max_num_queries(6):
        look_up(client, big.code, captcha_ok)


def test_home_page_has_the_lookup_box(client):
    html = client.get(reverse("home")).content.decode()
    assert f'action="{URL}"' in html
    assert 'id="lookup_code"' in html and 'name="captcha_1"' in html


def test_a_cached_answer_follows_the_dossier_and_the_day(client, captcha_ok, sent_dossier, monkeypatch):
    """Answers are cached per dossier version: a status change, a new step or a new day (for
    "overdue") shows on the next lookup, and a repeated lookup reads no history."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dossiers import deadlines, workflow
    from dossiers.tests.factories import officer

    code = sent_dossier.code
    assert "Đã tiếp nhận" in look_up(client, code, captcha_ok).content.decode()
    with CaptureQueriesContext(connection) as repeated:
        html = look_up(client, code, captcha_ok).content.decode()
    assert "Đã tiếp nhận" in html and f'value="{code}"' in html
    assert not any("dossiers_history" in q["sql"] for q in repeated.captured_queries)
    workflow.dossier_start(dossier=sent_dossier, user=officer(sent_dossier.agency))
    html = look_up(client, code, captcha_ok).content.decode()
    assert "Đang xử lý" in html and "Quá hạn" not in html
    sent_dossier.refresh_from_db()
    late = sent_dossier.due_date + datetime.timedelta(days=1)
    monkeypatch.setattr(deadlines, "today", lambda: late)
    assert "Quá hạn" in look_up(client, code, captcha_ok).content.decode()


def test_a_limited_lookup_keeps_the_code_typed(client, captcha_ok, sent_dossier, settings):
    settings.LOOKUP_RATE_LIMIT = 0
    response = look_up(client, "sgddt-hn-261120-ab3cde", captcha_ok)
    assert response.status_code == 429
    assert 'value="SGDDT-HN-261120-AB3CDE"' in response.content.decode()


TOKEN_RE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+"')
CAPTCHA_RE = re.compile(r"(captcha_0\" value=\"|/captcha/image/|/captcha/audio/)[0-9a-f]{40}")


def comparable(html: str) -> str:
    return CAPTCHA_RE.sub(r"\1KEY", TOKEN_RE.sub(r'\1TOKEN"', html))


def test_the_page_around_an_anonymous_answer_is_the_page_rendered_afresh(client, captcha_ok, sent_dossier, monkeypatch):
    """The answer page rendered once with placeholders (LookupView.anonymous_answer_page) shows
    exactly what the full rendering shows, with this visitor's token and a new captcha."""
    from portal import pagecache

    cold = look_up(client, sent_dossier.code.lower(), captcha_ok).content.decode()
    warm = look_up(client, sent_dossier.code, captcha_ok).content.decode()
    monkeypatch.setattr(pagecache, "is_cacheable_visitor", lambda request: False)
    fresh = look_up(client, sent_dossier.code, captcha_ok).content.decode()
    assert comparable(cold) == comparable(warm) == comparable(fresh)
    assert "lookup-result" in warm and f'value="{sent_dossier.code}"' in warm
    keys = [CAPTCHA_RE.search(html).group(0) for html in (cold, warm)]
    assert keys[0] != keys[1] and "portalhole" not in warm


def test_placeholders_typed_by_a_citizen_are_shown_as_typed(client, captcha_ok):
    from lookup.views import ANSWER_HOLE
    from portal.pagecache import CAPTCHA_HOLE, CSRF_HOLE

    name = f"Công ty {CSRF_HOLE} {CAPTCHA_HOLE} {ANSWER_HOLE}"
    dossier = DossierFactory(owner=UserFactory(organisation=True, organisation_name=name), sent=True)
    for _ in range(2):
        html = look_up(client, dossier.code, captcha_ok).content.decode()
        assert name in html


def test_a_logged_in_citizen_gets_the_answer_in_their_own_page(client, captcha_ok, sent_dossier):
    look_up(client, sent_dossier.code, captcha_ok)  # the anonymous page is rendered and kept
    client.force_login(UserFactory(full_name="Trần Thị Bình"))
    html = look_up(client, sent_dossier.code, captcha_ok).content.decode()
    assert "Trần Thị Bình" in html and "lookup-result" in html


def test_a_repeated_anonymous_lookup_costs_one_query(client, captcha_ok, sent_dossier, django_assert_num_queries):
    look_up(client, sent_dossier.code, captcha_ok)
    # The captcha spent and the dossier read in one statement; its answer and a new captcha are ready.
    with django_assert_num_queries(1):
        look_up(client, sent_dossier.code, captcha_ok)


def test_a_repeated_lookup_reads_its_answer_in_the_rate_limit_round_trip(client, captcha_ok, sent_dossier, monkeypatch):
    """The rendered answer is keyed by the code and holds the dossier's version, so it is read in
    the one Redis call that counts the attempt (``ratelimit.hit_and_take``), for anonymous and
    logged-in visitors alike, before the dossier itself is read."""
    from django.core.cache import cache

    from portal.cache import ResilientRedisCacheClient

    reads = []
    for name in ("get", "get_many"):
        original = getattr(ResilientRedisCacheClient, name)
        monkeypatch.setattr(
            ResilientRedisCacheClient,
            name,
            lambda self, *args, _original=original, **kwargs: reads.append(args) or _original(self, *args, **kwargs),
        )
    for login in (False, True):
        if login:
            client.force_login(UserFactory())
        look_up(client, sent_dossier.code, captcha_ok)  # renders and keeps the answer
        reads.clear()
        html = look_up(client, f" {sent_dossier.code.lower()} ", captcha_ok).content.decode()
        assert "lookup-result" in html and sent_dossier.procedure.name in html
        assert not [args for args in reads if "lookup:answer" in str(args)], reads
    assert cache.get(f"lookup:answer:vi:{sent_dossier.code}")[1].count(sent_dossier.procedure.name) == 1


@pytest.fixture
def live_captcha():
    from captcha.models import CaptchaStore

    return CaptchaStore.objects.create(
        challenge="ABCDE", response="abcde", expiration=timezone.now() + datetime.timedelta(minutes=5)
    )


@pytest.mark.parametrize("vendor", ["postgresql", "two statements"])
def test_spending_and_finding_in_one_statement_reads_what_each_alone_reads(vendor, live_captcha, monkeypatch):
    """``selectors.spend_captcha_and_find`` against ``captchas.spent_row`` and ``public_dossier``:
    the same captcha row (then gone), the same dossier, drafts and unknown codes unknown; the
    captcha spent whatever the code, and the dossier read only for a live captcha answered
    right (or the test mode's answer). "two statements" is SQLite's way, run here on PostgreSQL
    by making the connection look like another vendor."""
    from captcha.models import CaptchaStore
    from django.db import connections

    from accounts import captchas
    from lookup.selectors import public_dossier, spend_captcha_and_find

    dossier = DossierFactory(received=True)
    draft = DossierFactory()
    expected = public_dossier(dossier.code, with_history=False)

    def new_captcha(minutes=5):
        return CaptchaStore.objects.create(
            challenge="X", response="abcde", expiration=timezone.now() + datetime.timedelta(minutes=minutes)
        ).hashkey

    if vendor != "postgresql":
        monkeypatch.setattr(connections["default"], "vendor", "sqlite")
    spent, found = spend_captcha_and_find(live_captcha.hashkey, dossier.code, response="abcde")
    assert captchas.accepts(spent, "abcde") and spent[1] == "abcde" and found == expected
    assert not CaptchaStore.objects.filter(pk=live_captcha.pk).exists()
    # Spent once: the same key again finds no captcha, so nothing of the dossier is read.
    assert spend_captcha_and_find(live_captcha.hashkey, dossier.code, response="abcde") == (None, None)
    assert spend_captcha_and_find("no-such-key", dossier.code, response="", accept_any=True) == (None, expected)
    for key, response in ((new_captcha(), "xxxxx"), (new_captcha(minutes=-1), "abcde")):  # wrong, expired
        spent, found = spend_captcha_and_find(key, dossier.code, response=response)
        assert spent is not None and not captchas.accepts(spent, response) and found is None
        assert not CaptchaStore.objects.filter(hashkey=key).exists()  # still spent
    for code in (draft.code, "KHONG-CO-261120-ZZZZZZ"):  # a draft, no such dossier
        key = new_captcha()
        spent, found = spend_captcha_and_find(key, code, response="abcde")
        assert captchas.accepts(spent, "abcde") and found is None
        assert not CaptchaStore.objects.filter(hashkey=key).exists()


@pytest.mark.parametrize("vendor", ["postgresql", "two statements"])
def test_the_history_read_with_the_dossier_is_the_history_read_alone(vendor, monkeypatch):
    """``spend_captcha_and_find(with_history=True)``: the steps aggregated in the statement
    (JSON on PostgreSQL) are ``public_history``'s, in its order (time, then id, for steps of
    the same moment, microseconds kept), with its titles and never the internal note."""
    from django.db import connections

    from dossiers.models import History
    from lookup.selectors import public_dossier, public_history, spend_captcha_and_find

    busy = DossierFactory(received=True)
    moment = timezone.now().replace(microsecond=654321)
    two_steps_at_one_moment(busy, moment, note='Bổ sung <b>"bản sao"</b>\nhai trang')
    quiet = DossierFactory(sent=True)
    History.objects.filter(dossier=quiet).delete()
    if vendor != "postgresql":
        monkeypatch.setattr(connections["default"], "vendor", "sqlite")
    for dossier in (busy, quiet):
        _, found = spend_captcha_and_find(
            "no-such-captcha", dossier.code, response="", accept_any=True, with_history=True
        )
        alone = public_history(dossier.pk)
        assert found.history == alone and found == public_dossier(dossier.code)
        assert spend_captcha_and_find("x", dossier.code, response="", accept_any=True)[1].history is None  # not asked
    assert len(alone) == 0 and len(found.history) == 0
    steps = spend_captcha_and_find("x", busy.code, response="", accept_any=True, with_history=True)[1].history
    assert [e.time for e in steps if e.time == moment] == [moment, moment]
    assert all("chỉ cán bộ xem" not in e.note for e in steps) and steps[-1].time.tzinfo is not None


def test_a_first_lookup_reads_the_dossier_and_its_history_in_one_query(client, captcha_ok, django_assert_num_queries):
    """Most lookups are of a code nobody looked up lately: no answer is cached, so the history
    comes in the one statement with the captcha and the dossier."""
    from dossiers import workflow
    from dossiers.tests.factories import officer

    dossier = DossierFactory(sent=True)
    workflow.dossier_receive(dossier=dossier, user=officer(dossier.agency))
    client.get(URL)  # this minute's captchas are stored
    with django_assert_num_queries(1):
        html = look_up(client, dossier.code, captcha_ok).content.decode()
    assert "lookup-result" in html and "Đã tiếp nhận" in html and html.count("<time datetime=") >= 2


def test_a_wrong_captcha_never_tells_whether_the_code_exists(client, sent_dossier, live_captcha):
    """The dossier is read in the captcha's statement, but a refused captcha shows the same page
    for a real code as for an unknown one, and spends the picture."""
    from captcha.models import CaptchaStore

    pages = []
    for code in (sent_dossier.code, "KHONG-CO-261120-ZZZZZZ"):
        store = CaptchaStore.objects.create(
            challenge="ABCDE", response="abcde", expiration=timezone.now() + datetime.timedelta(minutes=5)
        )
        with override_settings(CAPTCHA_TEST_MODE=False):
            html = client.post(URL, {"code": code, "captcha_0": store.hashkey, "captcha_1": "WRONG"}).content.decode()
        assert not CaptchaStore.objects.filter(pk=store.pk).exists()
        pages.append(html)
    for html in pages:
        assert "Mã xác nhận không đúng" in html
        assert "Không có hồ sơ nào có mã này" not in html and sent_dossier.procedure.name not in html
    with override_settings(CAPTCHA_TEST_MODE=False):
        html = client.post(
            URL, {"code": sent_dossier.code, "captcha_0": live_captcha.hashkey, "captcha_1": "ABCDE"}
        ).content.decode()
    assert sent_dossier.procedure.name in html and "lookup-result" in html


def test_a_refused_code_still_spends_the_captcha(client, live_captcha):
    from captcha.models import CaptchaStore

    with override_settings(CAPTCHA_TEST_MODE=False):
        data = {"code": "<b>", "captcha_0": live_captcha.hashkey, "captcha_1": "abcde"}
        html = client.post(URL, data).content.decode()
    assert "Mã hồ sơ chỉ gồm chữ cái, chữ số và dấu gạch ngang" in html
    assert not CaptchaStore.objects.filter(pk=live_captcha.pk).exists()


def two_steps_at_one_moment(dossier, moment, *, note: str) -> None:
    """An apology and a supplement request (with an internal note) saved at the same moment:
    their order is then the id's."""
    from dossiers.models import History

    made = [
        History(dossier=dossier, action="apologise", from_status="received", to_status="received", note="Xin lỗi"),
        History(
            dossier=dossier,
            action="request_supplement",
            from_status="received",
            to_status="supplement_requested",
            note=note,
            internal_note="chỉ cán bộ xem",
        ),
    ]
    for entry in made:
        entry.save()
    History.objects.filter(pk__in=[e.pk for e in made]).update(created_at=moment)


def test_public_dossier_reads_what_the_orm_reads():
    """The lookup's hand-written statement (lookup.selectors) against the ORM's reading of the
    same dossiers: every value the answer shows, the version it is cached on, drafts unknown."""
    from dossiers import deadlines
    from dossiers.models import Dossier
    from lookup.masking import mask_person_name
    from lookup.selectors import public_dossier

    made = [
        DossierFactory(sent=True),
        DossierFactory(received=True, apology_count=2),
        DossierFactory(supplement_requested=True),
        DossierFactory(finished=True, timeliness="late"),
        DossierFactory(withdrawn=True),
        DossierFactory(owner=UserFactory(organisation=True, organisation_name="Công ty Sao Mai"), sent=True),
    ]
    today = deadlines.today()
    for dossier in Dossier.objects.filter(pk__in=[d.pk for d in made]).select_related("procedure", "agency"):
        public = public_dossier(dossier.code)
        assert public is not None, dossier.status
        assert (public.code, public.procedure, public.agency) == (
            dossier.code,
            dossier.procedure.name,
            dossier.agency.name,
        )
        assert (public.status, public.status_label) == (dossier.status, dossier.get_status_display())
        name = dossier.applicant_name
        assert public.applicant == (name if dossier.is_organisation else mask_person_name(name))
        assert (public.sent_at, public.received_at, public.finished_at, public.due_date) == (
            dossier.sent_at,
            dossier.received_at,
            dossier.finished_at,
            dossier.due_date,
        )
        assert public.overdue == deadlines.is_overdue(dossier, on=today)
        assert (public.timeliness, public.apologies) == (dossier.timeliness, dossier.apology_count)
        assert public.timeliness_label == (dossier.get_timeliness_display() if dossier.timeliness else "")
        assert public.version == (
            f"{dossier.pk}:{dossier.updated_at.timestamp()}:{dossier.procedure.updated_at.timestamp()}:{today}"
        )
        assert public.pk == dossier.pk and [h.title for h in public.history] == [
            h.title for h in dossier.history.order_by("created_at", "pk")
        ]
    assert public_dossier(DossierFactory().code) is None  # a draft
    assert public_dossier("NO-SUCH-CODE") is None


def test_public_history_reads_what_the_orm_reads():
    """The history's hand-written statement (lookup.selectors.public_history) against the ORM:
    the same steps in the same order (time, then id, for steps of the same moment), the titles
    of ``History.title`` (an apology included), the citizen's note and never the internal one."""
    from dossiers.models import History
    from lookup.selectors import public_history

    dossier = DossierFactory(received=True)
    moment = timezone.now().replace(microsecond=123456)
    two_steps_at_one_moment(dossier, moment, note="Bổ sung bản sao")
    expected = list(History.objects.filter(dossier=dossier).order_by("created_at", "pk"))
    read = public_history(dossier.pk)
    assert [(e.time, e.title, e.note) for e in read] == [(h.created_at, h.title, h.note) for h in expected]
    by_note = {e.note: e for e in read}
    assert by_note["Xin lỗi"].title == "Xin lỗi và hẹn lại ngày trả kết quả"
    assert by_note["Bổ sung bản sao"].time == moment
    assert all("chỉ cán bộ xem" not in e.note for e in read) and all(e.time.tzinfo is not None for e in read)
    assert public_history(dossier.pk + 10_000) == []


def test_the_answer_page_captcha_comes_in_the_rate_limit_round_trip(client, captcha_ok, sent_dossier, monkeypatch):
    """An anonymous lookup pops its page's captcha with the rate-limit counter (one Redis round
    trip, no LPOP of its own); a refused lookup gives the key back, so none is left unused."""
    from captcha.models import CaptchaStore

    from accounts import captchas

    look_up(client, sent_dossier.code, captcha_ok)  # fills this minute's shelf
    _, redis = captchas._pool()
    shelf = captchas.shelf()
    head = redis.lindex(shelf, 0).decode()
    left = redis.llen(shelf)
    from redis.client import Pipeline

    pops = []  # LPOPs sent on their own (the one popping the page's captcha runs inside the Lua call)
    original = type(redis).lpop

    def lpop(self, *args, **kwargs):
        if not isinstance(self, Pipeline):
            pops.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(type(redis), "lpop", lpop)

    html = look_up(client, sent_dossier.code, captcha_ok).content.decode()
    assert "lookup-result" in html and f'name="captcha_0" value="{head}"' in html
    assert pops == [] and redis.llen(shelf) == left - 1
    assert CaptchaStore.objects.filter(hashkey=head).exists()

    head = redis.lindex(shelf, 0).decode()
    refused = look_up(client, "KHONG-CO-MA-NAY", captcha_ok)
    assert refused.status_code == 200 and "lookup-result" not in refused.content.decode()
    # Given back (the refused page's bound form makes its own captcha): handed to the next page.
    assert redis.llen(shelf) == left - 1 and redis.lindex(shelf, 0).decode() == head


def test_a_limited_lookup_gets_the_captcha_popped_with_the_limit(client, captcha_ok, sent_dossier, settings):
    """The refused (429) page's box carries the captcha popped in the rate limit's round trip,
    and a key given back to a list that had emptied expires with it, never kept for ever."""
    from accounts import captchas

    look_up(client, sent_dossier.code, captcha_ok)  # fills this minute's shelf
    _, redis = captchas._pool()
    shelf = captchas.shelf()
    head, left = redis.lindex(shelf, 0).decode(), redis.llen(shelf)
    settings.LOOKUP_RATE_LIMIT = 0
    limited = look_up(client, sent_dossier.code, captcha_ok)
    assert limited.status_code == 429 and f'name="captcha_0" value="{head}"' in limited.content.decode()
    assert redis.llen(shelf) == left - 1

    settings.LOOKUP_RATE_LIMIT = 1000
    redis.delete(shelf)
    redis.rpush(shelf, head.encode())  # the last key of the minute
    redis.persist(shelf)
    look_up(client, "KHONG-CO-MA-NAY", captcha_ok)  # popped it, refused, gave it back
    assert redis.lrange(shelf, 0, -1) == [head.encode()] and 0 < redis.ttl(shelf) <= 2 * captchas.SHELF_SECONDS


def test_while_redis_is_away_a_lookup_stores_one_captcha_not_a_batch(client, captcha_ok, sent_dossier, settings):
    """The batch of ``accounts.captchas`` needs the Redis list it is handed out from: while Redis
    is away the answer's page stores its own captcha, as without Redis, instead of a batch nobody
    can be given (and the lookup still answers: the cache degrades)."""
    from captcha.models import CaptchaStore

    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"},  # nothing listens
    }
    for _ in range(2):
        before = CaptchaStore.objects.count()
        html = look_up(client, sent_dossier.code, captcha_ok).content.decode()
        assert "lookup-result" in html and sent_dossier.procedure.name in html
        key = re.search(r'name="captcha_0" value="([0-9a-f]{40})"', html).group(1)
        assert CaptchaStore.objects.count() == before + 1 and CaptchaStore.objects.filter(hashkey=key).exists()
