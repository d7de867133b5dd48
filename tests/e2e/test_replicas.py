"""A lecture hall: app replicas behind nginx, configured by ``deploy/nginx.conf`` itself (rendered
with the test's ports).

- The routing, against stand-in replicas that answer with their own address: a new visitor is
  dealt a replica and pinned to it by a cookie, a forged cookie reaches no other address, a page
  load whose replica stopped is dealt to a running one, and a stopped replica's session traffic
  gets the message its page shows.
- The real app: two ``streamlit run app.py`` replicas and ten browser sessions through the proxy.
  Each session's training goes on across its reruns and across a reconnect of its websocket;
  stopping one replica loses only that replica's sessions, which show the proxy's "reload the
  page" message, and a reload lands on the replica still running. Its numbers go to
  ``artifacts/replicas.json``.

nginx is Debian's package (``make browser`` installs it); without it these tests skip and say why.
It runs in the foreground with its own prefix, temp folders and ports; no system configuration is
read or touched.
"""
from __future__ import annotations

import errno
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ganviz.bench import browser

SESSIONS = 10
REPLICAS = ("127.0.0.2", "127.0.0.3")  # each replica's loopback address, as in deploy/compose.yaml
DEPLOY = browser.ROOT / "deploy"
ARTIFACTS = browser.ROOT / "artifacts"
TRAIN_URL = "train?model.width=64&batch_size=128"  # a small toy GAN per student, as in test_load.py
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"  # Debian's, off a user's PATH
BUDGETS = {"GANVIZ_RUN_MEMORY_MB": "1536", "GANVIZ_SERVER_MEMORY_MB": "2048"}  # per replica
LOST = "Reload the page to start again"  # the first line of the proxy's message to a stopped replica's pages
NO_REPLICA = "No ganviz server is running right now"
# Keeps every websocket the page opens, so that the test can drop them as a network blip would.
KEEP_SOCKETS = """(() => {
  const Native = window.WebSocket, sockets = [];
  window.__sockets = sockets;
  window.WebSocket = class extends Native { constructor(...args) { super(...args); sockets.push(this); } };
})()"""
DROP_SOCKETS = "() => window.__sockets.forEach(socket => socket.close())"
# The proxy process: what the official nginx image's own nginx.conf provides around the template.
MAIN_CONF = """daemon off;
worker_processes 1;
{user}
pid {tmp}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include ganviz.conf;
}}
"""


def render(template: str, values: dict[str, str]) -> str:
    """The template with its ``${GANVIZ_*}`` placeholders filled in, as the nginx image's envsubst
    does with ``NGINX_ENVSUBST_FILTER=^GANVIZ_`` (nginx's own ``$variables`` stay)."""
    return re.sub(r"\$\{(GANVIZ_\w+)\}", lambda match: values[match.group(1)], template)


def free_port(*addresses: str) -> int:
    """A port free at every one of ``addresses`` (OSError if one is not this machine's)."""
    while True:
        with socket.socket() as probe:
            probe.bind((addresses[0], 0))
            port = probe.getsockname()[1]
        try:
            for address in addresses[1:]:
                with socket.socket() as probe:
                    probe.bind((address, port))
            return port
        except OSError as err:
            if err.errno != errno.EADDRINUSE:
                raise


