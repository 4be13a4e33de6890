"""A management command that says who ran it: `--as USERNAME`, else the OS user (see audit.context)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from audit.context import command_context


class AuditedCommand(BaseCommand):
    """Base for commands that change or read records: everything they write names the run."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--as",
            dest="as_user",
            metavar="USERNAME",
            default="",
            help="The member of staff responsible for this run (recorded as the actor). "
            "Without it the run is recorded as system:<OS user>.",
        )
        return parser

    @property
    def command_name(self) -> str:
        return self.__class__.__module__.rsplit(".", 1)[-1]

    def execute(self, *args, **options):
        user = None
        username = options.get("as_user") or ""
        if username:
            user = get_user_model().objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"--as {username}: no active user with that username.")
        self.actor = user
        with command_context(name=self.command_name, user=user) as run:
            self.run = run
            return super().execute(*args, **options)
