from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from frameworks.loader import FrameworkLoadError, load_frameworks


class Command(BaseCommand):
    help = (
        "Load or update the framework data files (all of frameworks/data/*.yaml by default). "
        "All files are validated first; if any is invalid, nothing is loaded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", type=Path, help="framework YAML files")

    def handle(self, *args: Any, files: list[Path], **options: Any) -> None:
        try:
            results = load_frameworks(files or None)
        except FrameworkLoadError as exc:
            raise CommandError(
                "Nothing was loaded. Fix these problems and run the command again:\n"
                + "\n".join(f"  {p}" for p in exc.problems)
            ) from exc
        for result in results:
            self.stdout.write(str(result))
