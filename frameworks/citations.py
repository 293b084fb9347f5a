"""Public citations for framework rows already loaded from version 2 of the files (issue 23).

Version 2 of the three framework files cited our working notes as sources ("shared/reference/
mnr.md, capability 1 (our paraphrase …)", line numbers of our plain-text copy of the report,
"Our elaboration, not the report's"). Version 3 cites the public documents instead, but an
assessment keeps the version it started on, and a submitted or validated one cannot move: its
pages would go on showing the notes. `public_citations` rewrites, in the rows already loaded,
only those citations and references, into the words version 3 uses (so their translations
apply); no question, level, code or rule changes, so the answers keep their meaning. It is run
once by migration 0002 and is idempotent.
"""

from __future__ import annotations

import re
from typing import Any

# A capability's or domain's source in version 2, and its public form in version 3.
CAPABILITY = re.compile(r"^shared/reference/mnr\.md, capability (\d+) \(.*$")
DOMAIN = re.compile(r"^shared/reference/mnr\.md, (.+) domain \(.*$")
CAPABILITY_SOURCE = (
    "WePROTECT Global Alliance, Model National Response, the alliance's published list of "
    "capabilities, capability {}"
)
DOMAIN_SOURCE = (
    "WePROTECT Global Alliance, Model National Response, the alliance's published outcome "
    "statements, {} domain"
)
# Line references of our plain-text copy: " (GTA L932)", " (L771)", ", L926", "(L105-L112: ".
LINE_REFERENCES = (
    # The specific ones first: the generic ones below would leave "(Definitions and scope)".
    (re.compile(r" \(Definitions and scope, L101\)"), ""),
    (re.compile(r" \(section 07, L732\)"), ""),
    (re.compile(r"\(section 09, L918\)"), "(section 09, Forward look)"),
    (
        re.compile(r"\(L105-L112: the report endorses the Convention's scope"),
        "(the report endorses the Lanzarote Convention's scope",
    ),
    (re.compile(r" \((?:GTA )?L\d+(?:-L\d+)?\)"), ""),
    (re.compile(r", L\d+(?:-L\d+)?"), ""),
    (
        re.compile(r"Our elaboration, not the report's: check "),
        "Beyond the report, this tool suggests checking ",
    ),
)
# Whole texts of version 2 whose version 3 wording is not a matter of removing references.
REPLACED = {
    (
        "Global Threat Assessment 2019, Definitions and scope (L101) and section 07 "
        "(L732); our further question"
    ): (
        "Global Threat Assessment 2019, Definitions and scope and section 07; a further "
        "question of this tool"
    ),
    (
        "Answer yes when the law makes offences related to CSAM offences; cite the "
        "sections. This overlaps with ICMEC criteria 1-4. Our elaboration, not the "
        "report's: check producing, offering, distributing, obtaining, possessing and "
        "knowingly accessing the material."
    ): (
        "Answer yes when the law makes offences related to CSAM offences; cite the "
        "sections. This overlaps with ICMEC criteria 1-4. Beyond the report, this tool "
        "suggests checking that producing, offering, distributing, obtaining, possessing "
        "and knowingly accessing the material are all offences."
    ),
    (
        "Lower sentences for remote offenders are an inconsistency the report names "
        "(L758); analysing it informs new policy as R04 asks."
    ): (
        "Lower sentences for remote offenders are an inconsistency the report names in "
        "section 07; analysing it informs new policy as R04 asks."
    ),
    (
        "R11 asks law enforcement to share advanced technologies and investigative "
        "techniques to improve victim identification (GTA L936); image databases such as "
        "ICSE are one such shared tool."
    ): (
        "R11 asks law enforcement agencies to share advanced technologies and "
        "investigative techniques to improve victim identification; image databases such "
        "as ICSE are one such shared tool."
    ),
}


def public(text: str) -> str:
    """`text` as version 3 words it, where version 2 cited a working note."""
    if text in REPLACED:
        return REPLACED[text]
    if m := CAPABILITY.match(text):
        return CAPABILITY_SOURCE.format(m.group(1))
    if m := DOMAIN.match(text):
        return DOMAIN_SOURCE.format(m.group(1))
    for pattern, replacement in LINE_REFERENCES:
        text = pattern.sub(replacement, text)
    return text


def _links(links: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**link, "reason": public(link["reason"])} for link in links]


def public_citations(models: dict[str, Any], notes: dict[str, str]) -> int:
    """Rewrite the citations of every loaded row; `notes` maps a version-2 note to its
    public version-3 wording. Returns the number of rows changed. `models` holds the model
    classes (a migration passes its historical ones)."""
    changed = 0

    def save(row: Any, fields: dict[str, Any]) -> None:
        nonlocal changed
        updates = {k: v for k, v in fields.items() if getattr(row, k) != v}
        if updates:
            type(row).objects.filter(pk=row.pk).update(**updates)
            changed += 1

    for v in models["FrameworkVersion"].objects.all():
        rules = dict(v.rules)
        if "weighting" in rules:
            weighting = rules["weighting"]
            rules["weighting"] = {**weighting, "reason": public(weighting["reason"])}
        save(v, {"source": public(v.source), "note": notes.get(v.note, v.note), "rules": rules})
    for d in models["Domain"].objects.all():
        save(d, {"source": public(d.source)})
    for c in models["Capability"].objects.all():
        links = _links(c.recommendation_links)
        save(c, {"source": public(c.source), "recommendation_links": links})
    for cr in models["Criterion"].objects.all():
        save(
            cr,
            {
                "source": public(cr.source),
                "guidance": public(cr.guidance),
                "question": public(cr.question),
                "name": public(cr.name),
                "recommendation_links": _links(cr.recommendation_links),
            },
        )
    for r in models["Recommendation"].objects.all():
        save(r, {"source": public(r.source)})
    return changed
