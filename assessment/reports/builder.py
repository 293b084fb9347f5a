"""Build the action-plan Report from the database, once, for every renderer."""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.people import display_name

from .. import evidence as evidence_files
from .. import frameworks_cache, plan
from ..models import Action, Assessment, Comment, EvidenceFile
from .data import ActionRow, EvidenceRow, Report


def _kind(content_type: str) -> str:
    """A file type as a reader names it."""
    kinds = {
        evidence_files.PDF: _("PDF"),
        evidence_files.DOCX: _("Word document"),
        evidence_files.XLSX: _("Spreadsheet"),
        evidence_files.ODT: _("Text document"),
        evidence_files.PNG: _("Image (PNG)"),
        evidence_files.JPEG: _("Image (JPEG)"),
    }
    return str(kinds.get(content_type, content_type))


def priority_rule(analysis: plan.GapAnalysis, foundational: list[str], reason: str = "") -> str:
    """The ordering rule as the report states it. The higher weights are this product's own
    (the MNR marks no capability as foundational), so the text says so, with the data file's
    reason when the framework version gives one."""
    text = _(
        "Gaps are listed in the order to act on them. First come the capabilities this product "
        "weights higher (%(names)s; the weighting is ours, not the framework's) and the "
        "legislative criteria, which belong to the Legislation capability; then larger gaps "
        "(target minus current level) before smaller ones; then the order of the domains. A "
        "capability answered “don't know” is a “find out” gap counted at its full target, "
        "because its level is unknown. The default target is level %(target)s; the coordinator "
        "may raise a target, with a reason."
    ) % {"names": ", ".join(foundational), "target": analysis.default_target}
    return f"{text} {reason}" if reason else text


def report_language(assessment: Assessment, requested: str | None) -> str:
    """The language an export is made in: the one asked for (`?lang=`) when it is one of the
    app's, else the assessment's working language."""
    from django.conf import settings

    return requested if requested in dict(settings.LANGUAGES) else assessment.language


def export_languages_offered(
    assessment: Assessment, requested: str | None, reader: str
) -> list[tuple[str, str]]:
    """(code, name in that language) of each set of export buttons the plan page shows: the
    language chosen (`?lang=`, else the working language), then the reader's own when it
    differs (issue 24: an English reader pressing "Action plan (PDF)" got Arabic)."""
    from django.conf import settings
    from django.utils.translation import get_language_info

    first = report_language(assessment, requested)
    known = {code for code, _name in settings.LANGUAGES}
    codes = [first] + ([reader] if reader != first and reader in known else [])
    return [(code, get_language_info(code)["name_local"]) for code in codes]


def build_report(assessment: Assessment, language: str) -> Report:
    with translation.override(language):
        # The framework versions as read in the report's language (the page that asked for
        # the export may be in another).
        frameworks_cache.attach_versions(assessment)
        analysis = plan.gap_analysis(assessment)
        tree = frameworks_cache.mnr_tree(assessment.mnr_version)
        today = timezone.localdate()
        item_names = {c.pk: f"{c.number}. {c.name}" for c in tree.capabilities}
        actions: list[ActionRow] = []
        for a in Action.objects.filter(assessment=assessment).select_related("criterion"):
            if a.capability_id:
                item = item_names.get(a.capability_id, "")
            elif a.criterion is not None:  # select_related: no query
                item = _("Legislation: %(name)s") % {"name": a.criterion.name}
            else:
                item = ""
            actions.append(
                ActionRow(
                    position=len(actions) + 1,
                    title=a.title,
                    description=a.description,
                    item=item,
                    recommendations=tuple(a.recommendations),
                    lead_agency=a.lead_agency,
                    supporting_agencies=a.supporting_agencies,
                    start_date=a.start_date,
                    due_date=a.due_date,
                    status=a.status,
                    status_label=str(a.get_status_display()),
                    priority=a.priority,
                    overdue=a.is_overdue(today),
                )
            )
        comments = tuple(
            (
                item_names.get(c.capability_id, ""),
                display_name(c.author) or "—",  # names, not usernames (issue 16)
                c.text,
            )
            for c in Comment.objects.filter(assessment=assessment).select_related("author__profile")
        )
        order = {c.pk: i for i, c in enumerate(tree.capabilities)}
        files = sorted(
            EvidenceFile.objects.filter(assessment=assessment).select_related(
                "uploaded_by__profile"
            ),
            key=lambda f: (order.get(f.capability_id, len(order)), f.uploaded_at, f.pk),
        )
        evidence = tuple(
            EvidenceRow(
                capability=item_names.get(f.capability_id, ""),
                name=f.original_name,
                kind=_kind(f.content_type),
                uploaded_on=timezone.localdate(f.uploaded_at),
                uploaded_by=display_name(f.uploaded_by) or "—",
            )
            for f in files
        )
        return Report(
            country_name=assessment.country.name,
            cycle=assessment.cycle,
            revision=assessment.revision,
            status_label=str(assessment.get_status_display()),
            is_demo=assessment.country.is_demo,
            generated_on=today,
            language=language,
            scores=analysis.scores,
            target_default=analysis.default_target,
            gaps=tuple(analysis.gaps),
            actions=tuple(actions),
            priority_rule=priority_rule(
                analysis,
                [c.name for c in tree.capabilities if c.foundational],
                assessment.mnr_version.rules.get("weighting", {}).get("reason", ""),
            ),
            scale=tuple((s["level"], s["name"], s["meaning"]) for s in tree.scale),
            sources=(
                assessment.mnr_version.source,
                assessment.legislation_version.source,
                assessment.recommendations_version.source,
            ),
            comments=comments,
            evidence=evidence,
        )
