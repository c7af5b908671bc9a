"""The `floodbot` command: a thin layer that loads settings, calls one function and prints.

Exit status: 0 done; 1 a runtime failure; 2 bad usage or config (decided in `main` only).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from telegram.error import InvalidToken, TelegramError

from bot.ops import redact
from bot.settings import ConfigError, Settings, load_settings
from subscribers.db import StoreError, StoreSetupError

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

log = logging.getLogger("floodbot")


class UsageError(Exception):
    """The command line asks for something that cannot be done (exit 2)."""


def _now() -> datetime:
    return datetime.now(UTC)


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    """Create or migrate the database, sync cities, print city-id, invite code and link per city."""
    from bot.cli.init import init_store, removed_cities

    for row in init_store(settings, _now()):
        print(f"{row.city_id}\t{row.code}\t{row.link}")
    for line in removed_cities(settings, _now()):
        print(f"floodbot: {line}", file=sys.stderr)
    return EXIT_OK


def _parse_now(text: str | None) -> datetime:
    if text is None:
        return _now()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--now: {text!r} is not an ISO 8601 time, e.g. 2025-02-25T18:30:00+07:00") from None
    if moment.tzinfo is None:
        raise UsageError(f"--now: {text!r} has no UTC offset; add one, e.g. 2025-02-25T18:30:00+07:00")
    return moment


def cmd_poll(args: argparse.Namespace, settings: Settings) -> int:
    """One poll cycle: print one line (or JSON object) per warning; exit 1 if any feed failed."""
    from bot.pipeline.cycle import poll_cycle
    from subscribers.db import open_db

    if not args.once:
        raise UsageError("poll: add --once for one cycle; `floodbot run` is the scheduled poller")
    now = _parse_now(args.now)
    # A dry run on a database that does not exist yet must not create it.
    dry_memory = args.dry_run and not settings.database.exists()
    db = open_db(memory=True) if dry_memory else open_db(settings.database)
    try:
        # A real cycle queues the messages too; the running bot's worker sends them.
        report = asyncio.run(poll_cycle(settings, db, now, dry_run=args.dry_run))
    finally:
        db.close()
    for item in report.items:
        if args.json:
            print(json.dumps(item.to_json(), ensure_ascii=False), flush=True)
        else:
            print(item.summary_line(), flush=True)
    for failure in report.failures:
        print(f"floodbot: feed {failure.feed}: {failure.error}", file=sys.stderr)
    if report.queued:
        print(f"floodbot: {report.queued} messages queued for delivery", file=sys.stderr)
    return EXIT_FAILURE if report.failures else EXIT_OK


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """The bot, the poller and the delivery worker, until SIGINT/SIGTERM (one instance per database)."""
    from bot.cli.instance import InstanceLockError, instance_lock
    from bot.ops.monitor import MonitoringError
    from bot.cli.run import MissingTokenError, run
    from subscribers.db import require_database

    try:
        require_database(settings.database)
        with instance_lock(settings.database):
            run(settings)
    except (MissingTokenError, InstanceLockError, MonitoringError) as exc:
        raise UsageError(str(exc)) from None
    return EXIT_OK


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    """Validate the config, the database schema, the feeds' URLs and the cities; write nothing."""
    from bot.cli.check import check

    problems, notes = check(settings)
    for line in notes:
        print(line)
    for line in problems:
        print(f"floodbot: {line}", file=sys.stderr)
    return EXIT_USAGE if problems else EXIT_OK


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    """Copy the live database to FILE with SQLite's online backup (safe while the bot runs)."""
    from subscribers.backup import BackupError, backup

    try:
        rows = backup(settings.database, args.file)
    except BackupError as exc:
        raise UsageError(f"backup: {exc}") from None
    print(f"backup: {args.file}: {rows} leaders, checked")
    return EXIT_OK


def cmd_invite(args: argparse.Namespace, settings: Settings) -> int:
    """Print city-id, a new invite code and its link."""
    from bot.cli.shell import AdminCommandError, shell_invite

    try:
        row = shell_invite(settings, args.city, _now())
    except AdminCommandError as exc:
        raise UsageError(f"invite: {exc}") from None
    print(f"{row.city_id}\t{row.code}\t{row.link}")
    return EXIT_OK


def _progress_bar(done: int, total: int, width: int = 30) -> str:
    filled = width * done // total if total else width
    return f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}"