class Proxy:
    """nginx in the foreground on 127.0.0.1, in front of replicas at ``REPLICAS`` on ``app_port``;
    its access log goes to ``log``."""

    def __init__(self, folder: Path, app_port: int, log: Path):
        conf, tmp = folder / "conf", folder / "tmp"
        conf.mkdir(parents=True)
        tmp.mkdir()
        self.port = free_port("127.0.0.1")
        self.url = f"http://127.0.0.1:{self.port}"
        template = (DEPLOY / "nginx.conf").read_text()
        (conf / "ganviz.conf").write_text(render(template, {"GANVIZ_LISTEN": f"127.0.0.1:{self.port}",
                                                           "GANVIZ_APP_PORT": str(app_port)}))
        (conf / "ganviz").mkdir()
        (conf / "ganviz" / "replicas.conf").write_text("".join(f"server {a}:{app_port};\n" for a in REPLICAS))
        user = "user root;" if os.geteuid() == 0 else ""  # its workers then reach the temp folders
        (conf / "nginx.conf").write_text(MAIN_CONF.format(user=user, tmp=tmp))
        self.log, self.error_log = log, folder / "error.log"
        command = [NGINX, "-p", str(folder), "-c", str(conf / "nginx.conf"), "-e", str(self.error_log)]
        check = subprocess.run(command + ["-t"], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        log.write_bytes(b"")
        with open(log, "ab") as out:  # nginx appends its access log to its standard output
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        self._wait()

    def _wait(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.error_log.read_text()
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        pytest.fail(f"nginx did not listen within {timeout:.0f} s:\n{self.error_log.read_text()}")

    def get(self, path: str, replica: str | None = None) -> tuple[int, str | None, str]:
        """(status, the replica its Set-Cookie names or None, body) of a GET with that cookie."""
        request = urllib.request.Request(self.url + path,
                                         headers={"Cookie": f"ganviz_replica={replica}"} if replica else {})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                status, headers, body = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as err:
            status, headers, body = err.code, err.headers, err.read()
        cookie = re.search(r"ganviz_replica=([^;]*)", headers.get("Set-Cookie") or "")
        return status, cookie and cookie.group(1), body.decode()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def need_nginx() -> None:
    """Skip, saying why, without nginx or without the replicas' loopback addresses (Linux has all
    of 127.0.0.0/8; macOS only 127.0.0.1)."""
    if not os.access(NGINX, os.X_OK):
        pytest.skip("the replica tests need Debian's nginx (run `make browser` as root, "
                    "or: sudo apt-get install -y nginx)")
    try:
        free_port(*REPLICAS)
    except OSError as err:
        pytest.skip(f"the replica tests need the loopback addresses {', '.join(REPLICAS)}: {err}")


# -- the routing, against stand-in replicas ------------------------------------------------------
class StandIn(BaseHTTPRequestHandler):
    """Answers every request with its server's address."""

    def do_GET(self):
        body = self.server.server_address[0].encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_visitors_are_pinned_and_a_stopped_replica_is_routed_around(tmp_path):
    need_nginx()
    app_port = free_port(*REPLICAS)
    stand_ins = {address: ThreadingHTTPServer((address, app_port), StandIn) for address in REPLICAS}
    for server in stand_ins.values():
        threading.Thread(target=server.serve_forever, daemon=True).start()
    proxy = Proxy(tmp_path / "nginx", app_port, tmp_path / "access.log")
    try:
        # New visitors are dealt a replica each, in turn, and pinned to it by the cookie.
        dealt = [proxy.get("/train") for _ in range(4)]
        assert [status for status, _, _ in dealt] == [200] * 4
        assert all(cookie == body for _, cookie, body in dealt), dealt
        assert sorted(cookie for _, cookie, _ in dealt) == sorted(REPLICAS * 2), dealt
        for address in REPLICAS:
            for path in ("/", "/_stcore/health", "/_stcore/stream", "/media/a.png", "/static/js/x.js"):
                assert proxy.get(path, address)[::2] == (200, address), (path, address)
        # A cookie naming anything but a replica's address is not followed: the pool serves it.
        for forged in ("10.0.0.1", "127.0.0.1:22", "localhost", "127.0.0.2;"):
            status, _, body = proxy.get("/_stcore/health", forged)
            assert status == 200 and body in REPLICAS, (forged, status, body)

        stopped, running = REPLICAS
        stand_ins[stopped].shutdown()
        stand_ins[stopped].server_close()
        # The stopped replica's session traffic gets the message its page shows, as a JSON
        # string (the only body Streamlit's page shows); the running replica's is untouched.
        for path in ("/_stcore/health", "/_stcore/host-config", "/train/_stcore/health", "/static/js/x.js"):
            status, cookie, body = proxy.get(path, stopped)
            assert (status, cookie) == (503, None) and json.loads(body).startswith(LOST), (path, status, body)
            assert proxy.get(path, running)[::2] == (200, running)
        # A page load is a new session: it is dealt to the running replica, and the cookie follows.
        assert proxy.get("/train", stopped) == (200, running, running)
        assert all(proxy.get("/", None)[1] == running for _ in range(3))

        stand_ins[running].shutdown()
        stand_ins[running].server_close()
        status, _, body = proxy.get("/train", running)
        assert status == 503 and body.startswith(NO_REPLICA), (status, body)
    finally:
        proxy.stop()
        for server in stand_ins.values():
            server.server_close()


# -- the real app in Chromium ---------------------------------------------------------------------
@pytest.fixture
def hall(tmp_path):
    """(replicas by address, proxy): two ``streamlit run app.py`` behind nginx, stopped afterwards."""
    need_nginx()
    ARTIFACTS.mkdir(exist_ok=True)
    app_port = free_port(*REPLICAS)
    # A blip's reconnect must find its session, however long ten busy pages take to come back on
    # this loaded machine (all ten took 50 s once; another time one session lost its run, its
    # reconnect presumably past the 20 s default): what the grace period does is test_resources'
    # and test_load's to test, stickiness is this one's.
    env = {"OMP_NUM_THREADS": "1", "GANVIZ_SESSION_GRACE_S": "120", **BUDGETS}

    def start(address: str) -> browser.AppServer:
        return browser.start_server(ARTIFACTS / f"streamlit-replica-{address}.log", env, address=address, port=app_port)

    with ThreadPoolExecutor(len(REPLICAS)) as pool:
        started = [pool.submit(start, address) for address in REPLICAS]
    try:
        replicas = {address: future.result() for address, future in zip(REPLICAS, started)}
    except browser.ServerError as err:
        for future in started:
            if future.exception() is None:
                future.result().stop()
        pytest.fail(str(err))
    proxy = Proxy(tmp_path / "nginx", app_port, ARTIFACTS / "nginx-replicas.log")
    yield replicas, proxy
    proxy.stop()
    for server in replicas.values():
        if server.process.poll() is None:
            server.stop()


@pytest.fixture
def visitors(request, screenshots):
    """``visitors(chromium, proxy)`` -> (context, tab) of a new visitor's Train page. If the test
    fails, each visitor's page is left as a screenshot and its text printed."""
    opened = []

    def open_session(chromium, proxy: Proxy):
        context = chromium.new_context(viewport={"width": 1200, "height": 900})
        context.add_init_script(KEEP_SOCKETS)
        tab = context.new_page()
        tab.set_default_timeout(240_000)
        tab.goto(f"{proxy.url}/{TRAIN_URL}", wait_until="commit")
        opened.append((context, tab))
        return context, tab

    yield open_session
    report = getattr(request.node, "report_call", None)
    for number, (context, tab) in enumerate(opened):
        if report is not None and report.failed:
            tab.screenshot(path=str(screenshots / f"FAILED-replicas-{number}.png"))
            print(f"visitor {number} ({replica_of(context)}): {tab.locator('body').inner_text(timeout=10_000)[-600:]}")
        context.close()


def press(tab, name: str) -> None:
    """Click a button once the page is idle (a click during a run can be lost to the rerun)."""
    button = tab.get_by_role("button", name=name)
    button.wait_for()
    tab.wait_for_function("() => !!document.querySelector('[data-testid=\"stApp\"][data-test-script-state=\"notRunning\"]')")
    button.click()


def replica_of(context) -> str | None:
    return next((c["value"] for c in context.cookies() if c["name"] == "ganviz_replica"), None)


def progress(tab) -> str:
    return " ".join(tab.locator('[data-testid="stProgress"]').all_inner_texts())


def step(tab, web) -> int:
    return web.progress_step(tab) or 0


def routed(log: str, app_port: int) -> list[tuple[str, str]]:
    """(the replica a request's cookie named, the replicas nginx tried) for every request in the
    access log (deploy/nginx.conf's ``ganviz`` format) that carried a replica cookie."""
    return [(pinned, tried.replace(f":{app_port}", "")) for tried, pinned in
            re.findall(r"replica=(.*?) pinned=(127\.0\.0\.\d+) ", log)]


@pytest.mark.browser
def test_sessions_stay_on_their_replica_and_a_stopped_replica_loses_only_its_own(hall, launch_chromium, visitors,
                                                                                 web, screenshots):
    replicas, proxy = hall
    stopped, running = REPLICAS
    # Ten pages redrawing WebGL in software would measure this machine's CPU (see test_load.py).
    chromium = launch_chromium("--disable-webgl", "--disable-3d-apis")
    seconds, began = {}, time.monotonic()

    sessions = [visitors(chromium, proxy) for _ in range(SESSIONS)]
    for _, tab in sessions:
        press(tab, "▶ Start")
    web.until(lambda: all(step(tab, web) > 0 for _, tab in sessions), timeout=240, what="every session to train")
    seconds["all_training"] = time.monotonic() - began
    placed = [replica_of(context) for context, _ in sessions]
    by_replica = {address: [s for s, r in zip(sessions, placed) if r == address] for address in REPLICAS}
    assert set(placed) == set(REPLICAS), placed
    assert all(len(group) >= SESSIONS // 2 - 1 for group in by_replica.values()), placed  # dealt evenly

    # Reruns: Pause and Start each rerun the whole page; the run goes on from where it paused.
    mark = time.monotonic()
    for _, tab in sessions:
        press(tab, "⏸ Pause")
    web.until(lambda: all("paused" in progress(tab) for _, tab in sessions), timeout=120, what="every run to pause")
    paused = [step(tab, web) for _, tab in sessions]
    for _, tab in sessions:
        press(tab, "▶ Start")
    web.until(lambda: all(step(tab, web) > s for (_, tab), s in zip(sessions, paused)), timeout=120,
              what="every run to go on after its reruns")
    seconds["reruns"] = time.monotonic() - mark

    # A network blip: every page's websocket drops and reconnects through the proxy to the session
    # it left, whose run goes on (on another replica it would find a blank page: no progress bar).
    mark, before = time.monotonic(), [step(tab, web) for _, tab in sessions]
    for _, tab in sessions:
        tab.evaluate(DROP_SOCKETS)
    web.until(lambda: all(step(tab, web) > s for (_, tab), s in zip(sessions, before)), timeout=120,
              what="every session to go on training after its websocket reconnected")
    seconds["reconnect"] = time.monotonic() - mark
    assert all(tab.evaluate("window.__sockets.length") >= 2 for _, tab in sessions)  # each did reconnect
    app_port = int(replicas[stopped].url.rsplit(":", 1)[1])
    requests = routed(proxy.log.read_text(), app_port)
    assert requests and all(pinned == tried for pinned, tried in requests), requests

    # One replica stops: its pages say so and what to do; the other replica's go on training.
    mark = time.monotonic()
    replicas[stopped].stop()
    lost, kept = by_replica[stopped], by_replica[running]
    kept_before = [step(tab, web) for _, tab in kept]
    for _, tab in lost:
        tab.get_by_text(LOST).wait_for(timeout=90_000)
    seconds["message_shown"] = time.monotonic() - mark
    tab = lost[0][1]
    tab.screenshot(path=str(screenshots / "replica-stopped.png"))
    dialog = tab.get_by_role("dialog").inner_text()
    assert "Connection error" in dialog and LOST in dialog, dialog
    web.until(lambda: all(step(tab, web) > s for (_, tab), s in zip(kept, kept_before)), timeout=120,
              what="the running replica's sessions to go on training")
    assert not any(tab.get_by_text(LOST).count() or web.exceptions_on(tab) for _, tab in kept)

    # Reloading a lost page starts a new session on the running replica, which trains.
    mark = time.monotonic()
    context, tab = lost[0]
    tab.reload(wait_until="commit")
    press(tab, "▶ Start")
    web.until(lambda: step(tab, web) > 0, timeout=240, what="the reloaded page to train")
    seconds["reload_training"] = time.monotonic() - mark
    assert replica_of(context) == running
    assert not replicas[running].tracebacks(), replicas[running].log_text()[-3000:]

    numbers = {"sessions_per_replica": {a: len(g) for a, g in by_replica.items()},
               "seconds": {k: round(v, 1) for k, v in seconds.items()}, "total_s": round(time.monotonic() - began, 1),
               "cpu_count": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 1)}
    (ARTIFACTS / "replicas.json").write_text(json.dumps(numbers, indent=2))
    print(json.dumps(numbers))
