"""The window's documents (综合窗口文书) as PDF, in Simplified Chinese.

- 登记凭单 registration voucher: every submission, paper or electronic, itemised (002 §5);
- 受理通知书 acceptance notice (002 §7(一), §8: also issued when a complete supplement is accepted);
- 补正通知书 supplement notice: every material to add or correct, in one go, with the date by which
  to submit it; the clock pauses from the day it is issued (002 §7(二), §8);
- 不予受理决定书 refusal decision: the reasons, and the authority to apply to instead (002 §7(三));
- 不予行政许可决定书 disapproval decision: the reasons and the remedies (002 §9, 000 §13);
- 办结通知 result notice: the licence is ready for collection at the window (002 §22, §23);
- 退件通知书 return notice: the application goes back to the applicant with the reasons, to be put
  right and submitted again, the limit then counted afresh (000 §12, 004 §13);
- 无需办理告知书 not-required notice: the item needs no licence for this project (002 §7(四));
- 会签意见书 countersign record: the combined opinion of a consultation (001 二);
- 会审纪要 joint review minutes: the lead department's minutes and conclusion of a joint review, every
  invitee's answer and the departments that failed to answer by the deadline (002 §14–§17).

Each carries the unified project code (002 §6) and a document number, is set in an embedded CJK
font (subset, :func:`platform_kit.seal.cjk_font`) and carries the issuer's seal, drawn and as a PAdES
signature (:mod:`intake.render.sealing`). Each function takes keyword arguments and returns the PDF.
"""
import io
from datetime import date, datetime
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from intake.render.sealing import seal_pdf
from platform_kit.seal import cjk_font, draw_seal

FONT = cjk_font()
ESTIMATED_DUE = "（预计日期：该年度法定节假日安排尚未载入）"

TITLES = {
    "registration_voucher": "登记凭单",
    "acceptance_notice": "受理通知书",
    "supplement_notice": "补正通知书",
    "refusal_decision": "不予受理决定书",
    "disapproval_decision": "不予行政许可决定书",
    "completion_notice": "办结通知",
    "return_notice": "退件通知书",
    "not_required_notice": "无需办理告知书",
    "countersign_record": "会签意见书",
    "joint_review_minutes": "会审纪要",
}
# document-number letters per kind: 登 登记, 受 受理, 补 补正, 不受 不予受理, 不许 不予许可, 结 办结, 退 退件,
# 无需 无需办理
NUMBER_CODES = {"registration_voucher": "登", "acceptance_notice": "受", "supplement_notice": "补",
                "refusal_decision": "不受", "disapproval_decision": "不许", "completion_notice": "结",
                "return_notice": "退", "not_required_notice": "无需", "countersign_record": "会签",
                "joint_review_minutes": "会审"}
STAGE_NAMES = {
    "land_use_planning": "立项用地规划许可",
    "engineering_permit": "工程建设许可",
    "construction_permit": "施工许可",
    "completion_acceptance": "竣工验收",
}

_TITLE = ParagraphStyle("title", fontName=FONT, fontSize=20, leading=28, alignment=TA_CENTER, spaceAfter=4)
_NUMBER = ParagraphStyle("number", fontName=FONT, fontSize=10.5, leading=16, alignment=TA_CENTER,
                         textColor=colors.HexColor("#374151"), spaceAfter=10)
_BODY = ParagraphStyle("body", fontName=FONT, fontSize=11.5, leading=20, wordWrap="CJK", firstLineIndent=23)
_PLAIN = ParagraphStyle("plain", parent=_BODY, firstLineIndent=0)
_CELL = ParagraphStyle("cell", fontName=FONT, fontSize=10.5, leading=15, wordWrap="CJK")
_RIGHT = ParagraphStyle("right", parent=_PLAIN, alignment=TA_RIGHT)
_ENTRY = ParagraphStyle("entry", parent=_PLAIN, leftIndent=23)
_NOTE = ParagraphStyle("note", parent=_PLAIN, fontSize=9.5, leading=15, textColor=colors.HexColor("#4b5563"))


