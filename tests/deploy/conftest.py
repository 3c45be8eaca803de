"""The deployment of docs/deploy.md, started from the shipped files in deploy/: nginx with TLS in
front of gunicorn (3 workers, production settings), PostgreSQL, Redis, the outbox worker as its
own process, and a real SMTP server. Paths and ports of the shipped files are swapped for
temporary ones; every swapped value must occur in the file, so the files cannot drift."""

import datetime as dt
import ipaddress
import secrets
import shlex
import shutil
import ssl
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from generator.catalogue.load import load_catalogue
from generator.pipeline import build_site
from tests.servers import NginxServer, Process, SmtpServer, free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SERVER_ROOT = "/srv/beweegkaart"  # where docs/deploy.md puts the checkout
ARTIFACTS = ROOT / "test-artifacts" / "deploy"  # the logs of the last run, for a look


def swap(text: str, replacements: dict[str, str], what: str) -> str:
    """Replace each key by its value; a key missing from the text is an error (drift)."""
    for old, new in replacements.items():
        assert old in text, f"{what} no longer contains {old!r}: update tests/deploy too"
        text = text.replace(old, new)
    return text


def unit_commands(unit: str) -> dict[str, list[list[str]]]:
    """ExecStartPre/ExecStart command lines of a shipped systemd unit, for this checkout."""
    commands: dict[str, list[list[str]]] = {}
    for line in (DEPLOY / "systemd" / unit).read_text().splitlines():
        key, _, value = line.partition("=")
        if key in ("ExecStartPre", "ExecStart"):
            value = swap(value, {f"{SERVER_ROOT}/.venv/bin/": f"{Path(sys.executable).parent}/"},
                         unit).replace(SERVER_ROOT, str(ROOT))
            commands.setdefault(key, []).append(shlex.split(value))
    return commands


def unit_environment_file(unit: str) -> str:
    """The EnvironmentFile of a shipped unit."""
    for line in (DEPLOY / "systemd" / unit).read_text().splitlines():
        if line.startswith("EnvironmentFile="):
            return line.partition("=")[2]
    raise AssertionError(f"{unit} has no EnvironmentFile")


