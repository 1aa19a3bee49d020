"""The command line: `python -m bot <command>`. Each command lives in `bot/commands/`."""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
from collections.abc import Sequence
from datetime import date, datetime
from typing import TextIO

from bot import gc_pause
from bot.config import ConfigError, Settings, rules_dir_from_env
from bot.domain.calendar import TAIPEI
from bot.i18n import DEFAULT_LANG, LANGS, t, using
from bot.plans.loader import PlanError, load_rules_dir
from bot.plans.model import Plan
from bot.storage import StoreError
from bot.storage.outbox import AUDIENCES


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {value!r}") from None


def today_in_taipei() -> date:
    return datetime.now(TAIPEI).date()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="e-learning plan assistant")
    sub = parser.add_subparsers(dest="command", required=True)

    rules = sub.add_parser("rules", help="work with rules files")
    rules_sub = rules.add_subparsers(dest="rules_command", required=True)
    rc = rules_sub.add_parser("check", help="validate rules files (default: all of RULES_DIR, or the shipped rules/)")
    rc.add_argument("files", nargs="*")
    rd = rules_sub.add_parser("draft", help="draft a rules file from a plan document (.txt, .pdf, .docx)")
    rd.add_argument("document")
    rd.add_argument("--id", help="the plan id (file name), e.g. taichung-113; default: from the title")

    check = sub.add_parser(
        "check", help="read a learning record (files: text or screenshots; else stdin) and show progress and rewards"
    )
    check.add_argument("files", nargs="*", help="text files or images (PNG/JPEG): together one record")
    check.add_argument("--plan", required=True, help="plan id, e.g. kaohsiung-112")
    check.add_argument("--as-of", type=_date, help="date to assess on (default: today in Taipei)")
    check.add_argument("--unpaid-leave", action="store_true", help="the courses were taken during unpaid leave")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG)

    console = sub.add_parser("console", help="chat with the bot in the terminal (the embedded default)")
    console.add_argument("--plan", help="preselect a plan, e.g. kaohsiung-112")
    console.add_argument("--lang", choices=LANGS, help="preselect the language")
    console.add_argument("--user", default="me", help="who is chatting (keeps separate progress per name)")
    console.add_argument("--today", type=_date, help="simulated date, to try past years' plans")

    sub.add_parser("run", help="run every configured chat channel (Telegram, LINE) until SIGTERM")

    line = sub.add_parser("line", help="LINE channel tools")
    line_sub = line.add_subparsers(dest="line_command", required=True)
    richmenu = line_sub.add_parser("richmenu", help="create the rich menu, upload its image, set it as the default")
    richmenu.add_argument("--image", help="PNG or JPEG, 2500x843, same 2x3 layout (default: the bundled image)")

    reminders = sub.add_parser("reminders", help="look at or run a day's deadline reminders by hand")
    rem_sub = reminders.add_subparsers(dest="reminders_command", required=True)
    rp = rem_sub.add_parser("preview", help="who would get which reminder on a date, and why (changes nothing)")
    rp.add_argument("--date", type=_date, required=True, help="YYYY-MM-DD")
    rp.add_argument("--json", action="store_true", help="print one JSON object")
    rs = rem_sub.add_parser("send", help="run that day's reminders now (nobody gets one twice)")
    rs.add_argument("--date", type=_date, required=True, help="YYYY-MM-DD")
    rs.add_argument("--force", action="store_true", help="send even in quiet hours")

    broadcast = sub.add_parser("broadcast", help="send an announcement to a plan's staff, or `broadcast status`")
    broadcast.add_argument("action", nargs="?", choices=("send", "status"), default="send")
    broadcast.add_argument("--plan", help="plan id, e.g. kaohsiung-112")
    broadcast.add_argument("--audience", choices=AUDIENCES, default="all")
    broadcast.add_argument("--text", help="the announcement")
    broadcast.add_argument("--text-file", help="read the announcement from a UTF-8 file")
    broadcast.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    broadcast.add_argument("--id", type=int, help="with status: one announcement")

    stats = sub.add_parser("stats", help="aggregate figures for HR (people, progress, rewards, unanswered questions)")
    stats.add_argument("--csv", action="store_true", help="CSV for a spreadsheet")

    db = sub.add_parser("db", help="database tools")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    dc = db_sub.add_parser(
        "copy", help="copy every table to another database, e.g. SQLite to PostgreSQL (stop the service first)"
    )
    dc.add_argument("source", help="the database to copy, e.g. sqlite:///data/bot.sqlite3")
    dc.add_argument("target", help="where to, e.g. postgresql://bot:PASSWORD@db:5432/bot; must hold no data")
    dc.add_argument("--replace", action="store_true", help="delete the target's data first (same transaction)")

    admin = sub.add_parser("admin", help="HR's console in the browser")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    al = admin_sub.add_parser("link", help="print a one-time console link (10 minutes, once) for an admin")
    al.add_argument("admin", help="CHANNEL:ID as in BOT_ADMINS, e.g. telegram:12345678")

    ask = sub.add_parser("ask", help="answer questions from stdin, one per line (for HR to test a rules file)")
    ask.add_argument("--plan", required=True)
    ask.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG)
    ask.add_argument("--today", type=_date, help="simulated date for days-left figures")
    ask.add_argument("--json", action="store_true", help="one JSON object per line")
    return parser


