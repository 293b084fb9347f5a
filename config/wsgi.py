import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def freeze_long_lived_objects() -> None:
    """Load what every request uses, then keep it out of the garbage collector's full passes.

    The modules, models, URL patterns and templates loaded here live as long as the process.
    Left in the collector's oldest generation, each full pass walks all of them again (some
    130,000 objects, about 0.1 s on the benchmark machine, once every few comparison pages);
    frozen, a pass walks only what requests created (issue 7; bench/run.py measures it)."""
    from django.template.loader import get_template
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every view module)
    for name in ("base.html", "assessment/capability.html", "secretariat/matrix.html"):
        get_template(name)
    gc.freeze()


freeze_long_lived_objects()