def document_number(kind, region, year, sequence):
    """e.g. ``410800受〔2026〕000123号``: division code, kind, year, sequence within the year."""
    return f"{region}{NUMBER_CODES[kind]}〔{year}〕{sequence:06d}号"


def chinese_date(value):
    """2026-11-25 → 2026年11月25日 (accepts date, datetime or ISO text)."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return f"{value.year}年{value.month}月{value.day}日"


def _p(text, style=_BODY):
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _fields(rows):
    """A two-column table of labelled facts."""
    table = Table([[_p(label, _CELL), _p(value if value not in (None, "") else "—", _CELL)] for label, value in rows],
                  colWidths=[38 * mm, 132 * mm])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.6, colors.HexColor("#9ca3af")), ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f3f4f6")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return table


def _list(header, rows, widths):
    table = Table([[_p(h, _CELL) for h in header]] + [[_p(c, _CELL) for c in row] for row in rows],
                  colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.6, colors.HexColor("#9ca3af")), ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e5e7eb")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


class _Seal(Flowable):
    """The issuer's seal drawn over the signature lines (its PAdES signature is added after drawing)."""

    def __init__(self, holder):
        super().__init__()
        self.holder, self.width, self.height = holder, 0, 0

    def draw(self):
        draw_seal(self.canv, 140 * mm, 8 * mm, 19 * mm, self.holder)


def _render(kind, document_no, project_code, flow, issued_by, issued_on):
    buffer = io.BytesIO()
    title = TITLES[kind]
    pdf = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                            bottomMargin=18 * mm, title=f"{title} {document_no}", author=issued_by,
                            subject=f"项目代码 {project_code}", creator="工程建设项目审批管理系统",
                            initialFontName=FONT)
    story = [_p(title, _TITLE), _p(f"文书编号：{document_no}　　项目代码：{project_code}", _NUMBER)]
    story.extend(flow)
    story.extend([Spacer(1, 14 * mm), _p(issued_by, _RIGHT), _Seal(issued_by), _p(chinese_date(issued_on), _RIGHT)])

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 8.5)
        canvas.setFillColor(colors.HexColor("#6b7280"))
        canvas.drawCentredString(A4[0] / 2, 10 * mm,
                                 f"{title}　{document_no}　项目代码 {project_code}　第 {doc.page} 页")
        canvas.restoreState()

    pdf.build(story, onFirstPage=footer, onLaterPages=footer)
    return seal_pdf(buffer.getvalue(), issued_by, f"{title} {document_no}")


def _stage_name(stage):
    return STAGE_NAMES.get(stage, stage or "")


def _copies(material):
    copies = str(material.get("copies", 1))
    return f"{copies}（{material['pages']}页）" if material.get("pages") else copies


def registration_voucher(*, document_no, project_code, project_name, applicant, stage, materials,
                         received_on, channel="综合窗口", registered_by="", issued_by="工程建设项目综合服务窗口",
                         form_summary=None, subject="申请材料"):
    """002 §5: the window itemises what it received and hands the applicant this voucher; `subject`
    names what was received (申请材料, or 补齐补正材料 handed in after a supplement notice, 002 §8).

    `materials`: [{"name", "version"?, "copies"?, "pages"?, "form"? (纸质（已扫描）/电子), "sha256"?}].
    """
    rows = [(m.get("name", ""), str(m.get("version", "")), m.get("form", "电子"), _copies(m),
             (m.get("sha256") or "")[:16]) for m in materials]
    flow = [
        _p(f"{applicant}：", _PLAIN),
        _p(f"你单位于{chinese_date(received_on)}通过{channel}提交的“{project_name}”{_stage_name(stage)}阶段{subject}，"
           f"本窗口已逐项登记，共 {len(materials)} 件，清单如下。本凭单仅证明材料已登记，不代表已受理；"
           f"是否受理由审批部门在审查时限内决定，并通过本窗口告知。"),
        Spacer(1, 4 * mm),
        _fields([("项目名称", project_name), ("项目代码", project_code), ("申请单位", applicant),
                 ("申报阶段", _stage_name(stage)), ("登记日期", chinese_date(received_on)),
                 ("登记人", registered_by)] + list((form_summary or {}).items())),
        Spacer(1, 4 * mm),
        _list(["材料名称", "版本", "形式", "份数", "摘要（SHA-256）"], rows or [["（无）", "", "", "", ""]],
              [70, 14, 18, 14, 54]),
        Spacer(1, 3 * mm),
        _p("凭项目代码和登记项目时告知的查询码，可在互联网门户查询办理进度；查询码遗失的，可到综合窗口重新发放。", _NOTE),
        _p("依据《工程建设项目审批管理系统运行管理办法》第五条出具。", _NOTE),
    ]
    return _render("registration_voucher", document_no, project_code, flow, issued_by, received_on)


