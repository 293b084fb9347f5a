"""A read-only browser of the loaded frameworks, for anyone signed in."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from .models import Capability, Domain, FrameworkVersion, Recommendation


def linked_recommendations(links: list[dict[str, str]]) -> list[dict[str, object]]:
    """Resolve {"code", "reason"} links against the latest recommendations version."""
    version = FrameworkVersion.objects.latest_of_kind("recommendations")
    by_code = {r.code: r for r in Recommendation.objects.filter(version=version)} if version else {}
    return [
        {"recommendation": by_code[link["code"]], "reason": link["reason"]}
        for link in links
        if link["code"] in by_code
    ]


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    versions = FrameworkVersion.objects.select_related("framework").order_by(
        "framework__kind", "framework__slug", "-number"
    )
    return render(request, "frameworks/index.html", {"versions": versions})


def _version(slug: str, number: int) -> FrameworkVersion:
    return get_object_or_404(
        FrameworkVersion.objects.select_related("framework"), framework__slug=slug, number=number
    )


@login_required
@require_safe
def version_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version = _version(slug, number)
    context: dict[str, object] = {"version": version}
    if version.kind == "mnr":
        context["domains"] = Domain.objects.filter(version=version).prefetch_related(
            Prefetch("capabilities", queryset=Capability.objects.order_by("number"))
        )
    elif version.kind == "legislation":
        context["criteria"] = [
            {"criterion": c, "links": linked_recommendations(c.recommendation_links)}
            for c in version.criteria.all()
        ]
    else:
        context["recommendations"] = version.recommendations.all()
    return render(request, "frameworks/version.html", context)


@login_required
@require_safe
def capability_detail(request: HttpRequest, slug: str, number: int, code: str) -> HttpResponse:
    version = _version(slug, number)
    capability = get_object_or_404(
        Capability.objects.select_related("domain").prefetch_related("indicators"),
        version=version,
        code=code,
    )
    levels = [
        {**s, "descriptor": capability.level_descriptors[i]}
        for i, s in enumerate(version.rules["scale"])
    ]
    return render(
        request,
        "frameworks/capability.html",
        {
            "version": version,
            "capability": capability,
            "levels": levels,
            "links": linked_recommendations(capability.recommendation_links),
        },
    )
