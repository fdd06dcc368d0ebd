"""The whole platform on this machine, as :class:`Platform`: five nameko services and the gateway,
and (with a front database) the exchange with the province and a stand-in for the province's checker.

The run command (``scripts/run-platform``: ``scripts/platform_up.py``), the end-to-end tests and the
benchmarks use it the same way, the tests and benchmarks with their own vhost and throwaway databases. Once the platform is ready, a process that dies is started again
with back-off (``scripts/process_supervisor.py``); one dying never stops the others.
"""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path

from process_supervisor import Supervisor

# Importing the services' migrations pulls in nameko, whose eventlet import warns on every start.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SERVICES = ("intake", "stage", "consult", "certificate", "supervision")
# the services with an HTTP port the gateway forwards to: the variable of its address
HTTP_PORT_OF = {"intake": "INTAKE_HTTP_ADDRESS", "stage": "STAGE_HTTP_ADDRESS"}
DEMO_PASSWORD = "Demo@2026"
DEMO_PROJECT = {
    "project_code": "2026-410800-48-01-900001", "name": "焦作市第一人民医院门诊楼建设项目",
    "category": "gov_building", "region": "410800", "applicant_org": "91410800MA47Q0R12X",
    "applicant_name": "焦作市城市建设投资有限公司",
    "attributes": {"floor_area_m2": 12500.5, "land_area_m2": 8200, "height_m": 36, "use": "hospital",
                   "has_elevator": True, "has_radiology": True, "eia_level": "table"},
}
DEMO_ACCOUNTS = (
    ("operator", "平台运营（政务服务和大数据管理局）"),
    ("applicant", "建设单位：焦作市城市建设投资有限公司"),
    ("clerk", "综合窗口"),
    ("nrp-officer", "自然资源和规划局 审批人员"),
    ("drc-officer", "发展和改革委员会 审批人员"),
    ("hcd-officer", "住房和城乡建设局 审批人员"),
    ("supervisor", "监察"),
)