def acceptance_notice(*, document_no, project_code, project_name, applicant, stage, items, accepted_on,
                      issued_by="工程建设项目综合服务窗口", resumed=False, deemed=False, issued_on=None):
    """002 §7(一): the application is accepted and enters review; `items` [{name, department, limit_days,
    due_on?}]. `resumed`: issued after a complete supplement (002 §8), the clock continues.
    `deemed`: the department did not ask for a supplement within 2 working days, so the application
    counts as accepted from the day it was received (002 §7(二)); the notice is dated `issued_on`,
    the day it is issued, and states the earlier acceptance date."""
    rows = [(i.get("name", ""), i.get("department", ""), f"{i.get('limit_days', '')} 个工作日",
             chinese_date(i["due_on"]) if i.get("due_on") else "") for i in items]
    if resumed:
        opening = "你单位补齐补正的申请材料经核对符合要求，现予受理，审批继续计时。"
    elif deemed:
        opening = ("审批部门未在收到申请之日起2个工作日内一次性告知需补齐补正的内容，依照规定自收到申请之日起"
                   "即视为受理，进入审查审批阶段。")
    else:
        opening = "你单位提交的申请材料齐全、符合法定形式，现予受理，进入审查审批阶段。"
    flow = [
        _p(f"{applicant}：", _PLAIN),
        _p(f"你单位申请的“{project_name}”（项目代码 {project_code}）{_stage_name(stage)}阶段事项，{opening}"
           f"承诺时限自受理之日起计算（受理当日不计），以工作日计，至审批决定送达综合窗口之日止。"),
        Spacer(1, 4 * mm),
        _list(["审批事项", "审批部门", "承诺时限", "办结期限"], rows, [60, 48, 26, 36]),
        Spacer(1, 3 * mm),
        _p(f"受理日期：{chinese_date(accepted_on)}", _PLAIN),
        _p("请妥善保管本通知书，凭本通知书在综合窗口领取行政许可证件；遗失的，须持加盖申请单位公章的遗失证明及"
           "经办人身份证复印件领取。", _NOTE),
    ]
    return _render("acceptance_notice", document_no, project_code, flow, issued_by, issued_on or accepted_on)


def supplement_notice(*, document_no, project_code, project_name, applicant, item_name, department, materials,
                      due_on, issued_on, due_estimated=False, issued_by="工程建设项目综合服务窗口"):
    """002 §7(二), §8: everything to add or correct, listed at once, with the date to submit it by.

    `materials`: [{"name", "reason"}]; `due_estimated`: the date was counted before the holiday
    schedule of its year was loaded, and the notice says so.
    """
    rows = [(str(n), m.get("name", ""), m.get("reason", "")) for n, m in enumerate(materials, start=1)]
    flow = [
        _p(f"{applicant}：", _PLAIN),
        _p(f"你单位申请的“{project_name}”（项目代码 {project_code}）“{item_name}”事项，经{department}审查，"
           f"申请材料不齐全或者不符合法定形式。现一次性告知需要补齐补正的全部内容如下："),
        Spacer(1, 4 * mm),
        _list(["序号", "需补齐补正的材料", "补正要求"], rows, [14, 66, 90]),
        Spacer(1, 4 * mm),
        _p(f"请于{chinese_date(due_on)}前将上述材料一次性提交至综合窗口。"
           + (ESTIMATED_DUE if due_estimated else "")),
        _p("自本通知书出具之日起审批时限暂停计时；补齐补正的材料全部符合要求、经综合窗口登记并由审批部门受理后，"
           "继续计时。"),
    ]
    return _render("supplement_notice", document_no, project_code, flow, issued_by, issued_on)


