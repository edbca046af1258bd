"""The `sarnakh` command: init, serve, worker, apikey, demo, import, export, forms, site, events, model, score, segment, hygiene, manage."""

from __future__ import annotations

import argparse
import os
import secrets
import sys


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sarnakh.settings")
    import django

    django.setup()


def _print_login(stdout=sys.stdout) -> None:
    from django.contrib.auth import get_user_model

    from sarnakh.core.users import initial_admin_file

    secret_file = initial_admin_file()
    if not secret_file.exists():
        return
    username, _sep, password = secret_file.read_text().strip().partition(" ")
    user = get_user_model().objects.filter(username=username).first()
    if user is not None and user.check_password(password):
        print(f"Log in as: {username} / {password}   (initial password; change it under Settings → Password)", file=stdout)
    elif user is not None:
        # Changed some other way (`sarnakh manage changepassword`): a password that no
        # longer works has no business lying around in a file.
        secret_file.unlink(missing_ok=True)


def cmd_init(args) -> int:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    User = get_user_model()
    if not User.objects.filter(is_superuser=True).exists():
        password = args.password or secrets.token_urlsafe(9)
        User.objects.create_superuser(username=args.username, email=args.email, password=password)
        from sarnakh.core.roles import ADMIN, set_role

        set_role(User.objects.get(username=args.username), ADMIN)
        from sarnakh.core.users import initial_admin_file

        secret_file = initial_admin_file()
        secret_file.write_text(f"{args.username} {password}\n")
        secret_file.chmod(0o600)
        print(f"Created the first admin user {args.username!r}.")
    from django.db import connection

    print(f"Database ready: {connection.vendor} ({settings.SARNAKH_HOME})")
    _print_login()
    return 0


