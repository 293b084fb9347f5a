"""The history in words (issue 16): what people read says what changed, by whom (their name,
not their username), one line per sitting; the audit data and its CSV keep every event."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.people import set_display_name
from assessment import evidence, frameworks_cache, plan, team, workflow
from assessment.models import Assessment, AuditEvent, Membership

from .factories import make_assessment, make_country, make_user

pytestmark = pytest.mark.usefixtures("frameworks")
Role = Membership.Role
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


@pytest.fixture
def assessment(frameworks) -> Assessment:
    return make_assessment(make_country("XA", "Arvenia (demo)"))


@pytest.fixture
def coordinator(assessment):
    user = make_user("cora", country=assessment.country, role=Role.COORDINATOR)
    set_display_name(user, "Cora Mendes")
    return user


def url(name: str, assessment: Assessment, *args: object) -> str:
    return reverse(f"assessment:{name}", args=[assessment.uuid, *args])


def save(client, assessment: Assessment, code: str, version: int, **fields: str) -> None:
    data = {"response": "2", "version": version} | fields
    assert client.post(url("capability", assessment, code), data).status_code == 302


def region(page: str, start: str, end: str) -> str:
    begin = page.index(start)
    return page[begin : page.index(end, begin)]


def a_busy_day(client, assessment: Assessment, coordinator) -> None:
    """Most kinds of event: answers, indicators, a criterion, a file, a comment, an
    assignment, a waiver, targets, plan actions (whose subject is a UUID) and a move."""
    carl = make_user("carl", country=assessment.country)
    set_display_name(carl, "Carl Okafor")
    ind = frameworks_cache.mnr_tree(assessment.mnr_version).capabilities[3].indicator_list[0].code
    save(client, assessment, "C04", 0, response="1")
    save(client, assessment, "C04", 1, response="3", **{f"ind_{ind}": "no"})
    save(client, assessment, "C04", 2, response="3", evidence="Decree 14", share_with_peers="on")
    save(client, assessment, "C04", 3, response="3", **{f"ind_{ind}": "yes"})
    client.post(url("legislation", assessment), {"crit_legislation": "met"})
    client.post(url("comment_add", assessment, "C04"), {"text": "Check with the police."})
    client.post(url("assignments", assessment), {"user": carl.pk, "sections": ["D2"]})
    workflow.waiver_set(assessment=assessment, section="D5", reason="No data", user=coordinator)
    from django.core.files.uploadedfile import SimpleUploadedFile

    cap = frameworks_cache.mnr_tree(assessment.mnr_version).capabilities[3]
    evidence.evidence_add(
        assessment=assessment,
        capability=cap,
        upload=SimpleUploadedFile("decree.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
        user=coordinator,
    )
    plan.target_set(assessment=assessment, capability=cap, level=4, reason="Goal", user=coordinator)
    action = plan.action_save(
        assessment=assessment, action=None, values={"title": "Train officers"}, user=coordinator
    )
    plan.action_save(
        assessment=assessment, action=action, values={"status": "done"}, user=coordinator
    )
    plan.action_move(action=action, up=False, user=coordinator)
    team.comment_add(assessment=assessment, capability=cap, text="Done.", user=carl)


def assert_words_only(text: str) -> None:
    assert text.strip()
    for raw in ("{", "True", "False", "None", "[", "answer.saved", "action.saved"):
        assert raw not in text, raw
    assert not UUID.search(text), UUID.search(text)
    assert "cora" not in text and "carl" not in text  # names, not usernames


def test_no_history_page_shows_raw_values_identifiers_or_usernames(client, assessment, coordinator):
    client.force_login(coordinator)
    a_busy_day(client, assessment, coordinator)
    log = client.get(url("history", assessment)).content.decode()
    table = region(log, "<tbody>", "</tbody>")
    assert_words_only(table)
    assert "Cora Mendes" in table and "Carl Okafor" in table
    assert "Train officers" in table and "4. Dedicated law enforcement" in table
    whole = client.get(url("capability_history", assessment, "C04")).content.decode()
    assert_words_only(region(whole, '<ol class="list-unstyled small history-lines">', "</ol>"))
    page = client.get(url("capability", assessment, "C04")).content.decode()
    assert_words_only(region(page, 'id="history-heading"', "</section>"))


def test_a_change_reads_as_a_sentence(client, assessment, coordinator):
    client.force_login(coordinator)
    tree = frameworks_cache.mnr_tree(assessment.mnr_version)
    indicator = tree.capabilities[3].indicator_list[0]
    save(client, assessment, "C04", 0, **{f"ind_{indicator.code}": "no"})
    save(client, assessment, "C04", 1, response="3", **{f"ind_{indicator.code}": "yes"})
    from assessment import audit

    (newest, _older) = audit.history_lines(
        audit.events_for_subject(assessment, "C04"), audit.names_of(assessment)
    )
    assert newest.who == "Cora Mendes"
    assert newest.what == (
        "Level changed from 2 Developing to 3 Established; "
        f"indicator “{audit._short(indicator.text)}” changed from no to yes"
    )


def test_one_sitting_reads_as_one_entry_and_the_csv_keeps_every_row(
    client, assessment, coordinator
):
    client.force_login(coordinator)
    # Clicking through the levels, as the 39-row sitting did.
    for version, level in enumerate(["0", "1", "2", "3", "2", "3", "4", "3"]):
        save(client, assessment, "C04", version, response=level)
    page = client.get(url("capability", assessment, "C04")).content.decode()
    history = region(page, 'id="history-heading"', "</section>")
    assert history.count('<li class="border-bottom py-1">') == 1
    assert "Level set to 3 Established" in history and "(8 saves)" in history
    log = client.get(url("history", assessment)).content.decode()
    assert region(log, "<tbody>", "</tbody>").count("<tr>") == 2  # started, and the sitting
    csv = client.get(url("history", assessment) + "?format=csv").content.decode()
    assert csv.count(",answer.saved,C04,") == 8
    assert AuditEvent.objects.filter(assessment=assessment, subject="C04").count() == 8


def test_another_person_or_a_later_sitting_starts_a_new_entry(client, assessment, coordinator):
    from datetime import timedelta

    from assessment import audit

    carl = make_user("carl", country=assessment.country, role=Role.COORDINATOR)
    client.force_login(coordinator)
    save(client, assessment, "C04", 0, response="1")
    save(client, assessment, "C04", 1, response="2")
    client.force_login(carl)
    save(client, assessment, "C04", 2, response="3")
    events = list(audit.events_for_subject(assessment, "C04"))
    assert [len(chunk) for chunk in audit.grouped(events)] == [1, 2]
    # An hour between two saves by the same person: two sittings.
    events[-1].at = events[-2].at - timedelta(hours=1)
    assert [len(chunk) for chunk in audit.grouped(events)] == [1, 1, 1]


def test_history_csv_is_in_the_readers_words_with_codes_beside(client, assessment, coordinator):
    """Issue 25 §12: history.csv had no BOM, English lowercase headers for every reader, and
    before/after as JSON with codes only. Now: a BOM, headers and the change in the reader's
    words, and the stored codes and values in columns of their own."""
    import csv
    import io

    from django.conf import settings

    client.force_login(coordinator)
    save(client, assessment, "C04", 0, response="3")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    set_language = client.post(reverse("accounts:language"), {"language": "fr"})
    assert set_language.status_code in (200, 302)
    raw = client.get(url("history", assessment) + "?format=csv").content
    assert raw.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    from django.utils import translation

    with translation.override("fr"):
        words = [translation.gettext(w) for w in ("When (UTC)", "Who", "Item", "What changed")]
    assert header[:4] == words and words[0] != "When (UTC)", header
    assert header[4:6] == ["Code de l’événement", "Code de l’objet"]
    (saved,) = [r for r in rows if "answer.saved" in r]
    assert saved[1].startswith("Cora Mendes")
    assert saved[4:6] == ["answer.saved", "C04"]
    assert "3" in saved[3] and "Level" not in saved[3] and saved[3] != saved[7], saved


# What `_history_lines.html` wrote as a template loop, before the `history_lines` tag wrote it.
LOOP = (
    '{% load i18n %}<ol class="list-unstyled small history-lines">{% for e in lines %}'
    '<li class="border-bottom py-1"><time datetime="{{ e.at|date:\'Y-m-d\\TH:i:sO\' }}">'
    '{{ e.at|date:"j M Y H:i" }}</time> — {{ e.who }} — {{ e.what }}{% if e.count > 1 %} '
    '<span class="text-body-secondary">{% blocktranslate with n=e.count %}({{ n }} saves)'
    "{% endblocktranslate %}</span>{% endif %}</li>{% endfor %}</ol>"
)


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/Santiago"])
def test_the_history_lines_tag_writes_what_the_template_loop_wrote(language, zone):
    import datetime as dt

    from django.template import Context, Template
    from django.utils import timezone, translation

    from assessment.audit import HistoryLine

    lines = [
        HistoryLine(dt.datetime(2026, 3, 1, 23, 45, tzinfo=dt.UTC), "Cora <b>Mendes</b>", "a & b"),
        HistoryLine(dt.datetime(2026, 12, 8, 2, 5, tzinfo=dt.UTC), "كورا", "Level 3 → 4", count=7),
    ]
    with translation.override(language), timezone.override(zone):
        loop = Template(LOOP).render(Context({"lines": lines}))
        tag = Template("{% load questionnaire %}{% history_lines lines %}").render(
            Context({"lines": lines})
        )
    assert tag == loop
    assert "&lt;b&gt;Mendes&lt;/b&gt;" in tag and "a &amp; b" in tag