def refusal_decision(*, document_no, project_code, project_name, applicant, item_name, department, reasons,
                     authority, issued_on, issued_by="工程建设项目综合服务窗口"):
    """002 §7(三): why the application is not accepted, and which authority to apply to instead.

    `reasons`: list of strings; `authority`: the administrative authority competent for the matter.
    """
    flow = [
        _p(f"{applicant}：", _PLAIN),
        _p(f"你单位申请的“{project_name}”（项目代码 {project_code}）“{item_name}”事项，经{department}审查，"
           f"决定不予受理。理由如下："),
        Spacer(1, 2 * mm),
    ]
    flow.extend(_p(f"{n}. {reason}", _ENTRY) for n, reason in enumerate(reasons, start=1))
    flow.extend([
        Spacer(1, 4 * mm),
        _p(f"请向{authority}提出申请。"),
        _p("如对本决定不服，可以自收到本决定书之日起六十日内依法申请行政复议，或者六个月内依法提起行政诉讼。"),
    ])
    return _render("refusal_decision", document_no, project_code, flow, issued_by, issued_on)


def disapproval_decision(*, document_no, project_code, project_name, applicant, item_name, department, reasons,
                         decided_on, issued_on, issued_by="工程建设项目综合服务窗口"):
    """002 §9, 000 §13: the department found that the application cannot meet the statutory conditions and
    standards, and decided not to grant the licence; its reasons, and the remedies open to the applicant.

    `reasons`: list of strings.
    """
    flow = [
        _p(f"{applicant}：", _PLAIN),
        _p(f"你单位申请的“{project_name}”（项目代码 {project_code}）“{item_name}”事项，经{department}审查，"
           f"申请材料不能满足法律法规规定的条件与标准，且无法通过补正程序达到要求，"
           f"于{chinese_date(decided_on)}依法作出不予行政许可的决定。理由如下："),
        Spacer(1, 2 * mm),
    ]
    flow.extend(_p(f"{n}. {reason}", _ENTRY) for n, reason in enumerate(reasons, start=1))
    flow.extend([
        Spacer(1, 4 * mm),
        _fields([("审批事项", item_name), ("审批部门", department), ("决定日期", chinese_date(decided_on))]),
        Spacer(1, 4 * mm),
        _p("如对本决定不服，你单位有权自收到本决定书之日起六十日内依法申请行政复议，或者自收到本决定书之日起"
           "六个月内依法向人民法院提起行政诉讼。"),
        Spacer(1, 3 * mm),
        _p("依据《工程建设项目审批管理系统运行管理办法》第九条，由综合窗口出具。", _NOTE),
    ])
    return _render("disapproval_decision", document_no, project_code, flow, issued_by, issued_on)