def cmd_broadcast(args: argparse.Namespace, settings: Settings) -> int:
    """Enqueue a notice; with a token, send it now with a progress bar on stderr."""
    from bot.cli.shell import AdminCommandError, shell_broadcast

    def show(progress: Any) -> None:
        print(_progress_bar(progress.done, progress.total), end="", file=sys.stderr, flush=True)

    try:
        notice_id, result, sent = shell_broadcast(settings, None if args.all else args.city, args.text, _now, show)
    except AdminCommandError as exc:
        raise UsageError(f"broadcast: {exc}") from None
    if result.total == 0:
        print(f"notice {notice_id}: no active leaders in those cities; nothing to send")
        return EXIT_OK
    if not sent:
        print(f"notice {notice_id}: queued for {result.total} leaders; the running bot will send it")
        return EXIT_OK
    print(file=sys.stderr)
    print(
        f"notice {notice_id}: delivered {result.delivered}, failed {result.failed}, "
        f"blocked {result.blocked}, pending {result.pending} (of {result.total})"
    )
    if result.pending:
        print(f"notice {notice_id}: {result.pending} to retry; the running bot will send them")
    return EXIT_OK if result.failed == 0 else EXIT_FAILURE


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write one export to stdout or --output."""
    from bot.cli.shell import AdminCommandError, shell_export

    from subscribers.db import create_private_file

    if args.format == "xlsx" and not args.output:
        raise UsageError("export: --format xlsx needs --output FILE.xlsx (a workbook is not text)")
    output = Path(args.output) if args.output else None
    created = output is not None and not output.exists()
    if output is not None:
        try:
            # Exports hold names and chat ids: the file is the owner's only (0600), made before any work.
            if created:
                create_private_file(output)
            else:
                output.chmod(0o600)
        except OSError as exc:
            raise UsageError(f"export: cannot write {output}: {exc.strerror or exc}") from None
    try:
        content = shell_export(settings, args.kind, args.format, output)
    except AdminCommandError as exc:
        if created and output is not None:
            output.unlink()  # no empty file left behind by a refused export
        raise UsageError(f"export: {exc}") from None
    # Text is UTF-8 (not utf-8-sig: the CSV text already starts with its BOM); a workbook is bytes.
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    if args.output:
        with open(args.output, "wb") as out:
            out.write(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return EXIT_OK


def add_admin_commands(add: Callable[..., argparse.ArgumentParser]) -> None:
    """The shell twins of the admin chat commands: invite, broadcast, export."""
    invite = add("invite", cmd_invite, "make a new invite code and link for a city")
    invite.add_argument("city", metavar="CITY", help="city id, e.g. bo-yang")
    broadcast = add("broadcast", cmd_broadcast, "send a notice to the active leaders of some cities or all")
    where = broadcast.add_mutually_exclusive_group(required=True)
    where.add_argument("--city", metavar="ID", action="append", help="a city id (repeat for several)")
    where.add_argument("--all", action="store_true", help="every city")
    broadcast.add_argument("--text", required=True, help="the notice text, as leaders will read it")
    export = add("export", cmd_export, "export reports, deliveries, drills, check-ins or the audit log")
    export.add_argument("kind", choices=["reports", "deliveries", "drills", "checkins", "audit"], help="what to export")
    export.add_argument(
        "--format", choices=["csv", "xlsx", "geojson"], default="csv",
        help="csv (UTF-8 with BOM), xlsx (Excel/LibreOffice, Thai labels, Bangkok times) or geojson (reports only)",
    )
    export.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    """The after-action impact report of a warning or a month, to stdout or --output."""
    from bot.admin.impact_report import make_report, scope_for
    from subscribers.db import open_db
    from subscribers.impact import ImpactError

    if not settings.database.exists():
        raise UsageError(f"report: no database at {settings.database}; run `floodbot init` first")
    db = open_db(settings.database)
    try:
        scope = scope_for(db, settings.tz, args.warning, args.month, _now())
        text = make_report(db, scope, args.format, Path(args.output) if args.output else None)
    except ImpactError as exc:
        raise UsageError(f"report: {exc}") from None
    finally:
        db.close()
    if text is not None:
        cast(io.TextIOWrapper, sys.stdout).reconfigure(encoding="utf-8", newline="")  # typeshed: a TextIO
        sys.stdout.write(text)
    elif args.output:
        print(f"report: written to {args.output}", file=sys.stderr)
    return EXIT_OK


def add_report_command(add: Callable[..., argparse.ArgumentParser]) -> None:
    """`floodbot report impact [--warning ID | --month YYYY-MM] [--format ...] [--output FILE]`."""
    report = add("report", cmd_report, "the after-action impact report of a warning or a month (md, csv, xlsx, png)")
    report.add_argument("kind", choices=["impact"], help="which report")
    scope = report.add_mutually_exclusive_group()
    scope.add_argument("--warning", type=int, metavar="ID", help="one warning (with all its versions)")
    scope.add_argument("--month", metavar="YYYY-MM", help="the warnings sent that month (default: this month)")
    report.add_argument("--format", choices=["md", "csv", "xlsx", "png"], default="md", help="output format")
    report.add_argument("--output", metavar="FILE", help="write to FILE (needed for xlsx and png)")


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """The whole flow offline on the bundled TMD sample, with the configured cities; no token needed."""
    from bot.demo.run import run_demo

    configure_logging("WARNING")  # the transcript is the output
    return run_demo(settings)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, every command with --help and --config."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", metavar="PATH", help="TOML config file (default: $FLOODBOT_CONFIG, else ./config.toml)"
    )
    parser = argparse.ArgumentParser(
        prog="floodbot",
        description="Flood early warnings for community leaders, delivered by Telegram.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"floodbot {installed_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, handler: Callable[[argparse.Namespace, Settings], int], help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help, parents=[common])
        sub.set_defaults(handler=handler)
        return sub

    add("init", cmd_init, "create or migrate the database, sync cities, print an invite per city")
    add("run", cmd_run, "run the bot, the poller and the delivery worker until stopped")
    poll = add("poll", cmd_poll, "poll the feeds once (the scheduled poller is `floodbot run`)")
    poll.add_argument("--once", action="store_true", help="run one poll cycle and exit")
    poll.add_argument("--dry-run", action="store_true", help="write nothing")
    poll.add_argument("--json", action="store_true", help="print one JSON object per warning")
    poll.add_argument("--now", metavar="T", help="evaluate at this ISO 8601 time instead of the clock")
    add("demo", cmd_demo, "the whole flow offline on bundled sample feeds, no token needed")
    add("check", cmd_check, "validate config, database schema, feeds and cities without changing anything")
    backup = add("backup", cmd_backup, "copy the database to FILE while the bot runs (SQLite online backup)")
    backup.add_argument("file", metavar="FILE", help="where to write the copy, e.g. /var/backups/floodbot.db")
    add_admin_commands(add)
    add_report_command(add)
    return parser


def installed_version() -> str:
    """The installed package's version (the checkout's pyproject version when run from source)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("floodbot")
    except PackageNotFoundError:
        return "unknown (not installed)"


