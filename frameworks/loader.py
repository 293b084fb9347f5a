"""Read, validate and load the framework data files.

Loading is all-or-nothing: every file is parsed and checked (JSON Schema for shape, then the
rules a schema cannot express: unique codes, complete level sets, mappings that resolve) before
anything is written, and the writes happen in one transaction. A file whose content is unchanged
since its framework's latest version is skipped, so loading twice changes nothing; a changed file
becomes a new version and the old version's rows stay for the assessments pinned to it.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, cast

import yaml
from django.db import transaction
from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource

from .models import (
    Capability,
    Criterion,
    Domain,
    Framework,
    FrameworkVersion,
    Indicator,
    Recommendation,
)

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
# Recommendations load first: the other kinds refer to their codes.
KIND_ORDER = {"recommendations": 0, "legislation": 1, "mnr": 2}


@dataclass(frozen=True)
class Problem:
    file: str
    item: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.item}: {self.problem}"


class FrameworkLoadError(Exception):
    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class FrameworkFile:
    path: Path
    doc: dict[str, Any]
    sha256: str

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def kind(self) -> str:
        return str(self.doc["framework"]["kind"])

    @property
    def slug(self) -> str:
        return str(self.doc["framework"]["slug"])


@dataclass
class LoadResult:
    slug: str
    file_name: str
    version: FrameworkVersion
    created: bool
    counts: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        if not self.created:
            return f"{self.slug}: unchanged, version {self.version.number} ({self.file_name})"
        counts = ", ".join(f"{n} {what}" for what, n in self.counts.items())
        return f"{self.slug}: loaded version {self.version.number} from {self.file_name} ({counts})"


@cache
def _validator(kind: str) -> Draft202012Validator:
    resources = []
    for path in SCHEMA_DIR.glob("*.json"):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
    registry: Registry = Registry().with_resources(resources)
    schema = json.loads((SCHEMA_DIR / f"{kind}.json").read_text())
    return Draft202012Validator(schema, registry=registry)


def _item_name(doc: Any, path: Iterable[Any]) -> str:
    """Name the failing item by its codes (`domains D2 > capabilities C05 > levels`)."""
    parts: list[str] = []
    node = doc
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            parts.append(str(step))
            continue
        if isinstance(step, int):
            code = node.get("code") if isinstance(node, dict) else None
            parts[-1] = f"{parts[-1]} {code if code else f'#{step + 1}'}"
        else:
            parts.append(str(step))
    return " > ".join(parts) or "(file)"


def _schema_message(error: ValidationError) -> str:
    if error.validator == "additionalProperties":
        # additionalProperties is checked on an object, against an object schema.
        instance = cast(Mapping[str, Any], error.instance)
        schema = cast(Mapping[str, Any], error.schema)
        unexpected = sorted(set(instance) - set(schema.get("properties", {})))
        return "unknown key " + ", ".join(repr(k) for k in unexpected)
    if error.validator == "required":
        return error.message.replace("is a required property", "is missing")
    return error.message


def read_file(path: Path) -> tuple[FrameworkFile | None, list[Problem]]:
    name = path.name
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return None, [Problem(name, "(file)", f"cannot be read as YAML: {exc}")]
    if not isinstance(raw, dict) or not isinstance(raw.get("framework"), dict):
        return None, [Problem(name, "(file)", "has no 'framework' section")]
    # A JSON round trip turns YAML's integer keys (levels 0..4) into strings and refuses
    # anything JSON cannot hold, so the schema and the stored rows see the same data.
    try:
        doc = json.loads(json.dumps(raw, sort_keys=True))
    except (TypeError, ValueError) as exc:
        return None, [Problem(name, "(file)", f"holds a value that is not plain data: {exc}")]
    kind = doc["framework"].get("kind")
    if kind not in KIND_ORDER:
        return None, [Problem(name, "framework > kind", f"unknown kind {kind!r}")]
    errors = sorted(_validator(kind).iter_errors(doc), key=lambda e: list(e.absolute_path))
    problems = [Problem(name, _item_name(doc, e.absolute_path), _schema_message(e)) for e in errors]
    if problems:
        return None, problems
    # Maintainers' provenance notes are not content: they are dropped here, so they are never
    # stored (nor served by the API, nor shown), and editing one makes no new version.
    doc = _without_provenance(doc)
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    sha = hashlib.sha256(canonical.encode()).hexdigest()
    return FrameworkFile(path=path, doc=doc, sha256=sha), []


def _without_provenance(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_provenance(v) for k, v in node.items() if k != "provenance"}
    if isinstance(node, list):
        return [_without_provenance(v) for v in node]
    return node


def _words(text: str) -> list[str]:
    # "co-ordinate" and "coordinate" are one word spelt two ways.
    return re.sub(r"[^\w]+", " ", text.casefold().replace("-", "")).split()


def only_spelling_differs(old: str, new: str) -> bool:
    """True when `new` is `old` with nothing changed but case, punctuation, spacing or the
    spelling of words (each changed word still close to the one it replaces): the same question.
    Any added, removed or replaced word is a change of question."""
    a, b = _words(old), _words(new)
    if len(a) != len(b):
        return False
    return all(
        x == y or difflib.SequenceMatcher(None, x, y).ratio() >= 0.75
        for x, y in zip(a, b, strict=True)
    )


def check_kept_codes(f: FrameworkFile, previous: Mapping[str, str], number: int) -> list[Problem]:
    """An indicator is answered by its code, and a draft moved to a newer version carries its
    answers by code: a question whose words changed under an old code would inherit answers
    given to another question. So a new version that keeps a code must keep the question,
    unless the item says `meaning_unchanged: true` (a rewording that asks the same thing)."""
    problems = []
    for d in f.doc["domains"]:
        for c in d["capabilities"]:
            for i in c["indicators"]:
                old = previous.get(i["code"])
                if old is None or i.get("meaning_unchanged"):
                    continue
                if only_spelling_differs(old, i["text"]):
                    continue
                problems.append(
                    Problem(
                        f.name,
                        f"indicators {i['code']}",
                        f"keeps the code of version {number} but asks another question "
                        f"(was {old!r}, now {i['text']!r}): give it a new code, or add "
                        "'meaning_unchanged: true' if it asks the same thing in other words",
                    )
                )
    return problems


def _duplicates(codes: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    dupes: list[str] = []
    for code in codes:
        if code in seen and code not in dupes:
            dupes.append(code)
        seen.add(code)
    return dupes


def _check_links(
    f: FrameworkFile, item: str, links: list[dict[str, str]], known: set[str]
) -> list[Problem]:
    return [
        Problem(f.name, item, f"maps to recommendation {link['code']!r}, which does not exist")
        for link in links
        if link["code"] not in known
    ]


def check_mnr(f: FrameworkFile, recommendation_codes: set[str]) -> list[Problem]:
    doc, name = f.doc, f.name
    problems: list[Problem] = []
    levels = [s["level"] for s in doc["scale"]]
    if levels != list(range(len(levels))):
        problems.append(Problem(name, "scale", "levels must run 0, 1, 2, … without gaps"))
    level_keys = {str(level) for level in levels}
    if doc["scoring"]["default_target"] not in levels:
        problems.append(Problem(name, "scoring > default_target", "is not a level of the scale"))
    capabilities = [c for d in doc["domains"] for c in d["capabilities"]]
    informed = doc["scoring"].get("legislation_capability")
    if informed and informed not in {c["code"] for c in capabilities}:
        problems.append(
            Problem(name, "scoring > legislation_capability", f"{informed!r} is not a capability")
        )
    for code in _duplicates(d["code"] for d in doc["domains"]):
        problems.append(Problem(name, f"domains {code}", "duplicate domain code"))
    for code in _duplicates(c["code"] for c in capabilities):
        problems.append(Problem(name, f"capabilities {code}", "duplicate capability code"))
    for number in _duplicates(str(c["number"]) for c in capabilities):
        problems.append(Problem(name, f"capability number {number}", "duplicate number"))
    indicator_codes = [i["code"] for c in capabilities for i in c["indicators"]]
    for code in _duplicates(indicator_codes):
        problems.append(Problem(name, f"indicators {code}", "duplicate indicator code"))
    for c in capabilities:
        item = f"capabilities {c['code']}"
        for missing in sorted(level_keys - set(c["levels"]), key=int):
            problems.append(Problem(name, f"{item} > levels", f"level {missing} is missing"))
        for extra in sorted(set(c["levels"]) - level_keys, key=int):
            problems.append(Problem(name, f"{item} > levels", f"level {extra} is not on the scale"))
        problems += _check_links(f, item, c.get("recommendations", []), recommendation_codes)
        for i in c["indicators"]:
            if "evidences_level" in i and i["evidences_level"] not in levels:
                problems.append(
                    Problem(name, f"indicators {i['code']}", "evidences a level not on the scale")
                )
    capability_codes = {c["code"] for c in capabilities}
    for code in sorted(set(doc.get("weighting", {}).get("weights", {})) - capability_codes):
        problems.append(Problem(name, "weighting > weights", f"{code!r} is not a capability"))
    return problems


def check_legislation(f: FrameworkFile, recommendation_codes: set[str]) -> list[Problem]:
    doc, name = f.doc, f.name
    problems: list[Problem] = []
    criteria = doc["criteria"]
    further = doc.get("further_questions", [])
    for code in _duplicates([c["code"] for c in criteria] + [q["code"] for q in further]):
        problems.append(Problem(name, f"criteria {code}", "duplicate criterion code"))
    codes = {c["code"] for c in criteria}
    rule = doc["sufficiency"]
    for code in rule["required"]:
        if code not in codes:
            problems.append(
                Problem(name, "sufficiency > required", f"names {code!r}, which is not a criterion")
            )
    if rule["at_least"] > len(criteria):
        problems.append(
            Problem(name, "sufficiency > at_least", "asks for more criteria than there are")
        )
    for item in criteria + further:
        problems += _check_links(
            f, f"criteria {item['code']}", item.get("recommendations", []), recommendation_codes
        )
    return problems


def check_recommendations(f: FrameworkFile) -> list[Problem]:
    return [
        Problem(f.name, f"recommendations {code}", "duplicate recommendation code")
        for code in _duplicates(r["code"] for r in f.doc["recommendations"])
    ]


def _latest(slug: str) -> FrameworkVersion | None:
    return FrameworkVersion.objects.filter(framework__slug=slug).order_by("-number").first()


def check_files(files: Sequence[FrameworkFile]) -> list[Problem]:
    problems: list[Problem] = []
    slugs: dict[str, str] = {}
    for f in files:
        if f.slug in slugs:
            problems.append(
                Problem(
                    f.name, "framework > slug", f"{f.slug!r} is also defined in {slugs[f.slug]}"
                )
            )
        slugs[f.slug] = f.name
        existing = Framework.objects.filter(slug=f.slug).first()
        if existing and existing.kind != f.kind:
            problems.append(
                Problem(f.name, "framework > kind", f"{f.slug!r} is already a {existing.kind}")
            )
    recs = [f for f in files if f.kind == "recommendations"]
    if recs:
        known = {r["code"] for f in recs for r in f.doc["recommendations"]}
    else:
        latest = FrameworkVersion.objects.latest_of_kind("recommendations")
        known = set(latest.recommendations.values_list("code", flat=True)) if latest else set()
    for f in files:
        if f.kind == "recommendations":
            problems += check_recommendations(f)
        elif f.kind == "mnr":
            problems += check_mnr(f, known)
        else:
            problems += check_legislation(f, known)
    return problems


def _create_version(f: FrameworkFile, number: int, framework: Framework) -> FrameworkVersion:
    meta = f.doc["framework"]
    rules: dict[str, Any] = {}
    if f.kind == "mnr":
        rules = {"scale": f.doc["scale"], "scoring": f.doc["scoring"]}
        # Kept only when the file has them, so an older version's rules stay exactly as loaded.
        if "weighting" in f.doc:
            rules["weighting"] = f.doc["weighting"]
        levels = {
            i["code"]: i["evidences_level"]
            for d in f.doc["domains"]
            for c in d["capabilities"]
            for i in c["indicators"]
            if "evidences_level" in i
        }
        if levels:
            rules["indicator_levels"] = levels
    elif f.kind == "legislation":
        rules = {"sufficiency": f.doc["sufficiency"]}
    return FrameworkVersion.objects.create(
        framework=framework,
        number=number,
        title=meta["title"],
        edition=meta["edition"],
        source=meta["source"],
        note=meta.get("note", ""),
        file_name=f.name,
        sha256=f.sha256,
        rules=rules,
    )


def _store_mnr(f: FrameworkFile, version: FrameworkVersion) -> dict[str, int]:
    scale = [str(s["level"]) for s in f.doc["scale"]]
    # A file's weighting block (the product's own priorities) overrides the older per-capability
    # keys; a weight above 1 is what the pages call "weighted higher".
    weights = f.doc.get("weighting", {}).get("weights")
    indicators: list[Indicator] = []
    n_capabilities = 0
    for d_order, d in enumerate(f.doc["domains"], start=1):
        domain = Domain.objects.create(
            version=version,
            code=d["code"],
            order=d_order,
            name=d["name"],
            outcome=d["outcome"],
            source=d["source"],
        )
        for c in d["capabilities"]:
            capability = Capability.objects.create(
                version=version,
                domain=domain,
                code=c["code"],
                number=c["number"],
                name=c["name"],
                summary=c["summary"],
                foundational=(
                    weights.get(c["code"], 1) > 1
                    if weights is not None
                    else c.get("foundational", False)
                ),
                priority_weight=(
                    weights.get(c["code"], 1)
                    if weights is not None
                    else c.get("priority_weight", 1)
                ),
                source=c["source"],
                level_descriptors=[c["levels"][level] for level in scale],
                recommendation_links=c.get("recommendations", []),
            )
            n_capabilities += 1
            indicators += [
                Indicator(capability=capability, code=i["code"], order=order, text=i["text"])
                for order, i in enumerate(c["indicators"], start=1)
            ]
    Indicator.objects.bulk_create(indicators)
    return {
        "domains": len(f.doc["domains"]),
        "capabilities": n_capabilities,
        "indicators": len(indicators),
    }


def _store_legislation(f: FrameworkFile, version: FrameworkVersion) -> dict[str, int]:
    rows = [
        Criterion(
            version=version,
            code=c["code"],
            order=c["number"],
            scored=True,
            name=c["name"],
            question=c["question"],
            guidance=c.get("guidance", ""),
            source=c["source"],
            recommendation_links=c.get("recommendations", []),
        )
        for c in f.doc["criteria"]
    ]
    further = f.doc.get("further_questions", [])
    rows += [
        Criterion(
            version=version,
            code=q["code"],
            order=order,
            scored=False,
            name=q["question"],
            question=q["question"],
            guidance=q.get("guidance", ""),
            source=q["source"],
            recommendation_links=q.get("recommendations", []),
        )
        for order, q in enumerate(further, start=1)
    ]
    Criterion.objects.bulk_create(rows)
    return {"criteria": len(f.doc["criteria"]), "further questions": len(further)}


def _store_recommendations(f: FrameworkFile, version: FrameworkVersion) -> dict[str, int]:
    Recommendation.objects.bulk_create(
        Recommendation(
            version=version,
            code=r["code"],
            order=order,
            actor=r["actor"],
            text=r["text"],
            source=r["source"],
        )
        for order, r in enumerate(f.doc["recommendations"], start=1)
    )
    return {"recommendations": len(f.doc["recommendations"])}


STORE = {
    "mnr": _store_mnr,
    "legislation": _store_legislation,
    "recommendations": _store_recommendations,
}


def default_paths() -> list[Path]:
    from django.conf import settings

    return sorted(Path(settings.FRAMEWORK_DATA_DIR).glob("*.yaml"))


def load_frameworks(paths: Sequence[Path] | None = None) -> list[LoadResult]:
    """Validate every file, then load them all in one transaction, or load nothing."""
    paths = list(paths) if paths is not None else default_paths()
    if not paths:
        raise FrameworkLoadError([Problem("(none)", "(files)", "no framework files given")])
    files: list[FrameworkFile] = []
    problems: list[Problem] = []
    for path in paths:
        f, file_problems = read_file(path)
        problems += file_problems
        if f:
            files.append(f)
    if problems:
        raise FrameworkLoadError(problems)
    files.sort(key=lambda f: KIND_ORDER[f.kind])
    results: list[LoadResult] = []
    with transaction.atomic():
        problems = check_files(files)
        if problems:
            raise FrameworkLoadError(problems)
        for f in files:
            latest = _latest(f.slug)
            if latest and latest.sha256 == f.sha256:
                results.append(LoadResult(f.slug, f.name, latest, created=False))
                continue
            if latest and f.kind == "mnr":
                # values_list reads the stored English, not the active language's translation.
                previous = dict(
                    Indicator.objects.filter(capability__version=latest).values_list("code", "text")
                )
                problems += check_kept_codes(f, previous, latest.number)
        if problems:
            raise FrameworkLoadError(problems)
        for f in files:
            latest = _latest(f.slug)
            if latest and latest.sha256 == f.sha256:
                continue
            framework, _ = Framework.objects.get_or_create(slug=f.slug, defaults={"kind": f.kind})
            version = _create_version(f, (latest.number + 1) if latest else 1, framework)
            counts = STORE[f.kind](f, version)
            results.append(LoadResult(f.slug, f.name, version, created=True, counts=counts))
        position = {f.slug: n for n, f in enumerate(files)}
        results.sort(key=lambda r: position[r.slug])
    from assessment.frameworks_cache import clear_framework_cache

    transaction.on_commit(clear_framework_cache)
    clear_framework_cache()
    return results