def free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_json(method, url, body=None, token=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


class Platform:
    """The platform's processes, started with the given broker, databases and keys."""

    def __init__(self, *, amqp_uri, database_urls, keys_dir, port, workdir, extra_env=None,
                 replicas=None, front_url=None, checker=True):
        self.amqp_uri = amqp_uri
        # the provincial front database (SQLAlchemy URL): with one, the exchange process runs (as
        # many replicas as replicas["exchange"]) and, unless checker=False, the province's checker
        self.front_url = front_url
        self.checker = checker
        self.database_urls = database_urls     # service name (and "gateway") -> URL
        self.keys_dir = Path(keys_dir)
        self.port = port
        self.workdir = Path(workdir)
        self.extra_env = extra_env or {}
        self.replicas = replicas or {}
        self.processes = []
        self.supervisor = None
        self.url = f"http://127.0.0.1:{port}"
        self.intake_http_port = free_port()
        self.stage_http_port = free_port()
        # the demo operator's TOTP secret, written by the seeding; secrets of administrators enrolled
        # through login() are added to it
        self.totp_file = self.workdir / "demo-totp.json"
        # a city's CA chain and CRL come from GATEWAY_CA_BUNDLE / GATEWAY_CRL_FILE; without them the
        # platform trusts a test PKI of its own working folder (platform-pki issues its certificates)
        self.pki_dir = self.workdir / "pki"
        self.sessions = {}      # account -> refresh token of its login (accounts with a second factor)
        self.totp_steps = {}    # account -> the last time step whose code was used

    def env(self):
        env = dict(os.environ)
        env.update({
            "AMQP_URI": self.amqp_uri,
            "JWT_PUBLIC_KEY_FILE": str(self.keys_dir / "jwt-public.pem"),
            "JWT_PRIVATE_KEY_FILE": str(self.keys_dir / "jwt-private.pem"),
            "MATERIAL_STORAGE_DIR": str(self.workdir / "materials"),
            "GATEWAY_PORT": str(self.port),
            # intake's streaming upload endpoint; the gateway forwards material uploads to it
            "INTAKE_HTTP_ADDRESS": f"127.0.0.1:{self.intake_http_port}",
            # the stage service's read port; the gateway forwards a project's stages to it
            "STAGE_HTTP_ADDRESS": f"127.0.0.1:{self.stage_http_port}",
            "PYTHONUNBUFFERED": "1",
        })
        for name, url in self.database_urls.items():
            env[f"{name.upper()}_DATABASE_URL"] = url
        if self.front_url:
            env["EXCHANGE_FRONT_URL"] = self.front_url
        if not env.get("GATEWAY_CA_BUNDLE"):
            env["GATEWAY_CA_BUNDLE"] = str(self.pki_dir / "bundle.pem")
            env["GATEWAY_CRL_FILE"] = str(self.pki_dir / "crl.pem")
        # the departments' and the window's seal certificates come from the same city PKI
        env.setdefault("SEAL_PKI_DIR", str(self.pki_dir))
        env.setdefault("LICENCE_VERIFY_URL", f"{self.url}/web/verify")
        env.update(self.extra_env)
        return env

    @property
    def pki(self):
        """The test PKI the platform trusts when no city CA is configured (made on first use)."""
        from platform_kit.pki import TestPki
        pki = TestPki(self.pki_dir)
        return pki if pki.bundle_path.exists() else pki.init()

    def ensure_keys(self):
        from platform_kit.keys import ensure_key_pair
        ensure_key_pair(self.keys_dir)

    def migrate(self):
        from platform_kit.migrate import upgrade
        for name, url in self.database_urls.items():
            upgrade(name, url)

    def _spawn(self, name, args, env=None):
        logs = self.workdir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        # every process serves its own /metrics (METRICS_PORT: a free port each; "0" in extra_env: none)
        env = dict(env or self.env())
        metrics_port = 0 if self.extra_env.get("METRICS_PORT") == "0" else free_port()
        env["METRICS_PORT"] = str(metrics_port)
        with open(logs / f"{name}.log", "ab") as log:
            process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        process.metrics_port = metrics_port
        process.log_path = logs / f"{name}.log"
        process.label = name
        process.spawned_with = (args, env)
        process.started_at = time.monotonic()
        self.processes.append(process)
        return process

    def respawn(self, process):
        """Start a process that exited again, with the same command and environment."""
        return self._spawn(process.label, *process.spawned_with)

    def supervise(self):
        """From now on a process that dies is started again (see scripts/process_supervisor.py)."""
        if self.supervisor is None:
            self.supervisor = Supervisor(self).start()
        return self.supervisor

    def stop_process(self, label, sig=signal.SIGTERM):
        """Stop one process (e.g. ``consult-1``) on purpose and wait for it: it is not restarted."""
        process = next(p for p in self.processes if p.label == label and p.poll() is None)
        if self.supervisor is not None:
            self.supervisor.forget(process)
        else:
            self.processes.remove(process)
        os.killpg(process.pid, sig)
        process.wait(20)
        return process

    def start_service(self, service, replica=1):
        env = None
        if service in HTTP_PORT_OF and replica > 1:
            # one machine, one port: further local replicas serve RPC and events only
            env = dict(self.env(), **{HTTP_PORT_OF[service]: "127.0.0.1:0"})
        return self._spawn(f"{service}-{replica}", [
            str(BIN / "nameko"), "run", "--config", f"services/{service}/config.yml", f"{service}.service"],
            env=env)

    def start_exchange(self, replica=1):
        """The exchange with the province (supervision's code, a process of its own)."""
        return self._spawn(f"exchange-{replica}", [
            str(BIN / "nameko"), "run", "--config", "services/supervision/exchange.yml",
            "supervision.exchange.service"])

    def start_checker(self):
        """The province's side: checks new front-database rows every CHECKER_SECONDS (default 1)."""
        process = self._spawn("province-checker", [
            sys.executable, str(ROOT / "scripts" / "province_checker.py"), "run", "--url", self.front_url,
            "--interval", self.extra_env.get("CHECKER_SECONDS", "1")])
        process.metrics_port = 0    # the province's side serves no metrics
        return process

    def start(self):
        self.ensure_keys()
        if not os.environ.get("GATEWAY_CA_BUNDLE"):
            self.pki   # noqa: B018  (made before the gateway reads it)
        self.migrate()
        for service in SERVICES:
            for replica in range(1, self.replicas.get(service, 1) + 1):
                self.start_service(service, replica)
        if self.front_url:
            sys.path.insert(0, str(ROOT / "scripts"))
            import province_checker
            from sqlalchemy import create_engine
            engine = create_engine(self.front_url)
            province_checker.create(engine)     # the province publishes the tables first
            engine.dispose()
            for replica in range(1, self.replicas.get("exchange", 1) + 1):
                self.start_exchange(replica)
            if self.checker:
                self.start_checker()
        self._spawn("gateway", [str(BIN / "gunicorn"), "-c", "gateway/gunicorn.conf.py",
                                "gateway.app:get_app()"])
        return self

    def wait_ready(self, timeout=90):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{process.label} exited with {process.returncode}; "
                                       f"see {process.log_path}:\n{self.tail(process)}")
            try:
                status, body = http_json("GET", f"{self.url}/health", timeout=5)
                if status == 200:
                    self.supervise()
                    return body
                last = body
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                last = repr(exc)
            time.sleep(0.5)
        raise RuntimeError(f"platform not ready after {timeout}s: {last}")

    def tail(self, process, lines=30):
        try:
            return "\n".join(process.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def seed_accounts(self):
        done = subprocess.run([sys.executable, "-m", "gateway.accounts", "seed-demo", "--totp-file",
                               str(self.totp_file)], cwd=ROOT, env=self.env(), capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"creating the demo accounts failed:\n{done.stderr[-2000:]}")
        self.sessions.clear()

    def login(self, account, password=DEMO_PASSWORD):
        """An access token of `account`, got as its holder gets one. Operators and department
        administrators give a code of their second factor (the secret from ``totp_file``); one that
        has none yet enrols it with the token the login answers. A code is good once, so an account
        with a second factor logs in once and refreshes that login afterwards."""
        if account in self.sessions:
            status, body = http_json("POST", f"{self.url}/auth/refresh",
                                     {"refresh_token": self.sessions.pop(account)})
            if status == 200:
                self.sessions[account] = body["refresh_token"]
                return body["access_token"]
        credentials = {"account": account, "password": password}
        secret = self.totp_secrets().get(account)
        if secret:
            credentials["totp"] = self.totp_code(account, secret)
        status, body = http_json("POST", f"{self.url}/auth/login", credentials)
        if status == 403 and (body or {}).get("enrolment_token"):
            status, body = self.enrol(account, body["enrolment_token"])
        if status != 200:
            raise RuntimeError(f"login {account} failed: {status} {body}")
        if secret or account in self.totp_secrets():
            self.sessions[account] = body["refresh_token"]
        return body["access_token"]

    def totp_secrets(self):
        return json.loads(self.totp_file.read_text()) if self.totp_file.exists() else {}

    def totp_code(self, account, secret):
        """The code of the earliest time step the gateway still accepts and no login has used."""
        import pyotp
        step = 30
        counter = max(int(time.time()) // step - 1, self.totp_steps.get(account, -1) + 1)
        while counter > int(time.time()) // step + 1:
            time.sleep(1)
        self.totp_steps[account] = counter
        return pyotp.TOTP(secret).generate_otp(counter)

    def enrol(self, account, enrolment_token):
        """Bind a second factor as its holder would: take the secret, answer with its first code."""
        # ten recovery codes hashed with the password hasher (argon2): seconds when the machine is busy
        status, body = http_json("POST", f"{self.url}/auth/totp/enrolment", {"enrolment_token": enrolment_token},
                                 timeout=60)
        if status != 201:
            raise RuntimeError(f"enrolling {account}'s second factor failed: {status} {body}")
        self.totp_file.write_text(json.dumps(dict(self.totp_secrets(), **{account: body["secret"]}), indent=2))
        return http_json("POST", f"{self.url}/auth/totp/confirmation", {
            "enrolment_token": enrolment_token, "totp": self.totp_code(account, body["secret"])})

    def seed_catalog(self):
        catalog = json.loads((ROOT / "services/intake/intake/demo_catalog.json").read_text())
        status, body = http_json("PUT", f"{self.url}/catalog", catalog, token=self.login("operator"))
        if status not in (200, 201):
            raise RuntimeError(f"loading the demo catalog failed: {status} {body}")
        return body

    def seed_demo_project(self):
        """The demo project, pushed as the investment platform would (idempotent by its code)."""
        status, body = http_json("PUT", f"{self.url}/projects/{DEMO_PROJECT['project_code']}",
                                 {k: v for k, v in DEMO_PROJECT.items() if k != "project_code"},
                                 token=self.login("operator"))
        if status not in (200, 201):
            raise RuntimeError(f"pushing the demo project failed: {status} {body}")
        return body

    def stop(self):
        if self.supervisor is not None:
            self.supervisor.stop()
            self.supervisor = None
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.time() + 15
        for process in self.processes:
            try:
                process.wait(max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes = []
