"""gunicorn in a subprocess, as in production (DEBUG=0, gunicorn.conf.py), for the load test and
the fault tests: start it on a free port, wait until it answers, stop it; and a browser to talk to
it (cookies, CSRF token, multipart forms, the proxy's headers).

    with server.running({"DATABASE_URL": url, "SECRET_KEY": settings.SECRET_KEY}) as web:
        browser = server.Browser(web, server.signed_in_session(user))
        status, response, html = browser.request("GET", "/viec-cua-toi/")

The server's output (access and error log) goes to a file; `log_tail()` shows its end when
something went wrong. The process is started in a session of its own, so a Ctrl-C meant for the
caller reaches gunicorn only through stop(), which ends the master and then its whole group.
"""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
# Production settings: a real secret, no debug pages. The TLS proxy in front is played by the
# clients, which send X-Forwarded-Proto: https (see PROXY_HEADERS).
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-server-not-a-real-secret-but-long-and-random-enough-7f3c9a1e5b",
    "ALLOWED_HOSTS": HOST,
    "LOG_LEVEL": "ERROR",
}
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def ensure_static(env: dict[str, str]) -> None:
    """With DEBUG=0 pages name their CSS by the hashed names of the collected manifest (the 500
    page too): collect the static files unless the manifest is newer than every source file."""
    manifest = BASE_DIR / "staticfiles" / "staticfiles.json"
    if manifest.exists():
        built = manifest.stat().st_mtime
        sources = (path for path in (BASE_DIR / "static").rglob("*") if path.is_file())
        if all(path.stat().st_mtime <= built for path in sources):
            return
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=BASE_DIR, env=env, check=True, stdout=subprocess.DEVNULL,
    )


class Server:
    def __init__(self, process: subprocess.Popen, port: int, log_path: Path, owns_log: bool):
        self.process = process
        self.owns_log = owns_log
        self.host = HOST
        self.port = port
        self.log_path = log_path

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def connection(self, timeout: float = 30) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def answers(self) -> bool:
        """Whether the server answers HTTP at all (any status: the database may be down)."""
        try:
            connection = self.connection(timeout=2)
            connection.request("GET", "/dang-nhap/", headers={"Host": self.host, **PROXY_HEADERS})
            connection.getresponse().read()
            connection.close()
            return True
        except OSError:
            return False

    def wait_until_answering(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn ended with status {self.process.returncode}:\n{self.log_tail()}")
            if self.answers():
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 10) -> None:
        """Graceful stop (SIGTERM to the master), then SIGKILL to its process group if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # workers left behind by a killed master
        except (ProcessLookupError, PermissionError):
            pass
        if self.process.poll() is None:
            self.process.wait(timeout)
        if self.owns_log:
            self.log_path.unlink(missing_ok=True)


def start(env: dict[str, str], *, workers: int = 2, threads: int = 4, access_log: bool = True,
          log_path: Path | None = None, timeout: float = 30) -> Server:
    """Start gunicorn with gunicorn.conf.py, production settings and `env` on top (DATABASE_URL...)."""
    full_env = {**os.environ, **PRODUCTION_ENV, **env}
    ensure_static(full_env)
    port = free_port()
    owns_log = log_path is None
    if owns_log:
        handle, name = tempfile.mkstemp(prefix="povertyplan-gunicorn-", suffix=".log")
        os.close(handle)
        log_path = Path(name)
    full_env.update({
        "GUNICORN_BIND": f"{HOST}:{port}",
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_THREADS": str(threads),
        "GUNICORN_ACCESS_LOG": "-" if access_log else "",
    })
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(BASE_DIR / "gunicorn.conf.py"), "--graceful-timeout", "5",
             "--no-control-socket"],  # several servers may run at once; none needs runtime control
            cwd=BASE_DIR, env=full_env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = Server(process, port, log_path, owns_log)
    try:
        server.wait_until_answering(timeout)
    except BaseException:
        server.stop()
        raise
    return server


@contextmanager
def running(env: dict[str, str], **options) -> Iterator[Server]:
    server = start(env, **options)
    try:
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------------
# Talking to it like a browser


def signed_in_session(user) -> str:
    """A session as django.contrib.auth.login and the second-factor step write it, without a
    password hash or a code: the server must run with this process's SECRET_KEY (sessions and the
    auth hash are signed with it). Officers, reviewers and admins must have given a second factor."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = confirmed_device(user).persistent_id
    session.create()
    return session.session_key


def log_in(client, user) -> None:
    """A test client signed in with the second factor given: officers, reviewers and admins must
    give one, and so must anyone (a leader too) once they have an authenticator device."""
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = confirmed_device(user).persistent_id
    session.save()


def confirmed_device(user):
    """The user's authenticator device, made on first use."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="bench", confirmed=True)


IDLE_RECONNECT_SECONDS = 4.0  # gunicorn.conf.py keeps an idle connection open 5 s
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
INPUT_RE = re.compile(r"<input\b[^>]*>")


class Browser:
    """One user's browser behind the TLS proxy: a keep-alive connection (opened again when it has
    been idle longer than the server keeps it), cookies, the proxy's and the browser's headers."""

    def __init__(self, server: Server, session_key: str | None = None, timeout: float = 30):
        self.host, self.port, self.timeout = server.host, server.port, timeout
        self.cookies = {"sessionid": session_key} if session_key else {}
        self.origin = f"https://{self.host}:{self.port}"
        self.connection: http.client.HTTPConnection | None = None
        self.last_used = 0.0

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        """(status, response, body text); raises OSError/HTTPException when the connection fails."""
        if self.connection is None or time.monotonic() - self.last_used > IDLE_RECONNECT_SECONDS:
            self.close()
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        all_headers = {
            "Host": f"{self.host}:{self.port}",
            **PROXY_HEADERS,
            "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items()),
            "Accept-Language": "vi",
        }
        if method == "POST":
            all_headers.update({"Origin": self.origin, "Referer": self.origin + path})
        all_headers.update(headers or {})
        try:
            self.connection.request(method, path, body=body, headers=all_headers)
            response = self.connection.getresponse()
            data = response.read()
        except Exception:
            self.close()
            raise
        finally:
            self.last_used = time.monotonic()
        for cookie in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if (response.getheader("Connection") or "").lower() == "close":
            self.close()
        return response.status, response, data.decode("utf-8", errors="replace")

    def post_form(self, path: str, fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]] = ()):
        body, content_type = multipart(fields, files)
        return self.request("POST", path, body, {"Content-Type": content_type})

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def form_fields(html: str, names: tuple[str, ...] = ("version", "year")) -> dict[str, str]:
    """The CSRF token and the values of the named inputs of a page's form."""
    fields = {}
    match = CSRF_RE.search(html)
    if match:
        fields["csrfmiddlewaretoken"] = match.group(1)
    for tag in INPUT_RE.findall(html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) in names:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]] = ()) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser sends it; files are (field, file name, content),
    an empty file name for a file input left empty."""
    boundary = f"----povertyplan{uuid.uuid4().hex}"
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, content in files:
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: application/octet-stream\r\n\r\n")
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
