"""Benchmark of drawing and sealing PDFs, in one process, without broker or database. Prints a table;
asserts nothing.

- every kind of window document intake issues (登记凭单, 受理通知书, … 会审纪要), drawn from its facts
  (``intake.handlers.documents.render_document``) and sealed with the window's seal (PAdES), then
  hashed as ``seal_document`` keeps it;
- a licence as the certificate service issues it (``seal_new_licence`` without its rows): the seal
  loaded from its PEMs, the JSON twin signed (ES256), the PDF drawn with its QR code, made PDF/A-2b,
  sealed (PAdES with chain and CRL), hashed.

Per kind: CPU milliseconds (``time.process_time``) per document, split into drawing, QR code, PDF/A
(what is written while reportlab saves the drawing counts as drawing), sealing and the rest (seal
loading, JSON signature, hashing), and the size of the sealed file. The
first document of the process (font parsed, modules warmed up) is reported on its own and left out.
Kinds marked * are issued in every stage-1 case (bench/bench_flow.py: a voucher, then per department
an acceptance and a completion notice, and a licence).

Usage: .venv/bin/python bench/bench_seal.py [--documents 50] [--kinds acceptance_notice,licence]
       [--profile FILE]   (cProfile of the timed runs, for snakeviz or pstats)
"""
import argparse
import cProfile
import hashlib
import platform as host
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import date
from pathlib import Path
from types import SimpleNamespace

from certificate import render as licence_render, seals
from certificate.domain.licence import build_document, check_code
from intake.domain import window
from intake.domain.model import Document
from intake.handlers.documents import render_document
from intake.render import documents, sealing
from platform_kit.seal import SealAuthority, sign_pdf

PROJECT = "2026-410800-48-01-000001"
COMMON = {"project_name": "焦作市第一人民医院门诊楼建设项目", "applicant": "焦作市城市建设投资有限公司（91410800MA47Q0R12X）"}
CASE = {"stage": "land_use_planning", "item_name": "建设用地规划许可证", "department": "焦作市自然资源和规划局",
        "issued_on": "2026-11-26"}
REASONS = ["建设用地规划条件与控制性详细规划不符", "宗地界址图未标注相邻地块权属"]
REPLIES = [{"department": "焦作市住房和城乡建设局", "kind": "同意", "opinion": "符合要求", "conditions": "",
            "replied_on": "2026-11-20"},
           {"department": "焦作市人民防空办公室", "kind": "有条件同意", "opinion": "原则同意",
            "conditions": "按规定配建防空地下室", "replied_on": "2026-11-21"}]