def configure_logging(level: str = "INFO", secrets: list[str] | None = None) -> None:
    """One line per event on stderr, secrets masked at every level; chatty libraries stay quiet."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_drop_invalid_token_traceback)
    redact.install(secrets or [])
    # httpx logs every request URL at INFO, and a Bot API URL contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # urllib3 warns on each feed retry; the poll logs one line per failed feed with the root cause.
    logging.getLogger("urllib3").setLevel(logging.ERROR)
    # APScheduler logs each run of each job (every 2 s for delivery), and a warning for each run skipped
    # while a long fan-out is still going (max_instances=1, on purpose); floodbot logs what jobs did.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)


def _drop_invalid_token_traceback(record: logging.LogRecord) -> bool:
    # PTB logs a rejected token with a 40-line traceback before raising it; `main` prints one line instead.
    return not (record.exc_info and isinstance(record.exc_info[1], InvalidToken))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on bad usage, with argparse's message
    configure_logging()
    secrets: list[str] = []

    def say(message: object) -> None:
        print(f"floodbot: {redact.redact(str(message), secrets)}", file=sys.stderr)

    try:
        settings = load_settings(args.config)
        secrets = settings.secrets()
        configure_logging(settings.log_level, secrets)
        return args.handler(args, settings)
    except ConfigError as exc:
        for problem in exc.problems:
            say(problem)
        return EXIT_USAGE
    except (UsageError, StoreSetupError) as exc:
        say(exc)
        return EXIT_USAGE
    except StoreError as exc:
        say(exc)
        return EXIT_FAILURE
    except InvalidToken:
        # PTB's message quotes the token; Telegram answers 401 for a bad token and 404 for a wrong base_url.
        say(
            f"telegram: the Bot API at {settings.telegram.base_url.split('/bot')[0]} rejected the token (401/404):"
            " check FLOODBOT_TELEGRAM__TOKEN and telegram.base_url"
        )
        return EXIT_USAGE
    except TelegramError as exc:
        say(f"telegram: {type(exc).__name__}: {exc}")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_FAILURE
    except Exception:  # the last line of defence: logged (secrets masked), never a raw traceback
        log.exception("floodbot: unexpected error")
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
