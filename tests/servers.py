"""Real servers for the tests: PostgreSQL, Redis, nginx and gunicorn from the system's packages.

Each starts on 127.0.0.1 on a free port, keeps all its files in a temporary folder, and can be
stopped and started again on the same port (fault tests restart servers mid-traffic). They work
as root too: PostgreSQL refuses to run as root, so then it runs as the `postgres` user.
"""

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from email import message_from_bytes, policy
from pathlib import Path

INSTALL_HINT = "run `make install` (it installs Debian's postgresql, redis-server and nginx)"


class MissingServer(RuntimeError):
    """A server program is not installed."""


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen | None, what: str, log: Path | None = None,
                  seconds: float = 30) -> None:
    """Block until something accepts connections on the port, or fail if the process died."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} stopped with exit code {process.returncode}"
                               f"{tail(log)}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on port {port} within {seconds} s{tail(log)}")


def tail(log: Path | None, lines: int = 30) -> str:
    """The end of a log file, for a failure message."""
    if log is None or not log.exists():
        return ""
    return "\n--- " + str(log) + " ---\n" + "\n".join(
        log.read_text(errors="replace").splitlines()[-lines:])


def find_program(name: str, *candidates: str) -> str:
    """The path of a server program, or MissingServer with the install hint."""
    for candidate in candidates:
        found = sorted(glob.glob(candidate))
        if found:
            return found[-1]  # the highest version when several are installed
    found = shutil.which(name)
    if found:
        return found
    raise MissingServer(f"{name} is not installed: {INSTALL_HINT}")


def private_dir(prefix: str, owner: str | None = None) -> Path:
    """A new temporary folder, owned by `owner` when we run as root."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if owner and os.geteuid() == 0:
        entry = pwd.getpwnam(owner)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return path


