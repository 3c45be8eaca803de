"""The real servers of tests/servers.py start, answer, and come back after a restart."""

import urllib.request

import pytest
import redis
import sqlalchemy

from tests.servers import MissingServer, NginxServer, find_program


def test_postgres_answers_and_survives_a_restart(postgres_server, fresh_postgres_url):
    """A table written before a restart is there after it; the server says its version."""
    engine = sqlalchemy.create_engine(fresh_postgres_url)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text("CREATE TABLE kept (n int)"))
        conn.execute(sqlalchemy.text("INSERT INTO kept VALUES (42)"))
        assert "PostgreSQL" in conn.execute(sqlalchemy.text("SELECT version()")).scalar()
    engine.dispose()
    postgres_server.restart()
    with engine.connect() as conn:
        assert conn.execute(sqlalchemy.text("SELECT n FROM kept")).scalar() == 42
    engine.dispose()


def test_postgres_stop_refuses_connections(postgres_server, fresh_postgres_url):
    """A stopped server refuses clients (what the fault tests rely on); start brings it back."""
    engine = sqlalchemy.create_engine(fresh_postgres_url)
    postgres_server.stop()
    try:
        with pytest.raises(sqlalchemy.exc.OperationalError):
            engine.connect()
    finally:
        postgres_server.start()
    with engine.connect() as conn:
        assert conn.execute(sqlalchemy.text("SELECT 1")).scalar() == 1
    engine.dispose()


def test_redis_answers_and_restarts_empty(redis_server, redis_url):
    """The redis client talks to it; a restart empties it (no persistence) on the same port."""
    client = redis.Redis.from_url(redis_url)
    client.set("beweegkaart", "ja")
    assert client.get("beweegkaart") == b"ja"
    redis_server.restart()
    assert client.get("beweegkaart") is None
    redis_server.stop()
    with pytest.raises(redis.exceptions.ConnectionError):
        client.ping()
    redis_server.start()
    assert client.ping()


def test_nginx_serves_files_and_writes_only_in_its_folder(tmp_path):
    """A generated config serves a folder; the access log is in nginx's own temporary folder."""
    (tmp_path / "index.html").write_text("<p>Beweegkaart</p>")
    server = NginxServer("server { listen 127.0.0.1:{port}; root " + str(tmp_path) + "; }")
    server.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/index.html") as answer:
            assert answer.read() == b"<p>Beweegkaart</p>"
    finally:
        server.stop()
    assert "GET /index.html HTTP/1.1\" 200" in server.access_log.read_text()
    server.close()


def test_a_missing_server_program_says_how_to_install_it():
    """No silent skip: a missing program fails with the command that installs it."""
    with pytest.raises(MissingServer, match="make install"):
        find_program("beweegkaart-no-such-server", "/nonexistent/*/bin/initdb")
