"""Every dependency in pyproject.toml earns its place: something of ours uses it.

A distribution is used when one of its top-level modules (importlib.metadata's
packages_distributions) is imported by a Python file of the project, named in a string of
config/settings.py (INSTALLED_APPS, MIDDLEWARE, backends), loaded by a template
({% load crispy_forms_tags %}), or run as a program by ./run, .ci/run, the Dockerfile or
docker-compose.yml. A few are used through something else, said in IMPLIED below.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {".venv", ".git", "node_modules", "private", "static", "locale", "__pycache__"}
PROGRAM_FILES = ("run", ".ci/run", "Dockerfile", "docker-compose.yml")

# Used without being imported by name: Django loads the driver behind a backend named in the
# settings or picked by a DATABASE_URL (dj-database-url); pytest loads its plugins itself.
IMPLIED: dict[str, tuple[str, ...]] = {
    "psycopg": ("django.db.backends.postgresql", "postgres://"),  # the PostgreSQL engine
    "redis": ("django.core.cache.backends.redis",),  # Django's RedisCache backend
}


def declared() -> list[str]:
    """The distributions in [project].dependencies and the `test` extra, canonical names."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    return [canonicalize_name(Requirement(line).name) for line in lines]


def modules_by_distribution() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for module, dists in metadata.packages_distributions().items():
        for dist in dists:
            found.setdefault(canonicalize_name(dist), set()).add(module)
    return found


def project_files(pattern: str) -> Iterable[Path]:
    for path in ROOT.rglob(pattern):
        if not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts):
            yield path


def imported_modules() -> set[str]:
    """Top-level names of every module imported by the project's Python files."""
    names: set[str] = set()
    for path in project_files("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names


def settings_strings() -> set[str]:
    """Every dotted string in config/settings.py (apps, middleware, backends, classes)."""
    tree = ast.parse((ROOT / "config" / "settings.py").read_text())
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"[A-Za-z_][\w.]*", node.value)
    }


def template_libraries() -> set[str]:
    """The modules behind every {% load %} in the templates."""
    from django.template.backends.django import get_installed_libraries

    libraries = get_installed_libraries()  # {"crispy_forms_tags": "crispy_forms.templatetags…"}
    names: set[str] = set()
    for path in project_files("*.html"):
        for match in re.finditer(r"{%\s*load\s+(.+?)\s*%}", path.read_text()):
            for library in match.group(1).split():
                if library in libraries:
                    names.add(libraries[library])
    return names


def program_text() -> str:
    return "\n".join((ROOT / name).read_text() for name in PROGRAM_FILES if (ROOT / name).exists())


def tool_plugins() -> set[str]:
    """Modules named as plugins in pyproject.toml's tool sections (mypy's Django plugin)."""
    tools = tomllib.loads((ROOT / "pyproject.toml").read_text()).get("tool", {})
    return {plugin for tool in tools.values() for plugin in tool.get("plugins", [])}


def used_names() -> set[str]:
    """Top-level module names our code, settings, templates and scripts use."""
    dotted = settings_strings() | template_libraries() | tool_plugins()
    scripts = program_text()
    names = imported_modules() | {s.split(".")[0] for s in dotted}
    names |= set(re.findall(r"[\w.-]+", scripts))
    names |= {
        dist
        for dist, markers in IMPLIED.items()
        if any(marker in s for marker in markers for s in [*dotted, scripts])
    }
    return names


def unused(
    dependencies: Iterable[str],
    modules: Mapping[str, set[str]],
    used: set[str],
    plugins: set[str],
) -> list[str]:
    """The dependencies none of whose modules is used. A pytest plugin counts as used when
    pytest is, a stubs package (yaml-stubs) when mypy runs and the module it types (yaml) is
    imported; a distribution that is not installed has no modules and so is unused."""
    left = []
    for dist in dependencies:
        if dist in plugins and "pytest" in used:
            continue
        provided = set(modules.get(dist, set()))
        if "mypy" in used:
            provided |= {m.removesuffix("-stubs") for m in provided}
        if not provided & used and dist not in used:
            left.append(dist)
    return left


def plugin_distributions() -> set[str]:
    return {
        canonicalize_name(point.dist.name)
        for point in metadata.entry_points(group="pytest11")
        if point.dist is not None
    }


def test_every_declared_dependency_is_used() -> None:
    left = unused(declared(), modules_by_distribution(), used_names(), plugin_distributions())
    assert not left, f"declared in pyproject.toml and used nowhere: {left}"


def test_a_dependency_nobody_uses_is_caught() -> None:
    # The check itself, on the real project plus a made-up package nothing imports.
    modules = {**modules_by_distribution(), "left-pad-nowhere": {"left_pad_nowhere"}}
    left = unused(
        [*declared(), "left-pad-nowhere", "not-installed-at-all"],
        modules,
        used_names(),
        plugin_distributions(),
    )
    assert left[-2:] == ["left-pad-nowhere", "not-installed-at-all"]


def test_the_walk_counts_each_kind_of_use() -> None:
    used = used_names()
    assert "weasyprint" in used  # imported
    assert "crispy_bootstrap5" in used  # INSTALLED_APPS
    assert "gunicorn" in used  # run by the Dockerfile and .ci/run
    assert "ruff" in used  # run by ./run test
    assert "pytest-django" in plugin_distributions()
    assert "mypy_django_plugin" in used  # pyproject.toml's [tool.mypy] plugins


def test_stubs_count_only_when_mypy_runs_and_the_module_is_imported() -> None:
    modules = {"types-pyyaml": {"yaml-stubs"}, "types-nothing": {"nothing-stubs"}}
    dists = ["types-pyyaml", "types-nothing"]
    assert unused(dists, modules, {"yaml", "mypy"}, set()) == ["types-nothing"]
    assert unused(dists, modules, {"yaml"}, set()) == dists
