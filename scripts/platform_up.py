"""The run command's foreground process: ``python scripts/platform_up.py [--port 8000] [--sqlite]``
(what ``scripts/run-platform`` runs). It uses the RabbitMQ and PostgreSQL on 127.0.0.1, creates the
databases ``approval_<service>`` when missing, starts every process through
:class:`launcher.Platform` (which migrates the databases), seeds the demo catalog, accounts and
project, and prints the URLs and logins; Ctrl-C or SIGTERM stops it. ``--sqlite`` keeps the
databases in ``var/*.db`` instead (then only RabbitMQ is needed).
"""
import argparse
import os
import signal
import sys
import time

from launcher import DEMO_ACCOUNTS, DEMO_PASSWORD, ROOT, SERVICES, Platform


def ensure_databases(admin_url, names):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    urls = {}
    with engine.connect() as conn:
        for name in names:
            database = f"approval_{name}"
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database}).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{database}"'))
            urls[name] = make_url(admin_url).set(database=database).render_as_string(hide_password=False)
    engine.dispose()
    return urls


def up(args):
    names = SERVICES + ("gateway",)
    if args.sqlite:
        urls = {name: f"sqlite:///{ROOT / 'var' / (name + '.db')}" for name in names}
    else:
        urls = ensure_databases(os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
                                names)
    front_url = os.environ.get("EXCHANGE_FRONT_URL")
    if not front_url and not args.sqlite:
        # the province's front database: MariaDB on this machine (scripts/ensure-infra.sh starts it)
        sys.path.insert(0, str(ROOT / "scripts"))
        import province_checker
        province_checker.create_database(os.environ.get("MARIADB_ADMIN_URL", "mysql+pymysql://root@127.0.0.1:3306/"),
                                         "approval_province_front")
        front_url = "mysql+pymysql://root@127.0.0.1:3306/approval_province_front?charset=utf8mb4"
    platform = Platform(amqp_uri=os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672/"),
                        database_urls=urls, keys_dir=ROOT / "var" / "keys", port=args.port,
                        workdir=ROOT / "var", front_url=front_url)
    print("正在启动平台 (starting the platform) ...", flush=True)
    try:
        platform.start()
        platform.wait_ready()
        platform.seed_accounts()
        catalog = platform.seed_catalog()
        project = platform.seed_demo_project()
    except Exception:
        platform.stop()
        raise
    print(f"""
工程建设项目审批管理系统 is running.

  Portal:     {platform.url}/web/         (互联网门户：办事指南、进度查询、证照核验、申请人登录)
  Workbench:  {platform.url}/web/login    (窗口、部门、监督、运营人员登录后进入工作台)
  API:      {platform.url}
  OpenAPI:  {platform.url}/openapi.json
  Health:   {platform.url}/health
  Province: {front_url or '(no front database: --sqlite without EXCHANGE_FRONT_URL)'}
            (前置库; the exchange pushes to it, scripts/province_checker.py plays the province)
  Logs:     {ROOT / 'var' / 'logs'}
  Catalog:  demo catalog loaded as version {catalog.get('version')}
  Project:  {project['project_code']} {project['name']} (applicant's demo project;
            its flowchart: GET {platform.url}/projects/{project['project_code']}/guide.svg,
            or `python scripts/screenshot_flowchart.py --platform {platform.url}`)

Demo accounts (password for all: {DEMO_PASSWORD}):""")
    for account, role in DEMO_ACCOUNTS:
        print(f"  {account:<14} {role}")
    print("\nMetrics (Prometheus, GET /metrics; logs are JSON lines with a request_id):")
    for process in platform.processes:
        if getattr(process, "metrics_port", 0):
            print(f"  {process.label:<16} http://127.0.0.1:{process.metrics_port}/metrics")
    print(f"""
The operator also gives a second-factor code ("totp") at login (the login page's 动态验证码 field). Its secret is in {platform.totp_file}
(add it to an authenticator app), or print the current code with:
      .venv/bin/python -m gateway.accounts totp-code operator --totp-file {platform.totp_file}""")
    if not os.environ.get("GATEWAY_CA_BUNDLE"):
        print(f"""
Certificate (CA key) login trusts the test PKI in {platform.pki_dir} (a city sets GATEWAY_CA_BUNDLE and
GATEWAY_CRL_FILE instead). Issue a key and certificate with
      .venv/bin/platform-pki issue {platform.pki_dir} --name 姓名 --id 身份证号 [--ec]
bind it to an account with POST /accounts/{{account}}/certificates, revoke it with
      .venv/bin/platform-pki revoke {platform.pki_dir} SERIAL""")
    print(f"""
Try:  curl -s -X POST {platform.url}/auth/login -H 'Content-Type: application/json' \\
        -d '{{"account": "applicant", "password": "{DEMO_PASSWORD}"}}'

Press Ctrl-C to stop.""", flush=True)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    try:
        while not stopping:   # a process that dies is started again by the supervisor
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    print("stopping ...", flush=True)
    platform.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("GATEWAY_PORT", 8000)))
    parser.add_argument("--sqlite", action="store_true", help="SQLite files in var/ instead of PostgreSQL")
    up(parser.parse_args())


if __name__ == "__main__":
    main()
