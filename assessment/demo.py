"""Demonstration data: fictional countries (ISO user-assigned codes), seeded answers, demo accounts.

Nothing here describes a real government. Every page and export of a demo country says so.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import translation

from accounts import people
from frameworks.loader import load_frameworks, read_file
from frameworks.models import FrameworkVersion

from . import frameworks_cache, services
from .models import (
    LEGISLATION_SECTION,
    Action,
    Assessment,
    Assignment,
    AuditEvent,
    CapabilityAnswer,
    Country,
    CriterionAnswer,
    IndicatorAnswer,
    Membership,
)

DEMO_PASSWORD = "demo-only-password"  # noqa: S105 - printed to the person running the demo
CYCLES = (2024, 2026)
# Corvania's assessments stay on the framework versions before the corrections of the archive
# folder, so that its 2026 draft shows the offer to move to the corrected version.
ON_PREVIOUS_VERSIONS = "XC"


@dataclass(frozen=True)
class DemoCountry:
    code: str
    name: str
    region: tuple[int, str]
    subregion: tuple[int, str]
    hemisphere: str
    maturity: float  # mean level in the first cycle
    laws_met: int  # legislative criteria met in the first cycle
    sharing: str = "named"
    language: str = "en"  # the assessment's working language, and its team's interface


# Each demo country works in another of the five languages (its assessments' working language
# and its team's interface), so that each can be tried at once.
COUNTRIES = (
    DemoCountry(
        "XA",
        "Arvenia (demo)",
        (2, "Africa"),
        (202, "Sub-Saharan Africa"),
        "south",
        1.2,
        2,
        language="ar",
    ),
    DemoCountry(
        "XB",
        "Belmora (demo)",
        (150, "Europe"),
        (154, "Northern Europe"),
        "north",
        2.8,
        4,
        language="fr",
    ),
    DemoCountry(
        "XC",
        "Corvania (demo)",
        (19, "Americas"),
        (419, "Latin America and the Caribbean"),
        "south",
        2.0,
        3,
        language="es",
    ),
    DemoCountry(
        "XD",
        "Dunmark (demo)",
        (142, "Asia"),
        (35, "South-eastern Asia"),
        "south",
        1.6,
        4,
        "aggregate",
        language="pt",
    ),
)


def _level(rng: random.Random, mean: float, top: int) -> int:
    return max(0, min(top, round(rng.gauss(mean, 0.8))))


def _indicator_value(rng: random.Random, level: int, top: int) -> str:
    roll = rng.random()
    if roll < 0.05:
        return IndicatorAnswer.Value.DONT_KNOW
    share = level / top
    if roll < 0.05 + 0.95 * share * 0.8:
        return IndicatorAnswer.Value.YES
    if roll < 0.05 + 0.95 * (share * 0.8 + 0.2):
        return IndicatorAnswer.Value.PARTLY
    return IndicatorAnswer.Value.NO


def _answer(
    assessment: Assessment, spec: DemoCountry, cycle_index: int, user: User, complete: bool
) -> None:
    rng = random.Random(f"{spec.code}-{assessment.cycle}")
    tree = frameworks_cache.mnr_tree(assessment.mnr_version)
    top = tree.rules.max_level
    mean = spec.maturity + 0.5 * cycle_index
    caps, indicators = [], []
    capabilities = tree.capabilities
    answered = capabilities if complete else capabilities[: len(capabilities) * 2 // 3]
    # A later cycle starts from copies of the previous answers, marked "to confirm"; the demo
    # answers most of them afresh and leaves the rest to confirm, as a real team would.
    IndicatorAnswer.objects.filter(
        assessment=assessment, indicator__capability__in=answered
    ).delete()
    CapabilityAnswer.objects.filter(assessment=assessment, capability__in=answered).delete()
    CriterionAnswer.objects.filter(assessment=assessment).delete()
    for cap in answered:
        roll = rng.random()
        level = _level(rng, mean, top)
        response: str
        if roll < 0.04:
            response = CapabilityAnswer.Response.DONT_KNOW
        else:
            response = str(level)
        caps.append(
            CapabilityAnswer(
                assessment=assessment,
                capability=cap,
                response=response,
                share_with_peers=response == "4",
                updated_by=user,
                evidence=TYPED[spec.language]["evidence"].format(name=spec.name),
            )
        )
        indicators += [
            IndicatorAnswer(
                assessment=assessment,
                indicator=i,
                updated_by=user,
                value=_indicator_value(rng, level, top),
            )
            for i in cap.indicator_list  # type: ignore[attr-defined]
        ]
    CapabilityAnswer.objects.bulk_create(caps)
    IndicatorAnswer.objects.bulk_create(indicators)
    criteria = [c for c in frameworks_cache.criteria_of(assessment.legislation_version) if c.scored]
    met = min(len(criteria), spec.laws_met + cycle_index)
    CriterionAnswer.objects.bulk_create(
        CriterionAnswer(
            assessment=assessment,
            criterion=c,
            updated_by=user,
            value=CriterionAnswer.Value.MET if n < met else CriterionAnswer.Value.NOT_MET,
            citation=TYPED[spec.language]["citation"].format(n=n + 1) if n < met else "",
        )
        for n, c in enumerate(criteria)
    )


# What the demo's people "typed", in their country's working language: text people type is
# shown as written, never translated.
class Typed(TypedDict):
    evidence: str
    citation: str
    agencies: tuple[str, ...]


TYPED: dict[str, Typed] = {
    "en": {
        "evidence": "Demonstration answer generated for {name}; no real evidence.",
        "citation": "Demonstration Act (fictional), section {n}",
        "agencies": (
            "Ministry of Interior",
            "Ministry of Justice",
            "Ministry of Social Affairs",
            "National Police",
            "ICT Regulator",
            "Ministry of Education",
        ),
    },
    "fr": {
        "evidence": "Réponse de démonstration générée pour {name} ; aucune preuve réelle.",
        "citation": "Loi de démonstration (fictive), article {n}",
        "agencies": (
            "Ministère de l'Intérieur",
            "Ministère de la Justice",
            "Ministère des Affaires sociales",
            "Police nationale",
            "Autorité de régulation des communications",
            "Ministère de l'Éducation",
        ),
    },
    "es": {
        "evidence": "Respuesta de demostración generada para {name}; sin evidencia real.",
        "citation": "Ley de demostración (ficticia), artículo {n}",
        "agencies": (
            "Ministerio del Interior",
            "Ministerio de Justicia",
            "Ministerio de Asuntos Sociales",
            "Policía Nacional",
            "Regulador de las TIC",
            "Ministerio de Educación",
        ),
    },
    "ar": {
        "evidence": "إجابة تجريبية أُعدّت لـ {name}؛ لا توجد أدلة حقيقية.",
        "citation": "قانون تجريبي (خيالي)، المادة {n}",
        "agencies": (
            "وزارة الداخلية",
            "وزارة العدل",
            "وزارة الشؤون الاجتماعية",
            "الشرطة الوطنية",
            "هيئة تنظيم الاتصالات",
            "وزارة التربية والتعليم",
        ),
    },
    "pt": {
        "evidence": "Resposta de demonstração gerada para {name}; sem evidências reais.",
        "citation": "Lei de demonstração (fictícia), artigo {n}",
        "agencies": (
            "Ministério do Interior",
            "Ministério da Justiça",
            "Ministério dos Assuntos Sociais",
            "Polícia Nacional",
            "Regulador das TIC",
            "Ministério da Educação",
        ),
    },
}


def _plan(assessment: Assessment, user: User, language: str) -> None:
    """A plan proposed from the gaps, with owners and dates, one action overdue."""
    from . import plan

    plan.actions_generate(assessment=assessment, analysis=plan.gap_analysis(assessment), user=user)
    start = dt.date(assessment.cycle, 3, 1)
    actions = list(assessment.actions.all())
    for n, action in enumerate(actions):
        agencies = TYPED[language]["agencies"]
        action.lead_agency = agencies[n % len(agencies)]
        action.supporting_agencies = agencies[(n + 2) % len(agencies)]
        action.start_date = start
        action.due_date = start + dt.timedelta(days=180 + 30 * n)
        if n == 0:
            action.status = "in_progress"
            action.due_date = start  # due on its start date: overdue once that has passed
    Action.objects.bulk_update(
        actions, ["lead_agency", "supporting_agencies", "start_date", "due_date", "status"]
    )


def previous_versions() -> dict[str, FrameworkVersion]:
    """The versions of `frameworks/data/archive/` (the content before its corrections). A
    database that lacks them gets them loaded, then the current files again, so that the
    current content stays the latest version (in a fresh database: version 1 is the archive's,
    version 2 the current one; where the current files were loaded first, their content
    comes back as a third version)."""
    paths = sorted((Path(settings.FRAMEWORK_DATA_DIR) / "archive").glob("*.yaml"))
    files = [f for f, _problems in (read_file(p) for p in paths) if f]

    def found() -> dict[str, FrameworkVersion | None]:
        return {
            f.kind: FrameworkVersion.objects.select_related("framework")
            .filter(framework__slug=f.slug, sha256=f.sha256)
            .first()
            for f in files
        }

    versions = found()
    if not all(versions.values()):
        load_frameworks(paths)
        versions = found()
    load_frameworks()  # unchanged current files load nothing
    return versions  # type: ignore[return-value]


@transaction.atomic
def create_demo() -> list[tuple[str, str, str, str]]:
    """(Re)create the demo countries, their assessments and accounts; returns the logins:
    username, role, country and the interface language the account signs in to."""
    User = get_user_model()
    codes = [c.code for c in COUNTRIES]
    # The audit trail is append-only for real countries; the demo's fictional ones are reset
    # whole, trail included, so the demo can be run again.
    AuditEvent.objects.filter(country__code__in=codes).delete()
    Assessment.objects.filter(country__code__in=codes).delete()
    User.objects.filter(username__startswith="demo-").delete()
    logins: list[tuple[str, str, str, str]] = []
    previous = previous_versions()  # first: every other demo assessment uses the latest
    for spec in COUNTRIES:
        country, _ = Country.objects.update_or_create(
            code=spec.code,
            defaults={
                "is_demo": True,
                "demo_name": spec.name,
                "hemisphere": spec.hemisphere,
                "region_code": spec.region[0],
                "region_name": spec.region[1],
                "subregion_code": spec.subregion[0],
                "subregion_name": spec.subregion[1],
            },
        )
        users = {}
        for role in (Membership.Role.COORDINATOR, Membership.Role.CONTRIBUTOR):
            username = f"demo-{spec.code.lower()}-{role}"
            user = User.objects.create_user(
                username, password=DEMO_PASSWORD, first_name=f"{spec.name.split()[0]} {role}"
            )
            people.set_display_name(
                user, f"{spec.name.split()[0]} {Membership.Role(role).label.lower()}"
            )
            people.language_set(user, spec.language)
            Membership.objects.create(user=user, country=country, role=role)
            users[role] = user
            logins.append((username, str(Membership.Role(role).label), spec.name, spec.language))
        pinned = previous if spec.code == ON_PREVIOUS_VERSIONS else None
        for index, cycle in enumerate(CYCLES):
            assessment = services.assessment_start(
                country=country,
                cycle=cycle,
                user=users[Membership.Role.COORDINATOR],
                versions=pinned,
            )
            latest = index == len(CYCLES) - 1
            # The latest cycle of the first country is left half answered, to show a draft.
            _answer(
                assessment,
                spec,
                index,
                users[Membership.Role.CONTRIBUTOR],
                complete=not (latest and spec is COUNTRIES[0]),
            )
            # Earlier cycles are validated; of the latest, Belmora's is submitted, the rest are
            # drafts whose contributor is assigned two sections. Dunmark shares aggregates only.
            assessment.sharing = spec.sharing
            assessment.language = spec.language
            if not latest:
                assessment.status = Assessment.Status.VALIDATED
            elif spec.code == "XB":
                assessment.status = Assessment.Status.SUBMITTED
            else:
                Assignment.objects.bulk_create(
                    Assignment(
                        assessment=assessment,
                        user=users[Membership.Role.CONTRIBUTOR],
                        section=section,
                    )
                    for section in ("D2", LEGISLATION_SECTION)
                )
            assessment.save(update_fields=["status", "sharing", "language"])
            if latest:
                with translation.override(spec.language):  # proposed in the working language
                    _plan(assessment, users[Membership.Role.COORDINATOR], spec.language)
    for role, superuser in ((Membership.Role.ANALYST, False), (Membership.Role.ADMIN, True)):
        username = f"demo-secretariat-{role}"
        user = User.objects.create_user(
            username, password=DEMO_PASSWORD, is_staff=superuser, is_superuser=superuser
        )
        people.set_display_name(user, str(Membership.Role(role).label))
        Membership.objects.create(user=user, role=role)
        logins.append((username, str(Membership.Role(role).label), "—", ""))
    return logins