def completion_notice(*, document_no, project_code, project_name, applicant, stage, item_name, department,
                      concluded_on, licence_no=None, acceptance_no=None, issued_on=None,
                      issued_by="工程建设项目综合服务窗口"):
    """002 §22, §23: the item is concluded with a licence; the applicant collects it at the window with
    the acceptance notice (or, if it was lost, the loss statement and identity copy, 002 §24)."""
    licence = f"（证件编号 {licence_no}）" if licence_no else ""
    notice = f"《受理通知书》（{acceptance_no}）" if acceptance_no else "《受理通知书》"
    flow = [
        _p(f"{applicant}：", _PLAIN),
        _p(f"你单位申请的“{project_name}”（项目代码 {project_code}）{_stage_name(stage)}阶段“{item_name}”事项，"
           f"经{department}审查，已于{chinese_date(concluded_on)}办结，准予行政许可。"),
        _p(f"行政许可证件{licence}已送达综合窗口，请凭{notice}到综合窗口领取。"
           f"《受理通知书》遗失的，须持加盖申请单位公章的遗失证明及经办人身份证复印件领取。"),
        Spacer(1, 4 * mm),
        _fields([("审批事项", item_name), ("审批部门", department), ("办结日期", chinese_date(concluded_on)),
                 ("许可证件编号", licence_no or "以窗口发放的证件为准")]),
        Spacer(1, 3 * mm),
        _p("依据《工程建设项目审批管理系统运行管理办法》第二十二条、第二十三条出具。", _NOTE),
    ]
    return _render("completion_notice", document_no, project_code, flow, issued_by, issued_on or concluded_on)


def return_notice(*, document_no, project_code, project_name, applicant, stage, item_name, department, reasons,
                  returned_on, issued_on, issued_by="工程建设项目综合服务窗口"):
    """000 §12, 004 §13: the department returned the application before deciding it; its reasons, and
    that a corrected application is counted afresh with the item's full limit.

    `reasons`: list of strings.
    """
    flow = [
        _p(f"{applicant}：", _PLAIN),
        _p(f"你单位申请的“{project_name}”（项目代码 {project_code}）{_stage_name(stage)}阶段“{item_name}”事项，"
           f"经{department}审查，于{chinese_date(returned_on)}退回。理由如下："),
        Spacer(1, 2 * mm),
    ]
    flow.extend(_p(f"{n}. {reason}", _ENTRY) for n, reason in enumerate(reasons, start=1))
    flow.extend([
        Spacer(1, 4 * mm),
        _fields([("审批事项", item_name), ("审批部门", department), ("退件日期", chinese_date(returned_on))]),
        Spacer(1, 4 * mm),
        _p("请按上述理由修改完善申请材料后，通过综合窗口或网上重新提交。重新提交后重新计算办理时限。"),
        Spacer(1, 3 * mm),
        _p("依据《工程建设项目审批管理系统运行管理办法》第十二条及并联审批相关规定，由综合窗口出具。", _NOTE),
    ])
    return _render("return_notice", document_no, project_code, flow, issued_by, issued_on)


def not_required_notice(*, document_no, project_code, project_name, applicant, stage, item_name, department,
                        reasons, decided_on, issued_on, issued_by="工程建设项目综合服务窗口"):
    """002 §7(四): the item needs no licence for this project; the department's reasons.

    `reasons`: list of strings.
    """
    flow = [
        _p(f"{applicant}：", _PLAIN),
        _p(f"你单位申请的“{project_name}”（项目代码 {project_code}）{_stage_name(stage)}阶段“{item_name}”事项，"
           f"经{department}审查，该事项依法不需要取得行政许可，无需办理。理由如下："),
        Spacer(1, 2 * mm),
    ]
    flow.extend(_p(f"{n}. {reason}", _ENTRY) for n, reason in enumerate(reasons, start=1))
    flow.extend([
        Spacer(1, 4 * mm),
        _fields([("审批事项", item_name), ("审批部门", department), ("告知日期", chinese_date(decided_on))]),
        Spacer(1, 3 * mm),
        _p("依据《工程建设项目审批管理系统运行管理办法》第七条第（四）项，由综合窗口出具。", _NOTE),
    ])
    return _render("not_required_notice", document_no, project_code, flow, issued_by, issued_on)


# the records of consultations and joint reviews (drawn the same way)
from intake.render.reviews import countersign_record, joint_review_minutes  # noqa: E402,F401