def _serve_multiprocess(args, *, run_worker: bool) -> int:
    """Several web processes (gunicorn, threaded workers); background work in a sibling
    `sarnakh worker` process, since forked web workers must not each run one."""
    import subprocess

    from django.db import connections
    from gunicorn.app.base import BaseApplication

    connections.close_all()  # nothing opened here may be shared with forked workers

    class SarnakhGunicorn(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", args.workers)
            self.cfg.set("threads", args.threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("accesslog", None)
            self.cfg.set("proc_name", "sarnakh")

        def load(self):
            from sarnakh.wsgi import application

            return application

    worker = subprocess.Popen([sys.executable, "-m", "sarnakh.cli", "worker"]) if run_worker else None
    try:
        SarnakhGunicorn().run()
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
    return 0


def cmd_serve(args) -> int:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        print("Applying database migrations…")
        call_command("migrate", interactive=False, verbosity=0)
    from sarnakh.config import WILDCARD_HOSTS, served_base_url

    run_worker = settings.SARNAKH_EMBEDDED_WORKER and not args.no_worker
    print(f"Sarnakh is up at {served_base_url(args.host, args.port)}/  (API docs: /api/v1/docs)")
    if settings.SARNAKH_BASE_URL != served_base_url(args.host, args.port):
        print(f"Links, form pages and snippets use SARNAKH_BASE_URL: {settings.SARNAKH_BASE_URL}")
    elif args.host.strip() in WILDCARD_HOSTS:
        print("Links, form pages and snippets point at this machine only: set SARNAKH_BASE_URL to the address "
              "others reach it at (and add its host name to SARNAKH_ALLOWED_HOSTS)")
    if args.workers > 1:
        print(f"Web processes: {args.workers} × {args.threads} threads (gunicorn)")
        print("Background work: " + ("in a `sarnakh worker` process started with the server" if run_worker else "run `sarnakh worker` separately"))
        _print_login()
        sys.stdout.flush()
        return _serve_multiprocess(args, run_worker=run_worker)

    from waitress import serve

    from sarnakh.core.jobs import BackgroundWorkerThread
    from sarnakh.tracking.processor import EventProcessorThread
    from sarnakh.wsgi import application

    worker = BackgroundWorkerThread() if run_worker else None
    events = EventProcessorThread() if run_worker else None
    if worker and events:
        worker.start()
        events.start()
    print("Background work: " + ("in this process" if worker else "run `sarnakh worker` separately"))
    _print_login()
    sys.stdout.flush()
    try:
        # Behind a trusted proxy its X-Forwarded-* headers must reach Django (sarnakh.core.proxy).
        serve(application, host=args.host, port=args.port, threads=args.threads, ident="sarnakh",
              clear_untrusted_proxy_headers=not settings.SARNAKH_BEHIND_PROXY)
    finally:
        if worker and events:
            worker.stop()
            events.stop()
    return 0


def cmd_worker(args) -> int:
    from sarnakh.core.heartbeat import Heartbeat
    from sarnakh.core.jobs import make_worker
    from sarnakh.core.models import WorkerProcess
    from sarnakh.core.workers import BEAT_EVERY, DEAD_AFTER

    worker = make_worker(interval=args.interval, batch=args.once)
    if not args.once:
        worker.configure_signals()

    def released(outcome) -> None:
        print(f"Reclaimed {outcome.describe()}", flush=True)

    print(
        f"Sarnakh worker {worker.worker_id[:8]} started (pid {os.getpid()}): heartbeat every {BEAT_EVERY.seconds} s; "
        f"jobs of workers silent for {DEAD_AFTER.seconds} s are taken over.",
        flush=True,
    )
    with Heartbeat(worker_id=worker.worker_id, kind=WorkerProcess.Kind.WORKER, watch_jobs=True, on_release=released):
        if args.once:
            from sarnakh.tracking.processor import process_all_pending

            process_all_pending()
            worker.run()
            return 0
        from sarnakh.tracking.processor import EventProcessorThread

        # Tracked events are processed by their own loop next to the jobs: they arrive in
        # thousands per second, far too many for one job each.
        events = EventProcessorThread()
        events.start()
        try:
            worker.run()
        finally:
            events.stop()
    return 0


def cmd_apikey(args) -> int:
    from sarnakh.core.apikeys import apikey_create, apikey_list
    from sarnakh.core.errors import DomainError

    if args.apikey_command == "create":
        try:
            issued = apikey_create(name=args.name, scope=args.scope)
        except DomainError as exc:
            print(f"error: {exc.message} {exc.fields}", file=sys.stderr)
            return 2
        print(issued.raw_key)
        print(f"(scope: {issued.api_key.scope}; shown once — only its hash is stored)", file=sys.stderr)
        return 0
    for key in apikey_list():
        state = "revoked" if key.revoked_at else "active"
        print(f"{key.pk}\t{key.name}\t{key.scope}\t{key.prefix}…\t{state}")
    return 0


def cmd_demo(args) -> int:
    from sarnakh.contacts.demo import demo_loaded, load_demo
    from sarnakh.contacts.models import Contact

    if args.if_empty and Contact.objects.exists():
        print("Demo data skipped: the database already has contacts.")
        return 0
    fresh = not demo_loaded()
    summary = load_demo(contacts=args.contacts, companies=args.companies, seed=args.seed, days=args.days)
    print(summary)
    if fresh:
        from sarnakh.tracking.demo import load_tracking_demo

        print(load_tracking_demo(seed=args.seed))
        from sarnakh.segments.hygiene.demo import load_hygiene_demo

        print(load_hygiene_demo(seed=args.seed))
        from sarnakh.scoring.services import contacts_rescore_all

        # Demo contacts and events are written in bulk, past the real-time hooks: score them
        # once, set-based; leads that clear the bar move to MQL when the worker runs.
        print(f"Scored {contacts_rescore_all()} contacts with every active scoring model.")
        _train_demo_predictive_model()
        from sarnakh.segments.demo import load_segments_demo

        print(load_segments_demo())
        from sarnakh.segments.audiences.demo import load_audience_demo

        print(load_audience_demo())  # a static list and a retargeting audience on it
        from sarnakh.mail.content.demo import load_email_templates_demo

        print(load_email_templates_demo())  # an English and a Persian email template
        from sarnakh.mail.subscriptions.demo import load_subscriptions_demo

        print(load_subscriptions_demo(seed=args.seed))  # suppressed addresses, topic opt-outs
        from sarnakh.mail.optin.demo import load_optin_demo

        print(load_optin_demo())  # a newsletter sign-up form with double opt-in
        from sarnakh.mail.campaigns.demo import load_campaigns_demo

        print(load_campaigns_demo(seed=args.seed))  # sent, scheduled and draft campaigns
    return 0


def _train_demo_predictive_model() -> None:
    from sarnakh.core.errors import DomainError
    from sarnakh.scoring.predictive.features import DataError
    from sarnakh.scoring.predictive.services import predictive_train

    try:
        run = predictive_train(trigger="demo")
    except (DomainError, DataError) as exc:  # a tiny --contacts demo has too few customers
        print(f"Predictive model not trained on the demo: {getattr(exc, 'message', exc)}")
        return
    print(f"Predictive model trained on the demo history: {run.scored} contacts scored.")


def cmd_manage(args) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["sarnakh manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sarnakh", description="Sarnakh: lead management and marketing automation.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create or upgrade the database; create the first admin if none exists")
    p.add_argument("--username", default="admin")
    p.add_argument("--email", default="admin@localhost")
    p.add_argument("--password", default=None, help="first admin's password (default: generated and printed)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("serve", help="run the web server (waitress, or gunicorn with --workers > 1) and, in embedded mode, background work")
    p.add_argument("--host", default=os.environ.get("SARNAKH_HOST", "127.0.0.1"),
                   help="address to listen on (default SARNAKH_HOST or 127.0.0.1; 0.0.0.0 for every interface)")
    p.add_argument("--port", type=int, default=int(os.environ.get("SARNAKH_PORT", "8000")),
                   help="port to listen on (default SARNAKH_PORT or 8000); without SARNAKH_BASE_URL, links use this host and port")
    p.add_argument("--threads", type=int, default=int(os.environ.get("SARNAKH_THREADS", "8")))
    p.add_argument(
        "--workers", type=int, default=int(os.environ.get("SARNAKH_WEB_WORKERS", "1")),
        help="web processes; 1 = waitress in one process (embedded default), more = gunicorn (use with PostgreSQL)",
    )
    p.add_argument("--no-worker", action="store_true", help="don't run background work in this process")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="run background work only (scale-out; any number of them)")
    p.add_argument("--interval", type=float, default=0.2, help="seconds between polls when idle")
    p.add_argument("--once", action="store_true", help="run what is queued, then exit")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("apikey", help="manage API keys")
    apikey_sub = p.add_subparsers(dest="apikey_command", required=True)
    c = apikey_sub.add_parser("create", help="create a key and print it once")
    c.add_argument("name")
    c.add_argument("--scope", choices=["read", "write"], default="read")
    apikey_sub.add_parser("list", help="list keys (never the keys themselves)")
    p.set_defaults(func=cmd_apikey)

    p = sub.add_parser("demo", help="load the reproducible demo dataset")
    p.add_argument("--contacts", type=int, default=2000)
    p.add_argument("--companies", type=int, default=300)
    p.add_argument("--days", type=int, default=180)
    p.add_argument("--seed", type=int, default=1403)
    p.add_argument("--if-empty", action="store_true", help="only when there are no contacts yet")
    p.set_defaults(func=cmd_demo)

    from sarnakh.capture.imports.commands import add_subcommands as add_capture_commands

    add_capture_commands(sub)  # import, export
    from sarnakh.capture.forms.commands import add_subcommands as add_form_commands

    add_form_commands(sub)  # forms list | retry-failed | export
    from sarnakh.tracking.commands import add_subcommands as add_tracking_commands

    add_tracking_commands(sub)  # site create | list, events cleanup | process

    from sarnakh.scoring.predictive.commands import add_subcommands as add_model_commands

    add_model_commands(sub)  # model evaluate

    from sarnakh.scoring.commands import add_subcommands as add_score_commands

    add_score_commands(sub)  # score recompute

    from sarnakh.segments.commands import add_subcommands as add_segment_commands

    add_segment_commands(sub)  # segment refresh | count | export

    from sarnakh.segments.hygiene.commands import add_subcommands as add_hygiene_commands

    add_hygiene_commands(sub)  # hygiene duplicates | inactive

    from sarnakh.mail.delivery.commands import add_subcommands as add_mail_commands

    add_mail_commands(sub)  # mail test

    p = sub.add_parser("manage", help="run a Django management command", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def _export_served_address(args) -> None:
    """`serve --host/--port` become SARNAKH_HOST/SARNAKH_PORT before the settings are read, so
    that without SARNAKH_BASE_URL links and snippets point where this server listens; the
    worker process a multi-process serve starts inherits them."""
    os.environ["SARNAKH_HOST"] = args.host
    os.environ["SARNAKH_PORT"] = str(args.port)


def main(argv: list[str] | None = None) -> int:
    from sarnakh.config import load_env_file

    load_env_file()  # SARNAKH_HOST/SARNAKH_PORT in .env are the defaults of serve's options
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is cmd_serve:
        _export_served_address(args)
    _setup_django()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