def env_from_example(overrides: dict, additions: dict) -> dict:
    """The shipped example settings, with test values for the ones that name this machine."""
    settings = {}
    for line in (DEPLOY / "beweegkaart.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            settings[key] = value
    missing = sorted(set(overrides) - set(settings))
    assert not missing, f"deploy/beweegkaart.env.example lacks {missing}"
    return {**settings, **overrides, **additions}


def make_certificate(folder: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for 127.0.0.1 and localhost: (ca, cert, key)."""
    now = dt.datetime.now(dt.UTC)

    def issue(subject, issuer, key, signer, ca: bool):
        """One certificate, valid for a day."""
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(minutes=5))
                   .not_valid_after(now + dt.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if not ca:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(
        ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Beweegkaart test CA")])
    ca = issue(ca_name, ca_name, ca_key, ca_key, ca=True)
    server = issue(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]), ca_name,
                   server_key, ca_key, ca=False)
    paths = folder / "ca.pem", folder / "fullchain.pem", folder / "privkey.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM)
                         + ca.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(server_key.private_bytes(serialization.Encoding.PEM,
                                                  serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    return paths


@dataclass
class Deployment:
    """The running deployment and the handles the tests need."""

    base: str  # https://127.0.0.1:PORT/
    http_base: str  # the plain-HTTP port (redirects only)
    ca: Path
    env: dict
    site_dir: Path
    offers_dir: Path
    nginx: NginxServer
    app: Process
    worker: Process
    smtp: SmtpServer
    postgres: object
    redis: object

    def tls(self) -> ssl.SSLContext:
        """A TLS context that trusts the throw-away CA only."""
        return ssl.create_default_context(cafile=str(self.ca))

    def get(self, path: str, headers: dict | None = None, base: str | None = None):
        """One request without following redirects; returns (status, headers, body)."""
        request = urllib.request.Request((base or self.base) + path.lstrip("/"),
                                         headers=headers or {})
        opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(
            context=self.tls()))
        try:
            with opener.open(request, timeout=30) as answer:
                return answer.status, answer.headers, answer.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode("utf-8", "replace")

    @property
    def nginx_access_log(self) -> Path:
        """nginx's access log, as the shipped config names it."""
        return self.nginx.root / "beweegkaart.access.log"

    def access_logs(self) -> str:
        """Both access logs (nginx, then gunicorn's stdout)."""
        text = self.nginx_access_log.read_text() if self.nginx_access_log.exists() else ""
        return text + self.app.stdout.read_text()

    def referral_offers(self) -> list:
        """The example offers that take referrals."""
        return [o for o in load_catalogue([self.offers_dir]).offers if o.accepts_referrals()]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report redirects instead of following them."""

    def redirect_request(self, *args, **kwargs):
        """Do not follow."""
        return None


def nginx_site(https_port: int, http_port: int, app_port: int, site: Path, cert: Path,
               key: Path) -> str:
    """deploy/nginx/beweegkaart.conf with this machine's ports, folders and certificate."""
    return swap((DEPLOY / "nginx" / "beweegkaart.conf").read_text(), {
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "/etc/letsencrypt/live/beweegkaart.example.org/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/beweegkaart.example.org/privkey.pem": str(key),
        "/var/log/nginx/": "{root}/",
        "/var/www/beweegkaart": str(site),
        "server 127.0.0.1:8001;": f"server 127.0.0.1:{app_port};",
    }, "deploy/nginx/beweegkaart.conf")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> tuple[Path, Path]:
    """The example offers (a private copy) and the site built from them: (offers, site)."""
    root = tmp_path_factory.mktemp("deploy-site")
    offers = root / "offers"
    shutil.copytree(ROOT / "offers", offers)
    build_site(offers, root / "site", ROOT / "mkdocs.yml")
    return offers, root / "site"


@pytest.fixture(scope="session")
def deployment(tmp_path_factory, built_site, postgres_server, redis_server):
    """Everything docs/deploy.md sets up, on loopback, from the files in deploy/."""
    offers, site = built_site
    folder = tmp_path_factory.mktemp("deploy")
    ca, cert, key = make_certificate(folder)
    https_port, http_port, app_port = free_port(), free_port(), free_port()
    base = f"https://127.0.0.1:{https_port}/"
    smtp = SmtpServer()
    smtp.start()
    assert unit_environment_file("beweegkaart.service") == unit_environment_file(
        "beweegkaart-outbox.service")
    env = env_from_example({
        "BEWEEGKAART_SECRET_KEY": secrets.token_urlsafe(48),
        "BEWEEGKAART_PUBLIC_URL": f"{base}app",
        "BEWEEGKAART_OFFERS_DIR": str(offers),
        "BEWEEGKAART_DATABASE_URL": postgres_server.create_database("deployment"),
        "BEWEEGKAART_RATELIMIT_STORAGE_URI": redis_server.url,
        "BEWEEGKAART_SMTP_HOST": "127.0.0.1",
        "BEWEEGKAART_SMTP_PORT": str(smtp.port),
        "BEWEEGKAART_SMTP_USERNAME": "",
        "BEWEEGKAART_SMTP_PASSWORD": "",
        "BEWEEGKAART_SMTP_STARTTLS": "off",  # aiosmtpd here speaks plain SMTP on loopback
    }, {
        # Quicker rounds and retries than in production, so the test does not wait minutes.
        "BEWEEGKAART_OUTBOX_INTERVAL_SECONDS": "0.3",
        "BEWEEGKAART_OUTBOX_BACKOFF_SECONDS": "0.5",
        "BEWEEGKAART_OUTBOX_BACKOFF_MAX_SECONDS": "2",
        # A round cut off by a database restart keeps its claimed mails until the lease ends
        # (default 300 s); a short lease lets the fault tests see them delivered.
        "BEWEEGKAART_SMTP_TIMEOUT": "1",
        "BEWEEGKAART_OUTBOX_LEASE_SECONDS": "10",
        # One client address (127.0.0.1) sends every form of the session.
        "BEWEEGKAART_RATE_LIMIT_CLIENT": "1000 per hour",
        "BEWEEGKAART_RATE_LIMIT_OFFER": "1000 per hour",
    })
    app_units = unit_commands("beweegkaart.service")
    for command in app_units["ExecStartPre"]:  # flask init-db
        init = Process("init-db", command, env, cwd=ROOT)
        init.start()
        assert init.process.wait(timeout=120) == 0, init.output()
    app = Process("gunicorn", [*app_units["ExecStart"][0], "--bind", f"127.0.0.1:{app_port}"],
                  env, cwd=ROOT, port=app_port)
    worker = Process("outbox", unit_commands("beweegkaart-outbox.service")["ExecStart"][0],
                     env, cwd=ROOT)
    nginx = NginxServer(nginx_site(https_port, http_port, app_port, site, cert, key),
                        port=https_port)
    running = []
    try:
        for server in (app, worker, nginx):
            server.start()
            running.append(server)
        yield Deployment(base, f"http://127.0.0.1:{http_port}/", ca, env, site, offers, nginx,
                         app, worker, smtp, postgres_server, redis_server)
    finally:
        for server in reversed(running):
            server.stop()
        smtp.stop()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for name, path in {"nginx-access.log": nginx.root / "beweegkaart.access.log",
                           "nginx-error.log": nginx.error_log, "gunicorn.out": app.stdout,
                           "gunicorn.err": app.stderr, "outbox.out": worker.stdout,
                           "outbox.err": worker.stderr}.items():
            if path.exists():
                shutil.copyfile(path, ARTIFACTS / name)
        for server in (nginx, app, worker):
            server.close()