FACTS = {
    window.VOUCHER: {"stage": "land_use_planning", "received_on": "2026-11-25", "registered_by": "窗口 李敏",
                     "channel": "综合窗口", "materials": [
                         {"name": "建设项目用地预审与选址意见书", "version": 1, "sha256": "ab" * 32, "form": "电子",
                          "copies": 1},
                         {"name": "项目批准文件", "version": 2, "sha256": "cd" * 32, "form": "纸质（已扫描）",
                          "copies": 2, "pages": 14}]},
    window.ACCEPTANCE: {**CASE, "accepted_on": "2026-11-26", "resumed": False, "deemed": False,
                        "items": [{"name": "建设用地规划许可证", "department": "焦作市自然资源和规划局",
                                   "limit_days": 10, "due_on": "2026-12-10"}]},
    window.SUPPLEMENT: {**CASE, "materials": [{"name": "建设用地规划许可申请表", "reason": "缺少法定代表人签字"},
                                              {"name": "宗地界址图", "reason": "未提交"}],
                        "due_on": "2026-12-04", "due_estimated": False},
    window.REFUSAL: {**CASE, "reasons": ["申请事项依法不属于本机关职权范围"], "authority": "修武县自然资源局"},
    window.DISAPPROVAL: {**CASE, "reasons": REASONS, "decided_on": "2026-11-26"},
    window.COMPLETION: {**CASE, "concluded_on": "2026-11-26", "licence_no": "410800-NRP-2026-000001",
                        "acceptance_no": "410800受〔2026〕000002号"},
    window.RETURN: {**CASE, "reasons": REASONS, "returned_on": "2026-11-26", "round": 1},
    window.NOT_REQUIRED: {**CASE, "reasons": ["该项目不涉及新增建设用地"], "decided_on": "2026-11-26"},
    window.COUNTERSIGN: {**CASE, "question": "门诊楼地下空间利用方案", "opened_on": "2026-11-18",
                         "due_on": "2026-11-24", "summary": "同意该方案，按各部门条件实施。", "closed_on": "2026-11-26",
                         "replies": REPLIES},
    window.JOINT_REVIEW_MINUTES: {
        "stage": "engineering_permit", "kind": "design_scheme", "convened_by": "焦作市自然资源和规划局",
        "subject": "门诊楼设计方案", "meeting_on": "2026-11-22", "place": "市民中心三楼会议室", "online": False,
        "opened_on": "2026-11-18", "due_on": "2026-11-24", "closed_on": "2026-11-26", "issued_on": "2026-11-26",
        "minutes": "各部门对设计方案进行了联合审查。", "conclusion": "方案通过，按意见修改后报送施工图。",
        "failed_to_answer": ["焦作市水利局"],
        "answers": [{"department": r["department"], "kind": r["kind"], "opinion": r["opinion"],
                     "conditions": r["conditions"], "answered_on": r["replied_on"], "on_time": True}
                    for r in REPLIES]},
}
IN_EVERY_CASE = {window.VOUCHER, window.ACCEPTANCE, window.COMPLETION, "licence"}
PARTS = ("draw", "qr", "pdfa", "seal", "other")


class Split:
    """CPU time spent inside chosen functions, by label (a wrapped function stays where it was)."""

    def __init__(self):
        self.spent = defaultdict(float)

    def wrap(self, owner, name, label):
        inner = getattr(owner, name)

        def timed(*args, **kwargs):
            began = time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                self.spent[label] += time.process_time() - began
        setattr(owner, name, timed)

    def take(self):
        spent, self.spent = dict(self.spent), defaultdict(float)
        return spent


def window_document(kind, n):
    return Document(id=str(uuid.uuid4()), kind=kind, project_code=PROJECT, issued_on=date(2026, 11, 26),
                    document_no=documents.document_number(kind, "410800", 2026, n + 1),
                    facts={**COMMON, **FACTS[kind]})


def issue_window_document(kind, n, split):
    """As intake's ``seal_document``: drawn, sealed (inside render_document), hashed."""
    began = time.process_time()
    content = render_document(window_document(kind, n))
    drawn_and_sealed = time.process_time() - began
    hashlib.sha256(content).hexdigest()
    spent = split.take()
    total = time.process_time() - began
    return content, {"seal": spent.get("seal", 0), "draw": drawn_and_sealed - spent.get("seal", 0),
                     "other": total - drawn_and_sealed}


