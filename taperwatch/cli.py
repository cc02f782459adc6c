"""Taperwatch: inpatient benzodiazepine taper monitoring. docs/commands.md describes each
command."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from pydantic import ValidationError as PydanticValidationError

from taperwatch import backup_cmd, fhir_cmd, sources_cmd, taper_cmd

if TYPE_CHECKING:
    from dash import Dash
    from sqlalchemy import Engine

    from models.audit import Actor
    from models.settings import Settings

Handler = Callable[[argparse.Namespace], int]


def _fail(message: str) -> int:
    print(f"taperwatch: error: {message}", file=sys.stderr)
    return 2


def cmd_serve(args: argparse.Namespace) -> int:
    from dashboard.app import create_app
    from models.db import get_engine
    from models.migrate import upgrade
    from models.settings import get_settings

    settings = get_settings()
    engine = get_engine(settings.database_url)
    upgrade(engine)
    app = create_app(settings, engine)
    start_jobs_in_process(settings, engine)
    serve_app(app, host=args.host, port=args.port, threads=args.threads)
    return 0


def start_jobs_in_process(settings: Settings, engine: Engine) -> bool:
    """Start the review jobs on a thread of this process when the settings ask for it (SQLite's
    default: one process). A jobs package that cannot be imported fails the start, loudly: a ward
    served without its review jobs would see no flags at all."""
    in_process = settings.scheduler_in_process
    if in_process is None:
        in_process = settings.is_sqlite
    if not in_process:
        return False
    from jobs.service import start_in_process_scheduler

    start_in_process_scheduler(engine)
    return True


def web_server(app: Dash, *, host: str, port: int, threads: int) -> Any:
    """waitress: a multi-threaded WSGI server that runs anywhere Python does (gunicorn stays
    the choice for a hospital: README "Running it for a hospital"). Port 0: any free port
    (``.effective_port``)."""
    from waitress import create_server

    from dashboard.app import warm_up
    from dashboard.security import MAX_REQUEST_BYTES

    warm_up(app)
    return create_server(
        app.server,
        host=host,
        port=port,
        threads=threads,
        asyncore_use_poll=True,
        max_request_body_size=MAX_REQUEST_BYTES,
    )


def serve_app(app: Dash, *, host: str, port: int, threads: int) -> None:
    server = web_server(app, host=host, port=port, threads=threads)
    print(f"Taperwatch on http://{host}:{port}/ (waitress, {threads} threads)", flush=True)
    server.run()


def cmd_db(args: argparse.Namespace) -> int:
    from models.db import get_engine
    from models.migrate import current_revision, upgrade

    if args.db_command in ("backup", "restore"):
        return backup_cmd.run(args)
    engine = get_engine()
    if args.db_command == "upgrade":
        upgrade(engine)
        print(f"database at revision {current_revision(engine)}")
        return 0
    return _fail(f"unknown db command {args.db_command!r}")


def cmd_seed(args: argparse.Namespace) -> int:
    from models.db import get_engine
    from models.migrate import upgrade
    from seed_data.demo import DEMO_USERS, seed_demo

    engine = get_engine()
    upgrade(engine)
    summary = seed_demo(engine)
    print(summary)
    print("Demo users (username / password / role):")
    for user in DEMO_USERS:
        print(f"  {user.username:<12} {user.password:<22} {user.role}")
    return 0


def _new_password(args: argparse.Namespace) -> str | None:
    """The password from --password, a line of stdin when it is not a terminal, or typed twice
    (None if the two differ)."""
    if args.password:
        return str(args.password)
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Again: "):
        return None
    return password


def cmd_user(args: argparse.Namespace) -> int:
    from models.errors import FieldError

    commands = {
        "add": _user_add,
        "passwd": _user_passwd,
        "role": _user_role,
        "language": _user_language,
    }
    try:
        return commands[args.user_command](args)
    except FieldError as exc:
        return _fail(str(exc))


def _cli_actor() -> Actor:
    from models.audit import Actor

    return Actor(user_id=None, username="cli", role="system")  # the operator at the console


def _user_add(args: argparse.Namespace) -> int:
    from models.db import get_engine, transaction
    from models.users import create_user

    password = _new_password(args)
    if password is None:
        return _fail("the passwords differ")
    actor = _cli_actor()
    with transaction(get_engine()) as session:
        user = create_user(
            session=session,
            actor=actor,
            username=args.name,
            display_name=args.display_name or args.name,
            role=args.role,
            password=password,
            language=args.language,
        )
    print(f"created {user.role} {user.username} ({user.language})")
    return 0


def _user_id(name: str) -> int | None:
    from sqlmodel import select

    from models.db import get_engine, read_session
    from models.tables import User

    with read_session(get_engine()) as session:
        found = session.exec(select(User.id).where(User.username == name.strip().lower()))
        return found.first()


def _user_passwd(args: argparse.Namespace) -> int:
    from models.db import get_engine, transaction
    from models.types import utcnow
    from models.users import set_password

    user_id = _user_id(args.name)
    if user_id is None:  # before asking for a password nobody will use
        return _fail(f"no user {args.name!r}")
    password = _new_password(args)
    if password is None:
        return _fail("the passwords differ")
    actor = _cli_actor()
    with transaction(get_engine()) as session:
        user = set_password(
            session=session, actor=actor, user_id=user_id, password=password, now=utcnow()
        )
    print(f"password set for {user.username}; any sign-in lockout is lifted")
    return 0


def _user_role(args: argparse.Namespace) -> int:
    from models.db import get_engine, transaction
    from models.types import utcnow
    from models.users import set_role

    user_id = _user_id(args.name)
    if user_id is None:
        return _fail(f"no user {args.name!r}")
    actor = _cli_actor()
    with transaction(get_engine()) as session:
        user = set_role(session=session, actor=actor, user_id=user_id, role=args.role, now=utcnow())
    print(f"{user.username} is now {user.role}")
    return 0


def _user_language(args: argparse.Namespace) -> int:
    from models.db import get_engine, transaction
    from models.types import utcnow
    from models.users import set_language

    user_id = _user_id(args.name)
    if user_id is None:
        return _fail(f"no user {args.name!r}")
    actor = _cli_actor()
    with transaction(get_engine()) as session:
        user = set_language(
            session=session, actor=actor, user_id=user_id, language=args.language, now=utcnow()
        )
    print(f"{user.username} now reads Taperwatch in {user.language}")
    return 0


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Handler]]:
    parser = _OneLineParser(prog="taperwatch", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)
    handlers: dict[str, Handler] = {}

    serve = sub.add_parser("serve", help="the web app (with SQLite also the scheduler)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8050)
    serve.add_argument("--threads", type=int, default=8, help="requests served at once")
    handlers["serve"] = cmd_serve

    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("db_command", choices=["upgrade", "backup", "restore"])
    db.add_argument("file", nargs="?", help="backup/restore: the backup file")
    handlers["db"] = cmd_db

    seed = sub.add_parser("seed", help="load data")
    seed.add_argument("what", choices=["demo"])
    handlers["seed"] = cmd_seed

    user = sub.add_parser("user", help="manage users")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help="create a user (asks for a password)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=["nurse", "physician", "admin"])
    add.add_argument("--display-name")
    add.add_argument("--language", help="en or fr (default: the ward's default language)")
    add.add_argument("--password", help=argparse.SUPPRESS)
    passwd = user_sub.add_parser("passwd", help="set a user's password (asks for it)")
    passwd.add_argument("name")
    passwd.add_argument("--password", help=argparse.SUPPRESS)
    role = user_sub.add_parser("role", help="change a user's role")
    role.add_argument("name")
    role.add_argument("role", help="nurse, physician or admin")
    language = user_sub.add_parser("language", help="change the language a user reads")
    language.add_argument("name")
    language.add_argument("language", help="en or fr")
    handlers["user"] = cmd_user

    taper_cmd.register(sub)
    handlers["taper"] = taper_cmd.run
    sources_cmd.register(sub)
    handlers["sources"] = sources_cmd.run

    from jobs import commands as jobs_commands  # `jobs` and `scan`

    handlers.update(jobs_commands.register(sub))
    handlers.update(fhir_cmd.register(sub))  # `export fhir` and `import fhir`
    return parser, handlers


MESSAGE_MAX = 300  # a reason longer than this is cut: never echo a pasted megabyte back


def fail(message: str, status: int = 2) -> int:
    """One line on stderr, ``taperwatch: error: <reason>``, and the exit status."""
    reason = " ".join(message.split())
    if len(reason) > MESSAGE_MAX:
        reason = reason[: MESSAGE_MAX - 1] + "…"
    print(f"taperwatch: error: {reason}", file=sys.stderr)
    return status


class _OneLineParser(argparse.ArgumentParser):
    """argparse's own refusals (an unknown option, a missing value) as one line, status 2."""

    def error(self, message: str) -> NoReturn:
        fail(f"{message} (see {self.prog} --help)")
        raise SystemExit(2)


def _settings_problem(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    found = errors()[0] if callable(errors) and errors() else {}
    message = str(found.get("msg", "")).removeprefix("Value error, ")
    where = ".".join(str(part) for part in found.get("loc", ()))
    setting = f"TAPERWATCH_{where.upper()}: " if where else ""
    return f"settings: {setting}{message or 'invalid'}"


def main(argv: Sequence[str] | None = None) -> int:
    parser, handlers = build_parser()
    args = parser.parse_args(argv)
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``| head``): what it wanted was printed. Point stdout at
        # nothing, so that Python's own flush at exit does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except PydanticValidationError as exc:  # a setting missing or invalid
        return fail(_settings_problem(exc))


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