def _plan(plan_id: str) -> Plan | None:
    book = load_rules_dir(rules_dir_from_env())
    plan = book.get(plan_id)
    if plan is None:
        with using(DEFAULT_LANG):
            print(t("cli.unknown_plan", plan=plan_id, known=", ".join(sorted(book.plans))), file=sys.stderr)
    return plan


def _replace_bad_bytes(stream: TextIO) -> None:
    """Standard input that is not valid text (a Big5 file, a cut-off paste) reads as U+FFFD
    instead of stopping the command with a UnicodeDecodeError half-way."""
    if isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command != "run":  # the service releases it once started; other commands at once
        gc_pause.release()
    if args.command in ("ask", "console", "check"):
        _replace_bad_bytes(sys.stdin)
    try:
        if args.command == "rules" and args.rules_command == "draft":
            from bot.commands.rules_draft import run_rules_draft

            return run_rules_draft(args.document, args.id)
        if args.command == "rules":
            from bot.commands.rules_check import run_rules_check

            return run_rules_check(args.files, directory=rules_dir_from_env())
        if args.command == "check":
            from bot.commands.check import run_check

            plan = _plan(args.plan)
            if plan is None:
                return 2
            as_of = args.as_of or today_in_taipei()
            return run_check(plan, sys.stdin, as_of, args.unpaid_leave, args.json, args.lang, args.files)
        if args.command == "run":
            from bot.runner import run

            asyncio.run(run(Settings.from_env()))
            return 0
        if args.command == "line":
            from bot.channels.line.richmenu import run_richmenu_command

            return run_richmenu_command(args.image)
        if args.command == "db":
            from bot.commands.db_copy import run_db_copy

            return asyncio.run(run_db_copy(args.source, args.target, args.replace))
        if args.command == "admin":
            from bot.commands.admin_link import run_admin_link

            return asyncio.run(run_admin_link(Settings.from_env(), args.admin))
        if args.command in ("console", "ask"):
            return asyncio.run(_chat(args))
        if args.command in ("reminders", "broadcast", "stats"):
            return asyncio.run(_operate(args))
    except PlanError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    except (ConfigError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 2


async def _operate(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if args.command == "reminders":
        from bot.commands.reminders import run_preview, run_send

        if args.reminders_command == "preview":
            return await run_preview(settings, args.date, args.json)
        return await run_send(settings, args.date, args.force)
    if args.command == "stats":
        from bot.commands.stats import run_stats

        return await run_stats(settings, args.csv)
    from bot.commands.broadcast import read_text, run_broadcast, run_status

    if args.action == "status":
        return await run_status(settings, args.id)
    if not args.plan or _plan(args.plan) is None:
        if not args.plan:
            print("error: --plan is required", file=sys.stderr)
        return 2
    return await run_broadcast(settings, args.plan, args.audience, read_text(args.text, args.text_file), args.yes)


async def _chat(args: argparse.Namespace) -> int:
    from bot.app import build_dialogue, setup_logging
    from bot.channels.console import run_console
    from bot.commands.ask import run_ask
    from bot.core.clock import ShiftedClock, SystemClock

    settings = Settings.from_env()
    setup_logging("WARNING", settings)
    clock = ShiftedClock(args.today) if args.today else SystemClock()
    if args.plan and _plan(args.plan) is None:
        return 2
    database_url = "sqlite:///:memory:" if args.command == "ask" else None
    dialogue = await build_dialogue(settings, clock, database_url)
    try:
        if args.command == "ask":
            return await run_ask(dialogue, args.plan, args.lang, sys.stdin, sys.stdout, args.json)
        await run_console(dialogue, args.user, args.plan, args.lang)
        return 0
    finally:
        await dialogue.services.store.close()
