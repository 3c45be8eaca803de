"""`beweegkaart demo`: the example site and the referral app on one local address, with a local
SMTP server that keeps every mail, so a newcomer can walk the whole flow in a browser."""

import os
import signal
import sys
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.shared_data import SharedDataMiddleware
from werkzeug.serving import make_server
from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from ..pipeline import BuildError, build_site

HELP = "build the example site and serve it with the referral app and a local mail server"


def add_arguments(parser):
    """Arguments of `beweegkaart demo`."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: "
                        "127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    parser.add_argument("--no-build", action="store_true", help="serve site/ as it is")
    parser.add_argument("--offers", type=Path, default=Path("offers"),
                        help="folder with the offer files (default: offers/)")
    parser.add_argument("--coaches", type=Path, default=Path("coaches"),
                        help="folder with the coach files (default: coaches/)")
    parser.add_argument("--site-dir", type=Path, default=Path("site"),
                        help="folder of the built site (default: site/)")
    parser.add_argument("--smtp-port", type=int, default=0,
                        help="port of the local mail server (default: any free port)")


def say(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def build(offers: Path, site_dir: Path) -> bool:
    """Validate and build the site; print the validator's messages when it stops."""
    try:
        build_site(offers, site_dir, progress=say)
    except BuildError as exc:
        for problem in exc.problems:
            print(problem.format())
        say(f"Bouwen gestopt: {exc}.")
        return False
    return True


class Mailbox:
    """aiosmtpd handler: stores each mail as a .eml file and prints one line about it."""

    def __init__(self, folder: Path):
        """Mails go into `folder`, numbered."""
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.count = len(list(folder.glob("*.eml")))

    async def handle_DATA(self, server, session, envelope):
        """Keep the mail and tell the terminal."""
        self.count += 1
        path = self.folder / f"{self.count:04d}.eml"
        path.write_bytes(envelope.content)
        subject = message_from_bytes(envelope.content, policy=policy.default)["Subject"]
        say(f"mail aan {', '.join(envelope.rcpt_tos)}: {subject} ({path})")
        return "250 OK"


def static_site(site_dir: Path):
    """A WSGI app serving the built site, with index.html for folders."""
    def not_found(environ, start_response):
        """Folders get their index.html; anything else is a 404."""
        path = environ.get("PATH_INFO", "/")
        target = site_dir / path.lstrip("/")
        if target.is_dir():
            if not path.endswith("/"):
                return redirect(path + "/", 301)(environ, start_response)
            if (target / "index.html").is_file():
                environ = {**environ, "PATH_INFO": path + "index.html"}
                return files(environ, start_response)
        page = site_dir / "404.html"
        body = page.read_bytes() if page.is_file() else b"Niet gevonden"
        return Response(body, 404, content_type="text/html; charset=utf-8")(environ,
                                                                            start_response)

    files = SharedDataMiddleware(not_found, {"/": str(site_dir)}, cache=False)
    return files


def example_offer(app) -> str | None:
    """The id of an offer that takes referrals, to print a link to its form."""
    for offer_id, offer in sorted(app.extensions["beweegkaart_offers"].items()):
        if offer.accepts_referrals():
            return offer_id
    return None


class StopSignals:
    """SIGINT/SIGTERM handlers that only count: the main loop stops cleanly after the first;
    a second one ends the process at once. A handler must not take locks (Event.set does):
    it runs between two bytecodes of the main thread, which may hold that very lock."""

    def __init__(self):
        """No signal yet."""
        self.count = 0

    def __call__(self, _signum, _frame) -> None:
        """Count; on the second signal write one line and exit without cleaning up."""
        self.count += 1
        if self.count > 1:
            os.write(2, b"\nTweede stopsignaal: de demo is meteen gestopt.\n")
            os._exit(1)

    def install(self) -> None:
        """Handle SIGINT and SIGTERM."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self)


def run(args) -> int:
    """Build, then serve site and app until Ctrl-C or SIGTERM."""
    from aiosmtpd.controller import Controller

    from referral_app import create_app
    from referral_app.outbox import run_worker

    if not args.no_build and not build(args.offers, args.site_dir):
        return 1
    if not (args.site_dir / "index.html").is_file():
        say(f"{args.site_dir}/index.html not found: build the site first (without --no-build)")
        return 2
    base = f"http://{args.host}:{args.port}"
    instance = Path("instance").resolve()
    mailbox = Mailbox(instance / "demo-mails")
    smtp = Controller(mailbox, hostname="127.0.0.1", port=args.smtp_port or _free_port())
    smtp.start()
    app = create_app({
        "OFFERS_DIR": str(args.offers), "COACHES_DIR": str(args.coaches),
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port,
        "SMTP_STARTTLS": "off", "PUBLIC_URL": f"{base}/app", "SITE_URL": "/",
        "DATABASE_URL": f"sqlite:///{instance / 'demo.sqlite'}",
        "OUTBOX_BACKOFF_SECONDS": 2.0, "OUTBOX_INTERVAL_SECONDS": 1.0,
    })
    server = make_server(args.host, args.port, DispatcherMiddleware(
        static_site(args.site_dir.resolve()), {"/app": app}), threaded=True)
    signals = StopSignals()
    signals.install()
    stop = threading.Event()
    threads = [threading.Thread(target=server.serve_forever, name="http", daemon=True),
               threading.Thread(target=run_worker, args=(app, stop), name="outbox", daemon=True)]
    for thread in threads:
        thread.start()
    offer = example_offer(app)
    say(f"\nDe beweegkaart draait op {base}/")
    if offer:
        say(f"Verwijsformulier, bijvoorbeeld: {base}/app/verwijzen/{offer}")
    say(f"Mails komen in {mailbox.folder}/ (SMTP op 127.0.0.1:{smtp.port}). Stoppen: Ctrl-C.\n")
    while not signals.count:
        time.sleep(0.2)
    say("stoppen...")
    stop.set()
    server.shutdown()
    for thread in threads:
        thread.join(timeout=10)
    smtp.stop()
    return 0


def _free_port() -> int:
    """A free TCP port on loopback."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
