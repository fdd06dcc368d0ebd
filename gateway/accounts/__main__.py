"""Account commands for operators.

``python -m gateway.accounts seed-demo [--totp-file F]``  creates or resets the demo accounts (password
    Demo@2026); the demo operator's second factor is a fresh TOTP secret written to F
``python -m gateway.accounts totp-code [ACCOUNT] [--totp-file F]``  the demo operator's current code
``python -m gateway.accounts create ACCOUNT --role ROLE --name NAME [...]``  adds one account
``python -m gateway.accounts unlock ACCOUNT --reason WHY``  lifts a lockout

The database is ``GATEWAY_DATABASE_URL`` (default ``sqlite:///var/gateway.db``), migrated first.
F is ``--totp-file``, else ``DEMO_TOTP_FILE``, else ``var/demo-totp.json`` (readable by its owner only).
"""
import argparse
import getpass
import json
import os
import sys
from pathlib import Path

from platform_kit.errors import PlatformError
from platform_kit.migrate import upgrade

DEMO_PASSWORD = "Demo@2026"
DEMO_REGION = "410800"  # 焦作市
OFFICER_STEPS = ["accept", "review", "approve", "conclude"]
DEMO_ACCOUNTS = (
    {"account": "operator", "role": "operator", "name": "平台运营（政务服务和大数据管理局）"},
    {"account": "applicant", "role": "applicant", "name": "焦作市城市建设投资有限公司",
     "org": "91410800MA47Q0R12X", "region": DEMO_REGION},
    {"account": "clerk", "role": "clerk", "name": "综合窗口", "region": DEMO_REGION},
    {"account": "nrp-officer", "role": "officer", "name": "自然资源和规划局 审批人员", "department": "NRP",
     "region": DEMO_REGION, "steps": OFFICER_STEPS},
    {"account": "drc-officer", "role": "officer", "name": "发展和改革委员会 审批人员", "department": "DRC",
     "region": DEMO_REGION, "steps": OFFICER_STEPS},
    {"account": "hcd-officer", "role": "officer", "name": "住房和城乡建设局 审批人员", "department": "HCD",
     "region": DEMO_REGION, "steps": OFFICER_STEPS},
    {"account": "supervisor", "role": "supervisor", "name": "监察", "region": DEMO_REGION},
)


def account_book():
    from gateway.accounts.book import AccountBook
    from gateway.settings import Settings
    url = os.environ.get("GATEWAY_DATABASE_URL") or "sqlite:///var/gateway.db"
    upgrade("gateway", url)
    return AccountBook(Settings(database_url=url))


def totp_file(args):
    return Path(args.totp_file or os.environ.get("DEMO_TOTP_FILE") or "var/demo-totp.json")


def seed_demo(args):
    from gateway.accounts import second_factor
    book = account_book()
    secrets_out = {}
    for data in DEMO_ACCOUNTS:
        data = dict(data, password=DEMO_PASSWORD)
        if second_factor.required(data["role"]):
            data["totp_secret"] = secrets_out[data["account"]] = second_factor.new_secret()
        book.put(data, actor="operator-cli", reason="演示账号初始化")
        print(f"{data['account']}: ready")
    path = totp_file(args)
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_suffix(".next")
    staged.touch(mode=0o600)
    staged.write_text(json.dumps(secrets_out, indent=2))
    os.replace(staged, path)
    print(f"second-factor secrets of {', '.join(secrets_out)}: {path}")


def totp_code(args):
    from datetime import datetime, timezone

    from gateway.accounts import second_factor
    secret = json.loads(totp_file(args).read_text())[args.account]
    now = datetime.now(timezone.utc)
    print(second_factor.code_at(secret, second_factor.counter_at(now)))


def create(args):
    password = args.password or os.environ.get("ACCOUNT_PASSWORD") or getpass.getpass("初始密码: ")
    data = {"account": args.account, "password": password, "role": args.role, "name": args.name,
            "department": args.department, "region": args.region, "org": args.org,
            "steps": args.steps.split(",") if args.steps else []}
    book = account_book()
    created = book.create(data, actor="operator-cli", reason=args.reason)
    print(f"{created['account']}: created ({created['role']})")


def unlock(args):
    account_book().unlock(args.account, actor="operator-cli", reason=args.reason)
    print(f"{args.account}: unlocked")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m gateway.accounts", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("seed-demo", help="create or reset the demo accounts")
    cmd.add_argument("--totp-file", help="where the demo operator's TOTP secret is written")
    cmd.set_defaults(run=seed_demo)
    cmd = sub.add_parser("totp-code", help="the current TOTP code of a demo account")
    cmd.add_argument("account", nargs="?", default="operator")
    cmd.add_argument("--totp-file")
    cmd.set_defaults(run=totp_code)
    cmd = sub.add_parser("create", help="add one account")
    cmd.add_argument("account")
    cmd.add_argument("--role", required=True)
    cmd.add_argument("--name", required=True)
    cmd.add_argument("--department")
    cmd.add_argument("--region")
    cmd.add_argument("--org")
    cmd.add_argument("--steps", help="comma-separated: accept,review,approve,conclude")
    cmd.add_argument("--password", help="initial password (else ACCOUNT_PASSWORD or a prompt)")
    cmd.add_argument("--reason", default="平台运营新建账号")
    cmd.set_defaults(run=create)
    cmd = sub.add_parser("unlock", help="lift a lockout")
    cmd.add_argument("account")
    cmd.add_argument("--reason", required=True)
    cmd.set_defaults(run=unlock)
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except PlatformError as exc:
        details = "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors)
        print(f"{exc.detail}{' (' + details + ')' if details else ''}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
