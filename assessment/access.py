"""Who may see and change what. Every view asks here; templates only mirror the answers.

- country coordinator: reads own country's assessments; changes every section while editable,
  the team, the assignments and the submission.
- country contributor: reads own country's assessments; changes assigned sections while editable.
- secretariat analyst: reads submitted/validated assessments of a country and cycle shared by
  name; changes nothing. The cycle's choice, not the revision's: the latest submitted revision's
  choice governs every revision of its cycle (`AssessmentQuerySet.with_cycle_sharing`).
- secretariat admin: reads submitted/validated assessments (to validate them); validates/returns.

Anything else is a 404 (so another country's assessment is not even confirmed to exist), and a
read-only object asked to change is a 403.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from .compiled import CompiledLookup, CompiledQuery
from .models import Assessment, Assignment, Country, Membership

Visitor = User | AnonymousUser
Role = Membership.Role


# The SQL of `user.membership`, compiled once per process: compiling it took twice as long as
# running it, on every page (issue 27).
_MEMBERSHIP = CompiledQuery(Membership.objects.filter(user=-7).order_by(), -7)


def membership_of(user: Visitor) -> Membership | None:
    """The user's membership, or None. Read once per request and kept on the user, where
    `user.membership` finds it (None: it raises `DoesNotExist`, as Django's own read does)."""
    if not user.is_authenticated:
        return None
    related = User.membership.related
    if not related.is_cached(user):
        found = _MEMBERSHIP.run(user.pk)
        related.set_cached_value(user, found[0] if found else None)
        if found:
            Membership.user.field.set_cached_value(found[0], user)
    try:
        return user.membership
    except Membership.DoesNotExist:
        return None


def is_team_member(m: Membership | None, country_id: str) -> bool:
    return m is not None and m.is_country_member and m.country_id == country_id


def is_coordinator(m: Membership | None, country_id: str) -> bool:
    return is_team_member(m, country_id) and m.role == Role.COORDINATOR  # type: ignore[union-attr]


def is_secretariat_admin(m: Membership | None) -> bool:
    return m is not None and m.role == Role.ADMIN


def may_read(m: Membership | None, a: Assessment) -> bool:
    if m is None:
        return False
    if m.is_country_member:
        return m.country_id == a.country_id
    if a.status not in Assessment.SEEN_BY_SECRETARIAT:
        return False  # drafts and returned assessments are the country's own
    if m.role == Role.ADMIN:
        return True
    return cycle_sharing(a) == Assessment.Sharing.NAMED


def cycle_sharing(a: Assessment) -> str:
    """How `a`'s country shares `a`'s cycle: read from the row when it was loaded
    `with_cycle_sharing()` (every loader here does), else asked (one query)."""
    known = getattr(a, "cycle_sharing", None)
    if known is not None:
        return str(known)
    fresh = Assessment.objects.with_cycle_sharing().only("pk").get(pk=a.pk)
    return str(fresh.cycle_sharing)  # type: ignore[attr-defined]  # the annotation


def editable_sections(m: Membership | None, a: Assessment) -> frozenset[str]:
    """The sections `m` may change now: domain codes and/or "legislation" (1 query at most)."""
    if not is_team_member(m, a.country_id) or not a.is_editable:
        return frozenset()
    if m.role == Role.COORDINATOR:  # type: ignore[union-attr]
        from .frameworks_cache import mnr_tree  # the version's tree is cached: no query

        return frozenset(mnr_tree(a.mnr_version).section_codes)
    return frozenset(
        Assignment.objects.filter(assessment=a, user=m.user_id).values_list(  # type: ignore[union-attr]
            "section", flat=True
        )
    )


def may_comment(m: Membership | None, a: Assessment) -> bool:
    return is_team_member(m, a.country_id) and a.status != Assessment.Status.VALIDATED


def may_manage_team(m: Membership | None, country: Country | None) -> bool:
    return country is not None and is_coordinator(m, country.pk)


def may_submit(m: Membership | None, a: Assessment) -> bool:
    return is_coordinator(m, a.country_id) and a.is_editable


def may_set_language(m: Membership | None, a: Assessment) -> bool:
    """The working language only chooses the exports' language, so the coordinator may change
    it in any state."""
    return is_coordinator(m, a.country_id)


def may_review(m: Membership | None, a: Assessment) -> bool:
    return is_secretariat_admin(m) and a.status == Assessment.Status.SUBMITTED


def may_reopen(m: Membership | None, a: Assessment) -> bool:
    return is_coordinator(m, a.country_id) and a.status == Assessment.Status.VALIDATED


def may_plan(m: Membership | None, a: Assessment) -> bool:
    """The action plan is the team's working document: it stays editable after validation,
    so the team can record progress on its actions."""
    return is_team_member(m, a.country_id)


def may_set_targets(m: Membership | None, a: Assessment) -> bool:
    return is_coordinator(m, a.country_id) and a.is_editable


def may_see_log(m: Membership | None, a: Assessment) -> bool:
    return is_coordinator(m, a.country_id) or (is_secretariat_admin(m) and may_read(m, a))


def may_start(m: Membership | None, country: Country | None) -> bool:
    return country is not None and is_coordinator(m, country.pk)


# Built once: every assessment page starts here, and building the cycle-sharing subquery cost
# a third of a millisecond each time (issue 27). A queryset is a recipe, not a result.
_READABLE = Assessment.objects.with_cycle_sharing().select_related("country")
# Its SQL compiled once per process too: compiling it cost more than running it.
_BY_UUID = CompiledLookup(_READABLE, "uuid", UUID(int=0), related="country")


def assessment_for(user: Visitor, uuid: UUID) -> Assessment:
    """The assessment if `user` may read it; else 404."""
    assessment = _BY_UUID.get(uuid)
    if assessment is None:
        raise Http404
    from .frameworks_cache import attach_versions

    attach_versions(assessment)
    if not may_read(membership_of(user), assessment):
        raise Http404
    return assessment


def require(allowed: bool, message: str = "") -> None:
    """Turn a `may_*` answer into a 403 for a reader who may not do this."""
    if not allowed:
        raise PermissionDenied(message or _("You may read this but not change it."))


def readable_assessments(user: Visitor) -> list[Assessment]:
    """The assessments `user` lists (home page, API), newest cycle first within each country.

    `may_read` decides for each assessment. The query only narrows the candidates: a country
    member's own country, every revision (the team's own history); for the secretariat one
    row per country and cycle, the revision that represents it (`representing`), so a
    superseded revision is never a second row.
    """
    membership = membership_of(user)
    if membership is None:
        return []
    # The framework versions come from the per-process cache, not from five joins (issue 27:
    # the joins' SQL building was most of the home page).
    candidates = Assessment.objects.select_related("country").order_by(
        "country", "-cycle", "-revision"
    )
    if membership.is_country_member:
        candidates = candidates.with_cycle_sharing().filter(country=membership.country_id)
    else:
        candidates = candidates.representing()
    from .frameworks_cache import attach_versions

    return [attach_versions(a) for a in candidates if may_read(membership, a)]
