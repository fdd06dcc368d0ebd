"""Audit trail commands for operators.

``python -m gateway.audit verify``                 checks the whole chain in the database
``python -m gateway.audit verify --file A.jsonl``  checks an exported archive on its own
``python -m gateway.audit export [--since T] [--until T] > A.jsonl``  archives records as JSON lines

The database is ``GATEWAY_DATABASE_URL`` (default ``sqlite:///var/gateway.db``), migrated first.
``verify`` exits 1 and names the first broken link (record id, seq, what differs) when the chain is broken.
"""
import argparse
import json
import os
import sys

from gateway.audit.chain import GENESIS, first_break


def trail():
    from platform_kit.migrate import upgrade

    from gateway.audit.trail import AuditTrail
    url = os.environ.get("GATEWAY_DATABASE_URL") or "sqlite:///var/gateway.db"
    upgrade("gateway", url)
    return AuditTrail(url)


def read_archive(path):
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError:
                    yield {"id": None, "seq": None, "hash": None, "prev_hash": None,
                           "_unreadable": f"line {number} is not JSON"}


def verify(args, out=None):
    out = out or sys.stdout
    if args.file:
        records = read_archive(args.file)
        broken, checked, head = first_break(records, anchor=args.anchor, start_seq=None)
        where = args.file
    else:
        audit = trail()
        try:
            broken, checked, head = first_break(audit.records(), anchor=GENESIS, start_seq=1)
        finally:
            audit.dispose()
        where = "database"
    if broken is not None:
        print(f"audit chain BROKEN ({where}) after {checked} good records: {broken}", file=out)
        return 1
    print(f"audit chain intact ({where}): {checked} records; head seq={head[0]} hash={head[1]}", file=out)
    return 0


def export(args, out=None):
    out = out or sys.stdout
    audit = trail()
    count = 0
    try:
        for record in audit.records(since=args.since, until=args.until):
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    finally:
        audit.dispose()
    print(f"exported {count} audit records", file=sys.stderr)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m gateway.audit", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("verify", help="check the hash chain (exit 1 when broken)")
    cmd.add_argument("--file", help="an exported archive (JSON lines) instead of the database")
    cmd.add_argument("--anchor", help="with --file: the hash the archive's first record must follow "
                                      "(the previous archive's last hash; 64 zeros for the chain's start)")
    cmd.set_defaults(run=verify)
    cmd = sub.add_parser("export", help="write records as JSON lines to standard output")
    cmd.add_argument("--since", help="ISO date or time (UTC unless it says otherwise), inclusive")
    cmd.add_argument("--until", help="ISO date or time, exclusive")
    cmd.set_defaults(run=export)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
