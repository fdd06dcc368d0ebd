"""The window's PDF documents: Chinese text extracted back from each contains its title and the project code."""
import io
from datetime import date

import pytest
from pypdf import PdfReader

from intake.render import documents

PROJECT = "2026-410800-48-01-000001"
COMMON = {"project_code": PROJECT, "project_name": "焦作市第一人民医院门诊楼建设项目",
          "applicant": "焦作市城市建设投资有限公司"}


def text_of(pdf):
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_document_number_format():
    assert documents.document_number("acceptance_notice", "410800", 2026, 123) == "410800受〔2026〕000123号"
    assert documents.chinese_date(date(2026, 11, 5)) == "2026年11月5日"
    assert documents.chinese_date("2026-01-30") == "2026年1月30日"


def test_registration_voucher_lists_every_material():
    number = documents.document_number("registration_voucher", "410800", 2026, 1)
    text = text_of(documents.registration_voucher(
        document_no=number, stage="land_use_planning", received_on=date(2026, 11, 25), registered_by="窗口-王芳",
        materials=[{"name": "建设项目用地预审与选址意见书", "version": 1, "form": "纸质", "copies": 2, "sha256": "ab" * 32},
                   {"name": "项目批准文件", "version": 2}], **COMMON))
    for expected in ("登记凭单", PROJECT, number, "立项用地规划许可", "建设项目用地预审与选址意见书", "项目批准文件",
                     "共 2 件", "2026年11月25日"):
        assert expected in text, expected


def test_acceptance_notice_names_items_and_limits():
    text = text_of(documents.acceptance_notice(
        document_no="410800受〔2026〕000002号", stage="land_use_planning", accepted_on="2026-11-25",
        items=[{"name": "建设用地规划许可证", "department": "焦作市自然资源和规划局", "limit_days": 10,
                "due_on": date(2026, 12, 9)}], **COMMON))
    for expected in ("受理通知书", PROJECT, "现予受理", "建设用地规划许可证", "10 个工作日", "2026年12月9日"):
        assert expected in text, expected
    resumed = text_of(documents.acceptance_notice(
        document_no="410800受〔2026〕000003号", stage="land_use_planning", accepted_on="2026-11-30",
        items=[], resumed=True, **COMMON))
    assert "继续计时" in resumed


def test_supplement_notice_lists_materials_and_deadline():
    text = text_of(documents.supplement_notice(
        document_no="410800补〔2026〕000001号", item_name="建设用地规划许可证", department="焦作市自然资源和规划局",
        materials=[{"name": "建设用地规划许可申请表", "reason": "缺少法定代表人签字"},
                   {"name": "宗地界址图", "reason": "未提交"}],
        due_on=date(2026, 12, 4), issued_on=date(2026, 11, 26), **COMMON))
    for expected in ("补正通知书", PROJECT, "一次性告知", "建设用地规划许可申请表", "缺少法定代表人签字", "宗地界址图",
                     "2026年12月4日", "暂停计时"):
        assert expected in text, expected


def test_refusal_decision_gives_reasons_and_authority():
    text = text_of(documents.refusal_decision(
        document_no="410800不受〔2026〕000001号", item_name="人防工程施工图审查备案", department="焦作市人民防空办公室",
        reasons=["申请事项依法不属于本机关职权范围"], authority="修武县人民防空办公室",
        issued_on=date(2026, 11, 26), **COMMON))
    for expected in ("不予受理决定书", PROJECT, "申请事项依法不属于本机关职权范围", "修武县人民防空办公室", "行政复议"):
        assert expected in text, expected


def test_markup_in_values_is_printed_as_text():
    text = text_of(documents.refusal_decision(
        document_no="N-1", item_name="<b>事项</b> & 其他", department="部门", reasons=["a < b"],
        authority="机关", issued_on=date(2026, 11, 26), **COMMON))
    assert "<b>事项</b> & 其他" in text and "a < b" in text


def test_unknown_kind_has_no_number():
    with pytest.raises(KeyError):
        documents.document_number("licence", "410800", 2026, 1)


def text_positions(pdf):
    """(x, text) of every piece of text drawn, in points from the page's left edge."""
    reader = PdfReader(io.BytesIO(pdf))
    found = []
    for page in reader.pages:
        page.extract_text(visitor_text=lambda text, cm, tm, font, size: found.append((tm[4] * cm[0] + cm[4], text))
                          if text.strip() else None)
    return found, float(reader.pages[0].mediabox.width)


def test_the_review_documents_tables_stay_on_the_page():
    from intake.render import reviews
    long = "同意，须按批复的方案实施并在施工图阶段落实消防、人防及绿化等各项要求" * 2
    countersign = reviews.countersign_record(
        document_no="410800会〔2026〕000001号", item_name="建设工程规划许可证", department="自然资源和规划局",
        question="建筑退让是否符合要求", opened_on=date(2026, 11, 2), due_on=date(2026, 11, 9),
        replies=[{"department": "住房和城乡建设局", "kind": "同意", "opinion": long, "conditions": "",
                  "replied_on": date(2026, 11, 5)}], summary="同意。", closed_on=date(2026, 11, 10), **COMMON)
    minutes = reviews.joint_review_minutes(
        document_no="410800审〔2026〕000001号", kind="design_scheme", stage="engineering_planning",
        convened_by="自然资源和规划局", subject="设计方案", meeting_on=date(2026, 11, 3), place="市民之家三楼",
        online=False, opened_on=date(2026, 11, 2), due_on=date(2026, 11, 9),
        answers=[{"department": "消防救援支队", "kind": "有条件同意", "opinion": long, "conditions": "补充消防通道",
                  "answered_on": date(2026, 11, 6), "on_time": True}],
        failed_to_answer=[], minutes="各部门意见一致。", conclusion="通过。", closed_on=date(2026, 11, 10), **COMMON)
    for pdf in (countersign, minutes):
        positions, width = text_positions(pdf)
        assert "住房和城乡建设局" in text_of(pdf) or "消防救援支队" in text_of(pdf)
        beyond = [(x, t) for x, t in positions if x > width - 40]   # the right margin is wider than 40 pt
        assert beyond == [], beyond[:3]
