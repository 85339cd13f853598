"""``manage.py invoca_sandbox``: serve the Invoca sandbox on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sandbox.cli import add_arguments, bind, run


class Command(BaseCommand):
    help = (
        "Run a stand-alone Invoca-compatible API server on 127.0.0.1 with seeded data "
        "(for the demo, tests and benchmarks). -v 2 logs every request."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: Any) -> None:
        add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            server = bind(options, verbose=options["verbosity"] >= 2)
        except OSError as exc:
            raise CommandError(
                f"cannot listen on 127.0.0.1:{options['port']}: {exc.strerror}"
            ) from exc
        run(server, self.stdout)
        self.stdout.write("Invoca sandbox stopped.")
