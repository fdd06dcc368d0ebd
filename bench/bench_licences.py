"""Benchmark of sealed licences (certificate service use cases on PostgreSQL). Prints a table; asserts nothing.

- issuing: ``case.approved`` in, a licence out: numbered, its JSON twin signed (ES256) and its PDF drawn
  (embedded CJK font, seal, QR code) and sealed (PAdES with chain and CRL), all stored with the outbox
  row, one transaction per licence;
- verification by licence number and check code (the portal's and the QR link's): the stored JSON's
  signature and the stored PDF's seal validated again, the state computed;
- verification by the PDF itself (a holder's upload): the file's seal validated against the city root;
- the JSON twin's signature alone.

Usage: .venv/bin/python bench/bench_licences.py [--licences 100] [--verifications 200]
Needs PostgreSQL on 127.0.0.1 (TEST_PG_URL), like the tests.
"""
import argparse
import base64
import platform as host
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services" / "certificate"))

from certificate import handlers, verification  # noqa: E402
from certificate.adapters.orm import LicenceFileRow, LicenceRow, metadata  # noqa: E402
from certificate.domain.licence import check_code, validity_days  # noqa: E402
from platform_kit.contracts import Actor, new_event  # noqa: E402
from platform_kit.db import UnitOfWork, make_engine  # noqa: E402
from platform_kit.seal import SealAuthority, cjk_font  # noqa: E402
from platform_kit.testing import PostgresDatabases  # noqa: E402

TODAY = date(2026, 12, 1)


def approved(n):
    return new_event("case.approved", source="stage", project_code=f"2026-410800-48-01-{n:06d}", actor=Actor.SYSTEM,
                     payload={"case_id": str(uuid.uuid4()), "stage_id": str(uuid.uuid4()), "stage": "land_use_planning",
                              "item_code": "NRP-001", "item_name": "建设用地规划许可证", "department": "NRP",
                              "region": "410800", "on": TODAY, "opinion": "同意",
                              "applicant_org": "焦作市城市建设投资有限公司", "project_name": f"焦作市第{n}号建设项目"})


def timed(count, step):
    began = time.perf_counter()
    for n in range(count):
        step(n)
    return time.perf_counter() - began


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--licences", type=int, default=100)
    parser.add_argument("--verifications", type=int, default=200)
    args = parser.parse_args()
    cjk_font()
    rows = []
    databases = PostgresDatabases(prefix=f"bench{uuid.uuid4().hex[:6]}")
    with tempfile.TemporaryDirectory() as pki:
        authority = SealAuthority(pki)
        sealing = SimpleNamespace(authority=authority, verify_url="https://zwfw.example.gov.cn/web/verify",
                                  validity=validity_days(""), trust_roots_pem=(Path(pki) / "root.pem").read_text())
        try:
            engine = make_engine(databases.fresh("certificate"), pool_size=2)

            def issue(n):
                with Session(engine) as session, session.begin():
                    handlers.issue_licence(approved(n), UnitOfWork(session, metadata), sealing, TODAY)
            issue(0)   # the department's seal certificate is issued by the PKI on the first licence
            seconds = timed(args.licences, lambda n: issue(n + 1))
            rows.append((f"issue {args.licences} licences (PDF + JSON, sealed, stored)", f"{args.licences / seconds:.1f}/s",
                         f"{1000 * seconds / args.licences:.0f} ms each"))
            with Session(engine) as session:
                stored = session.query(LicenceRow).limit(50).all()
                codes = [{"licence_no": r.licence_no, "check_code": check_code(r.signature)} for r in stored]
                claims = [{"document": r.document, "signature": r.signature, "key_id": r.key_id} for r in stored]
                pdfs = [{"content_base64": base64.b64encode(f.content).decode()}
                        for f in session.query(LicenceFileRow).limit(50).all()]
                sizes = [len(base64.b64decode(p["content_base64"])) for p in pdfs]
            for name, call, inputs in (
                    ("verify by number and check code (JSON + stored PDF seal)", verification.check_licence, codes),
                    ("verify by the PDF (seal against the city root)", verification.verify_pdf, pdfs)):
                with Session(engine) as session:
                    seconds = timed(args.verifications, lambda n: call(session, inputs[n % len(inputs)], TODAY,
                                                                       sealing.trust_roots_pem))
                rows.append((name, f"{args.verifications / seconds:.1f}/s",
                             f"{1000 * seconds / args.verifications:.1f} ms each"))
            with Session(engine) as session:
                seconds = timed(args.verifications * 5, lambda n: verification.verify_licence(
                    session, claims[n % len(claims)], TODAY))
            rows.append(("verify the JSON twin's signature (ES256)", f"{args.verifications * 5 / seconds:.0f}/s",
                         f"{1000 * seconds / (args.verifications * 5):.2f} ms each"))
            rows.append(("licence PDF size", f"{sum(sizes) / len(sizes) / 1024:.0f} KiB", "font subset embedded"))
            engine.dispose()
        finally:
            databases.drop_all()

    print(f"\nsealed licence benchmark — {host.python_implementation()} {host.python_version()}, {host.machine()}")
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  {'result':>10}  notes")
    print("-" * (width + 36))
    for name, value, note in rows:
        print(f"{name.ljust(width)}  {value:>10}  {note}")


if __name__ == "__main__":
    main()
