"""Base class for the platform's management commands: errors are one sentence, no traceback."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError, handle_default_options
from django.db import connections


class YiwangCommand(BaseCommand):
    """From the command line a CommandError prints as its sentence alone (no class name, no
    traceback) and exits with its return code; `call_command` still raises it for tests."""

    def run_from_argv(self, argv: list[str]) -> None:
        self._called_from_command_line = True
        parser = self.create_parser(argv[0], argv[1])
        options = parser.parse_args(argv[2:])
        cmd_options = vars(options)
        args = cmd_options.pop("args", ())
        handle_default_options(options)
        try:
            self.execute(*args, **cmd_options)
        except CommandError as exc:
            if options.traceback:
                raise
            self.stderr.write(str(exc))
            sys.exit(exc.returncode)
        finally:
            connections.close_all()