def stop_process(process: subprocess.Popen | None, sig: int = signal.SIGTERM,
                 seconds: float = 20) -> None:
    """Stop a child process: `sig` first, then kill."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class PostgresServer:
    """A PostgreSQL cluster of its own (initdb + pg_ctl), on 127.0.0.1 and a unix socket."""

    USER = "postgres"  # the cluster's superuser; trust authentication on loopback only

    def __init__(self, settings: dict | None = None):
        """Find the programs and choose a port and folder; nothing runs yet."""
        self.initdb = find_program("initdb", "/usr/lib/postgresql/*/bin/initdb")
        self.bindir = Path(self.initdb).parent
        self.port = free_port()
        self.root = private_dir("beweegkaart-pg-", owner="postgres")
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        # fsync off: these clusters hold throw-away test data; a stopped server keeps all of it.
        self.settings = {"fsync": "off", "full_page_writes": "off", "max_connections": "200",
                         **(settings or {})}
        self.initialised = False
        self.databases = 0

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run a PostgreSQL program (as the postgres user when we are root)."""
        command = [str(a) for a in args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.root)
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n"
                               f"{result.stdout}{result.stderr}{tail(self.log)}")
        return result

    def start(self) -> None:
        """Create the cluster the first time, then start it and wait until it answers."""
        if not self.initialised:
            self._run(self.initdb, "-D", self.data, "-U", self.USER, "-A", "trust",
                      "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions")
            self.initialised = True
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 " + " ".join(
            f"-c {key}={value}" for key, value in self.settings.items())
        self._run(self.bindir / "pg_ctl", "-D", self.data, "-l", self.log, "-o", options,
                  "-w", "-t", "60", "start")
        if self.databases == 0:
            self.create_database("beweegkaart")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (mode fast: clients are cut off; immediate: like a crash)."""
        if self.running():
            self._run(self.bindir / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def restart(self, mode: str = "fast") -> None:
        """Stop and start again on the same port with the same data."""
        self.stop(mode)
        self.start()

    def running(self) -> bool:
        """Whether the server process is up."""
        if not self.initialised:
            return False
        return self._run(self.bindir / "pg_ctl", "-D", self.data, "status",
                         check=False).returncode == 0

    def url(self, database: str = "beweegkaart") -> str:
        """The SQLAlchemy URL of a database on this server (psycopg 3 driver)."""
        return f"postgresql+psycopg://{self.USER}@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL through psql (over TCP) and return its unaligned output."""
        result = self._run(self.bindir / "psql", "-h", "127.0.0.1", "-p", self.port, "-U",
                           self.USER, "-d", database, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                           "-c", sql)
        return result.stdout.strip()

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its URL."""
        self.databases += 1
        name = name or f"test_{self.databases}"
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Remove a database, cutting off its clients."""
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        """Stop the server and remove its folder."""
        with contextlib.suppress(RuntimeError):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class RedisServer:
    """A redis-server without persistence, on 127.0.0.1."""

    def __init__(self):
        """Find the program and choose a port and folder; nothing runs yet."""
        self.program = find_program("redis-server", "/usr/bin/redis-server")
        self.port = free_port()
        self.root = private_dir("beweegkaart-redis-")
        self.log = self.root / "redis.log"
        self.process = None

    @property
    def url(self) -> str:
        """The address for redis clients and Flask-Limiter."""
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start (again) on the same port and wait until it answers."""
        self.process = subprocess.Popen(  # noqa: S603
            [self.program, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.root), "--logfile", str(self.log),
             "--daemonize", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.process, "redis-server", self.log)
        deadline = time.monotonic() + 10
        while self.command("PING") != "+PONG":  # listening comes shortly before ready
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server does not answer PING{tail(self.log)}")
            time.sleep(0.05)

    def command(self, *words: str) -> str:
        """Send one inline command; returns the first reply line (e.g. '+PONG')."""
        with socket.create_connection(("127.0.0.1", self.port), 5) as sock:
            sock.sendall((" ".join(words) + "\r\n").encode())
            return sock.makefile("rb").readline().decode().strip()

    def flush(self) -> None:
        """Forget every key (between tests)."""
        self.command("FLUSHALL")

    def stop(self) -> None:
        """Stop the server: connections are refused, like a store that is down."""
        stop_process(self.process)
        self.process = None

    def restart(self) -> None:
        """Stop and start again on the same port (empty: there is no persistence)."""
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop the server and remove its folder."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


NGINX_MAIN = """# Generated by tests/servers.py: everything nginx writes stays in {root}.
{user}worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log notice;
daemon off;
events {{ worker_connections 256; }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
{http}
}}
"""


class NginxServer:
    """Debian's nginx with a generated main config around the test's `http` block contents."""

    def __init__(self, http: str, port: int | None = None):
        """`http`: the inside of `http { }`; `{root}` is nginx's folder, `{port}` its port."""
        self.program = find_program("nginx", "/usr/sbin/nginx")
        self.port = port or free_port()
        self.root = private_dir("beweegkaart-nginx-")
        self.config = self.root / "nginx.conf"
        # As root the workers would switch to nobody, who cannot read the test's private files.
        user = "user root root;\n" if os.geteuid() == 0 else ""
        self.config.write_text(NGINX_MAIN.format(root=self.root, user=user,
                                                 http=http.replace("{root}", str(self.root))
                                                 .replace("{port}", str(self.port))))
        self.process = None

    @property
    def access_log(self) -> Path:
        """The default access log (server blocks may log elsewhere)."""
        return self.root / "access.log"

    @property
    def error_log(self) -> Path:
        """The error log."""
        return self.root / "error.log"

    def _command(self, *extra: str) -> list[str]:
        """The nginx command line for this config."""
        return [self.program, "-p", str(self.root), "-e", str(self.error_log),
                "-c", str(self.config), *extra]

    def check(self) -> None:
        """`nginx -t`: fail with nginx's own message when the config is wrong."""
        result = subprocess.run(self._command("-t"), capture_output=True, text=True)  # noqa: S603
        if result.returncode != 0:
            raise RuntimeError(f"nginx -t failed:\n{result.stderr}")

    def start(self) -> None:
        """Check the config, start nginx and wait until it listens."""
        self.check()
        self.process = subprocess.Popen(self._command(), stdout=subprocess.DEVNULL,  # noqa: S603
                                        stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.process, "nginx", self.error_log)

    def stop(self) -> None:
        """Stop nginx (SIGQUIT: finish open requests first)."""
        stop_process(self.process, signal.SIGQUIT)
        self.process = None

    def close(self) -> None:
        """Stop nginx and remove its folder."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class Process:
    """A long-running command (a server or a worker) with its output in files; restartable."""

    def __init__(self, name: str, argv: list, env: dict | None = None, cwd: Path | None = None,
                 port: int | None = None, stop_signal: int = signal.SIGTERM):
        """`port`: wait until it listens there on start; `env` is added to ours."""
        self.name = name
        self.argv = [str(a) for a in argv]
        self.env = {**os.environ, **{k: str(v) for k, v in (env or {}).items()}}
        self.port = port
        self.stop_signal = stop_signal
        self.root = Path(tempfile.mkdtemp(prefix=f"beweegkaart-{name}-"))
        self.cwd = cwd or self.root
        self.stdout = self.root / f"{name}.out"
        self.stderr = self.root / f"{name}.err"
        self.process = None

    def start(self, seconds: float = 60) -> None:
        """Start the command (output is appended across restarts); wait for its port."""
        with self.stdout.open("ab") as out, self.stderr.open("ab") as err:
            self.process = subprocess.Popen(self.argv, env=self.env, cwd=self.cwd,  # noqa: S603
                                            stdout=out, stderr=err)
        if self.port:
            wait_for_port(self.port, self.process, self.name, self.stderr, seconds)

    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Stop it with its stop signal (then kill after a while)."""
        stop_process(self.process, self.stop_signal, seconds=30)
        self.process = None

    def restart(self) -> None:
        """Stop and start again."""
        self.stop()
        self.start()

    def output(self) -> str:
        """Everything it wrote so far (stdout, then stderr)."""
        return "".join(p.read_text(errors="replace") for p in (self.stdout, self.stderr)
                       if p.exists())

    def close(self) -> None:
        """Stop it and remove its folder."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def gunicorn(env: dict, workers: int = 3, port: int | None = None, args: tuple = (),
             cwd: Path | None = None) -> Process:
    """The referral app under gunicorn, as deployed (not started yet; see Process.start).

    The access log goes to stdout, the error log to stderr."""
    port = port or free_port()
    argv = [Path(sys.executable).with_name("gunicorn"), "--workers", workers,
            "--bind", f"127.0.0.1:{port}", "--access-logfile", "-", "--error-logfile", "-",
            "--no-control-socket", *args]
    if "-c" not in args:
        argv.append("referral_app:create_app()")
    return Process("gunicorn", argv, env, cwd, port)


class SmtpHandler:
    """An SMTP handler that stores mails, or answers 4xx/5xx, or hangs, as the test says."""

    def __init__(self):
        """Start in the healthy mode with an empty mailbox."""
        self.mode = "ok"
        self.delay = 0.0  # seconds each mail takes (a slow server, a backlog)
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        """Store the mail (mode ok), refuse it (4xx/5xx) or hang until the mode changes."""
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.mode == "hang":
            while self.mode == "hang":
                await asyncio.sleep(0.05)
            return "451 4.3.0 was hanging"
        if self.mode == "4xx":
            return "451 4.3.0 try again later"
        if self.mode == "5xx":
            return "554 5.3.0 transaction failed"
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                              "message": message_from_bytes(envelope.content,
                                                            policy=policy.default),
                              "raw": envelope.content})
        return "250 OK"


class SmtpServer:
    """A real aiosmtpd server on loopback that can be stopped and started again."""

    def __init__(self, **kwargs):
        """Choose a port; keep the handler (and its mailbox) across restarts."""
        self.handler = SmtpHandler()
        self.port = free_port()
        self.kwargs = kwargs
        self.controller = None

    @property
    def messages(self) -> list:
        """Mails received so far."""
        return self.handler.messages

    def start(self) -> None:
        """Listen (again) on the same port."""
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     **self.kwargs)
        self.controller.start()

    def stop(self) -> None:
        """Stop listening: connections are refused, like a server that is down."""
        self.handler.mode = "ok"  # release a hanging session first
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_for(self, to: str, containing: str = "", seconds: float = 30) -> dict:
        """The first received mail to `to` whose text contains `containing` (waits for it)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for mail in list(self.messages):
                if to in mail["to"] and containing in mail_text(mail["message"]):
                    return mail
            time.sleep(0.1)
        seen = [(m["to"], m["message"]["Subject"]) for m in self.messages]
        raise AssertionError(f"no mail to {to} containing {containing!r} within {seconds} s; "
                             f"received: {seen}")


def mail_text(message) -> str:
    """Subject and plain-text body of a parsed mail, decoded."""
    return f"{message['Subject']}\n{message.get_body(('plain',)).get_content()}"
