"""load_frameworks: the shipped files load, loading is idempotent and versioned, bad files are
rejected whole with a message naming the file, the item and the problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from assessment import frameworks_cache, services
from assessment.models import CriterionAnswer
from frameworks.loader import FrameworkLoadError, load_frameworks
from frameworks.models import Capability, Criterion, FrameworkVersion, Indicator, Recommendation

from .factories import make_assessment

DATA = Path(settings.FRAMEWORK_DATA_DIR)


# Every test here starts from an empty catalogue, as `manage.py load_frameworks` does on a new
# installation.
pytestmark = pytest.mark.usefixtures("no_frameworks")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    for f in DATA.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    return tmp_path


def edit(path: Path, change) -> None:
    doc = yaml.safe_load(path.read_text())
    change(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))


def row_counts() -> tuple[int, ...]:
    return (
        FrameworkVersion.objects.count(),
        Capability.objects.count(),
        Indicator.objects.count(),
        Criterion.objects.count(),
        Recommendation.objects.count(),
    )


@pytest.mark.django_db
def test_shipped_files_load_with_the_whole_mnr(capsys):
    call_command("load_frameworks")
    out = capsys.readouterr().out
    assert "mnr: loaded version 1" in out
    mnr = FrameworkVersion.objects.get(framework__slug="mnr")
    capabilities = Capability.objects.filter(version=mnr)
    assert mnr.domains.count() == 6
    assert capabilities.count() == 21
    assert all(len(c.level_descriptors) == 5 for c in capabilities)
    # Issue 13: one question per indicator and indicators for levels 1-4 give up to 10.
    assert all(3 <= c.indicators.count() <= 10 for c in capabilities)
    assert capabilities.get(number=16).name == "Takedown procedures"
    assert capabilities.get(number=21).name == "Universal terminology"
    law = FrameworkVersion.objects.get(framework__slug="icmec-legislation")
    assert list(law.criteria.filter(scored=True).values_list("code", flat=True)) == [
        "legislation",
        "definition",
        "technology",
        "possession",
        "isp_reporting",
    ]
    assert law.rules["sufficiency"]["at_least"] == 4
    recs = FrameworkVersion.objects.get(framework__slug="gta2019-recommendations")
    assert recs.recommendations.filter(code__in=[f"R{n:02}" for n in range(1, 14)]).count() == 13


@pytest.mark.django_db
def test_every_item_cites_a_source():
    load_frameworks()
    assert not Capability.objects.filter(source="").exists()
    assert not Criterion.objects.filter(source="").exists()
    assert not Recommendation.objects.filter(source="").exists()


@pytest.mark.django_db
def test_loading_twice_changes_nothing(capsys):
    call_command("load_frameworks")
    before = row_counts()
    call_command("load_frameworks")
    assert row_counts() == before
    assert capsys.readouterr().out.count("unchanged") == 3


@pytest.mark.django_db
def test_a_changed_file_is_a_new_version_and_old_assessments_keep_theirs(data_dir):
    load_frameworks(sorted(data_dir.glob("*.yaml")))
    old = make_assessment()
    old_c01 = Capability.objects.get(version=old.mnr_version, code="C01")

    def reword(doc):
        doc["domains"][0]["capabilities"][0]["summary"] = "Reworded summary."

    edit(data_dir / "mnr-2016.yaml", reword)
    results = load_frameworks(sorted(data_dir.glob("*.yaml")))

    assert [(r.slug, r.created) for r in results if r.created] == [("mnr", True)]
    new_version = FrameworkVersion.objects.latest_of_kind("mnr")
    assert new_version.number == 2
    old.refresh_from_db()
    assert old.mnr_version.number == 1
    assert Capability.objects.get(pk=old_c01.pk).summary == old_c01.summary
    assert frameworks_cache.mnr_tree(old.mnr_version).capabilities[0].summary == old_c01.summary
    new = make_assessment(cycle=2027)
    assert frameworks_cache.mnr_tree(new.mnr_version).capabilities[0].summary == "Reworded summary."


def rejects(data_dir: Path, file_name: str, change, *expected: str) -> None:
    load_frameworks(sorted(data_dir.glob("*.yaml")))
    before = row_counts()
    edit(data_dir / file_name, change)
    with pytest.raises(FrameworkLoadError) as info:
        load_frameworks(sorted(data_dir.glob("*.yaml")))
    message = str(info.value)
    for part in (file_name, *expected):
        assert part in message
    assert row_counts() == before


@pytest.mark.django_db
def test_unknown_key_is_rejected(data_dir):
    def change(doc):
        doc["domains"][1]["capabilities"][0]["colour"] = "blue"

    rejects(data_dir, "mnr-2016.yaml", change, "capabilities C04", "unknown key 'colour'")


@pytest.mark.django_db
def test_duplicate_capability_code_is_rejected(data_dir):
    def change(doc):
        doc["domains"][0]["capabilities"][1]["code"] = "C01"

    rejects(data_dir, "mnr-2016.yaml", change, "capabilities C01", "duplicate capability code")


@pytest.mark.django_db
def test_duplicate_recommendation_code_is_rejected(data_dir):
    def change(doc):
        doc["recommendations"][1]["code"] = "R01"

    rejects(
        data_dir,
        "gta2019-recommendations.yaml",
        change,
        "recommendations R01",
        "duplicate recommendation code",
    )


@pytest.mark.django_db
def test_missing_level_is_rejected(data_dir):
    def change(doc):
        del doc["domains"][2]["capabilities"][0]["levels"][2]

    rejects(data_dir, "mnr-2016.yaml", change, "capabilities C08 > levels", "level 2 is missing")


@pytest.mark.django_db
def test_mapping_to_a_code_that_does_not_exist_is_rejected(data_dir):
    def change(doc):
        doc["criteria"][4]["recommendations"].append({"code": "R99", "reason": "none"})

    rejects(
        data_dir,
        "icmec-legislation-2018.yaml",
        change,
        "criteria isp_reporting",
        "maps to recommendation 'R99', which does not exist",
    )


@pytest.mark.django_db
def test_sufficiency_rule_naming_an_unknown_criterion_is_rejected(data_dir):
    def change(doc):
        doc["sufficiency"]["required"] = ["grooming"]

    rejects(data_dir, "icmec-legislation-2018.yaml", change, "sufficiency > required", "'grooming'")


@pytest.mark.django_db
def test_a_bad_file_stops_the_good_ones_from_loading_too(data_dir):
    (data_dir / "mnr-2016.yaml").write_text("framework: [unclosed\n")
    with pytest.raises(FrameworkLoadError) as info:
        load_frameworks(sorted(data_dir.glob("*.yaml")))
    assert "mnr-2016.yaml" in str(info.value)
    assert row_counts() == (0, 0, 0, 0, 0)


@pytest.mark.django_db
def test_command_reports_problems_and_fails(data_dir):
    edit(data_dir / "mnr-2016.yaml", lambda doc: doc["framework"].update(owner="me"))
    with pytest.raises(CommandError, match="(?s)Nothing was loaded.*unknown key 'owner'"):
        call_command("load_frameworks", *sorted(data_dir.glob("*.yaml")))


@pytest.mark.django_db
def test_older_sufficiency_rule_in_a_new_version_scores_by_its_own_rule(data_dir):
    """2018 rule (any four) on the first version; the 2006-2010 rule (all five, or all but ISP
    reporting) on a second version. The same answers are sufficient under one, not the other."""
    load_frameworks(sorted(data_dir.glob("*.yaml")))
    on_2018 = make_assessment(cycle=2026)

    def older_rule(doc):
        doc["framework"]["edition"] = "1st-6th editions (2006-2010)"
        doc["sufficiency"] = {
            "required": ["legislation", "definition", "technology", "possession"],
            "at_least": 4,
            "description": "All five criteria, or all but ISP reporting.",
        }

    edit(data_dir / "icmec-legislation-2018.yaml", older_rule)
    load_frameworks(sorted(data_dir.glob("*.yaml")))
    on_older = make_assessment(cycle=2027)
    assert on_older.legislation_version.number == 2

    answers = {
        "legislation": "met",
        "definition": "not_met",
        "technology": "met",
        "possession": "met",
        "isp_reporting": "met",
    }
    for assessment in (on_2018, on_older):
        for criterion in frameworks_cache.criteria_of(assessment.legislation_version):
            if criterion.code in answers:
                CriterionAnswer.objects.create(
                    assessment=assessment, criterion=criterion, value=answers[criterion.code]
                )
    assert services.assessment_scores(on_2018).legislation.verdict == "sufficient"
    assert services.assessment_scores(on_older).legislation.verdict == "not_sufficient"
    assert services.assessment_scores(on_older).legislation.met == 4


@pytest.mark.django_db
def test_value_longer_than_its_column_is_rejected_not_truncated(data_dir):
    def change(doc):
        doc["domains"][0]["capabilities"][0]["name"] = "L" * 201

    rejects(data_dir, "mnr-2016.yaml", change, "capabilities C01 > name", "is too long")


# --- Issue 23 §2.1: a changed question never keeps its old code -----------------------------


def _indicator(doc, code: str) -> dict:
    return next(
        i
        for d in doc["domains"]
        for c in d["capabilities"]
        for i in c["indicators"]
        if i["code"] == code
    )


def test_a_new_version_that_changes_a_question_under_its_old_code_is_refused(data_dir):
    def ask_another_question(doc):
        _indicator(doc, "C01.7")["text"] = "Do ministries working on CSEA meet at least yearly?"

    rejects(
        data_dir,
        "mnr-2016.yaml",
        ask_another_question,
        "indicators C01.7",
        "keeps the code of version 1 but asks another question",
        "Do agencies working on CSEA meet, even informally, to coordinate their work?",
        "give it a new code",
    )


def test_spelling_or_an_explicit_same_meaning_keeps_the_code(data_dir):
    load_frameworks(sorted(data_dir.glob("*.yaml")))

    def respell(doc):
        _indicator(doc, "C01.7")["text"] = (
            "Do agencies working on CSEA meet, even informaly, to co-ordinate their work"
        )
        reworded = _indicator(doc, "C01.1")
        reworded["text"] = (
            "Has a national body been formally mandated to coordinate and oversee the response "
            "to CSEA?"
        )
        reworded["meaning_unchanged"] = True

    edit(data_dir / "mnr-2016.yaml", respell)
    results = load_frameworks(sorted(data_dir.glob("*.yaml")))
    assert [r.slug for r in results if r.created] == ["mnr"]


def test_version_2_would_now_be_refused_after_version_1(no_frameworks):
    """The fault the rule is for: version 2 asked other questions under C19.1-C19.4."""
    load_frameworks(sorted((DATA / "archive").glob("*-v1.yaml")))
    with pytest.raises(FrameworkLoadError) as info:
        load_frameworks(sorted((DATA / "archive").glob("*-v2.yaml")))
    refused = {p.item for p in info.value.problems}
    assert refused == {f"indicators C19.{n}" for n in range(1, 5)}
    load_frameworks()  # the current files give those questions new codes: accepted


def test_maintainers_provenance_notes_are_not_content(data_dir):
    """Editing a `provenance` note (never shown) makes no new version."""
    load_frameworks(sorted(data_dir.glob("*.yaml")))

    def annotate(doc):
        doc["domains"][0]["capabilities"][0]["provenance"] = "Checked again against the list."

    edit(data_dir / "mnr-2016.yaml", annotate)
    assert not any(r.created for r in load_frameworks(sorted(data_dir.glob("*.yaml"))))


@pytest.mark.django_db
def test_provenance_is_never_stored():
    """Nothing a page, an export or the API reads from the database holds a maintainers' note."""
    load_frameworks()
    assert FrameworkVersion.objects.exists()
    for v in FrameworkVersion.objects.all():
        assert "provenance" not in str(v.rules)
    for c in Capability.objects.all():
        assert all("provenance" not in link for link in c.recommendation_links)
    for cr in Criterion.objects.all():
        assert all("provenance" not in link for link in cr.recommendation_links)