def issue_licence(authority, row, n, split):
    """As the certificate service's ``seal_new_licence``, without its rows and events."""
    began = time.process_time()
    seal = seals.as_seal(row, authority)
    document = build_document(
        licence_id=str(uuid.uuid4()), licence_no=f"410800-NRP-2026-{n + 1:06d}", project_code=PROJECT,
        case_id=str(uuid.uuid4()), item_code="NRP-001", item_name="建设用地规划许可证", department="NRP",
        region="410800", holder="91410800MA47Q0R12X", project_name=COMMON["project_name"], stage="land_use_planning",
        approved_on=date(2026, 11, 24), issued_on=date(2026, 11, 25), key_id=seal.serial, valid_until_on=None,
        department_name="焦作市自然资源和规划局",
        form_fields=[{"label": "用地面积（平方米）", "value": "12500.5"}, {"label": "用地性质", "value": "医疗卫生用地"}])
    code = check_code(seal.sign_json(document))
    before_pdf = time.process_time()
    pdf = licence_render.licence_pdf(document, code, "http://127.0.0.1:8000/web/verify", seal.holder)
    drawn = time.process_time()
    sealed = sign_pdf(pdf, seal, reason=f"{document['title']} {document['licence_no']}", location="410800")
    signed = time.process_time()
    hashlib.sha256(sealed).hexdigest()
    spent = split.take()
    qr, pdfa = spent.get("qr", 0), spent.get("pdfa", 0)
    total = time.process_time() - began
    return sealed, {"draw": drawn - before_pdf - qr - pdfa, "qr": qr, "pdfa": pdfa, "seal": signed - drawn,
                    "other": total - (signed - before_pdf)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=50, help="documents of each kind")
    parser.add_argument("--kinds", default="", help="comma-separated kinds (default: every kind and licence)")
    parser.add_argument("--profile", default="", help="write a cProfile of the timed runs to this file")
    args = parser.parse_args()
    kinds = [k for k in args.kinds.split(",") if k] or [*FACTS, "licence"]

    split = Split()
    split.wrap(documents, "seal_pdf", "seal")
    split.wrap(licence_render, "_qr_image", "qr")
    # PDF/A: made of the PDF once drawn (to_pdfa), or set up on the canvas and written with it (archival_canvas)
    for name in ("to_pdfa", "archival_canvas"):
        if hasattr(licence_render, name):
            split.wrap(licence_render, name, "pdfa")
    with tempfile.TemporaryDirectory() as folder:
        sealing.configure(Path(folder) / "pki")
        authority = SealAuthority(Path(folder) / "pki")
        seal = authority.issue("焦作市自然资源和规划局", "410800NRP")
        row = SimpleNamespace(certificate_pem=seal.cert_pem(), private_key_pem=seal.key_pem(),
                              chain_pem=seal.chain_pem())

        def one(kind, n):
            return issue_licence(authority, row, n, split) if kind == "licence" else issue_window_document(kind, n, split)

        began = time.process_time()
        one(kinds[0], 0)
        first = time.process_time() - began
        for kind in kinds[1:]:   # every kind drawn once before timing
            one(kind, 0)
        split.take()
        profile = cProfile.Profile() if args.profile else None
        results = {}
        for kind in kinds:
            parts, sizes = defaultdict(float), []
            if profile:
                profile.enable()
            for n in range(args.documents):
                content, spent = one(kind, n)
                for part, ms in spent.items():
                    parts[part] += ms
                sizes.append(len(content))
            if profile:
                profile.disable()
            results[kind] = ({p: 1000 * parts[p] / args.documents for p in PARTS}, sum(sizes) / len(sizes))
        if profile:
            profile.dump_stats(args.profile)

    print(f"# {host.node()} · {host.processor() or host.machine()} · Python {host.python_version()} · "
          f"{args.documents} documents of each kind · CPU ms per document (time.process_time)")
    print(f"first document of the process ({kinds[0]}): {1000 * first:.0f} ms (font parsed, modules warmed up)")
    header = f"{'kind':<24}{'title':<20}" + "".join(f"{p:>8}" for p in PARTS) + f"{'total':>9}{'KB':>8}"
    print(header)
    print("-" * len(header))
    flow = 0.0
    for kind, (parts, size) in results.items():
        total = sum(parts.values())
        title = "电子证照" if kind == "licence" else window.TITLES[kind]
        mark = "*" if kind in IN_EVERY_CASE else " "
        print(f"{mark}{kind:<23}{title}{' ' * (20 - 2 * len(title))}" + "".join(f"{parts[p]:8.1f}" for p in PARTS)
              + f"{total:9.1f}{size / 1024:8.1f}")
        flow += total * {window.VOUCHER: 1, window.ACCEPTANCE: 2, window.COMPLETION: 2, "licence": 2}.get(kind, 0)
    if IN_EVERY_CASE <= set(results):
        print(f"* one stage-1 case (a voucher, 2 acceptance and 2 completion notices, 2 licences): {flow:.0f} ms")


if __name__ == "__main__":
    main()
