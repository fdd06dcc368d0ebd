"""The one-time notification list (一次告知清单, 003 §9(二), §11(三)) and the next stage's list of items
and materials (003 §13) as PDF, in Simplified Chinese with an embedded TrueType CJK font.

The font is the platform's TrueType CJK font (:func:`platform_kit.seal.cjk_font`, ``PDF_CJK_FONT``),
the one the licences and window documents embed; reportlab embeds a subset of it, so the list reads
the same in every reader and on paper.
"""
import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from platform_kit.seal import cjk_font

STAGE_NAMES = {"land_use_planning": "立项用地规划许可", "engineering_permit": "工程建设许可",
               "construction_permit": "施工许可", "completion_acceptance": "竣工验收"}


def _styles():
    font = cjk_font()
    title = ParagraphStyle("g-title", fontName=font, fontSize=19, leading=27, alignment=TA_CENTER, spaceAfter=6)
    body = ParagraphStyle("g-body", fontName=font, fontSize=11, leading=18, wordWrap="CJK")
    head = ParagraphStyle("g-head", parent=body, fontSize=12.5, leading=20, spaceBefore=8, spaceAfter=3)
    cell = ParagraphStyle("g-cell", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK")
    return title, body, head, cell


def _p(text, style):
    return Paragraph(escape(str(text if text is not None else "")).replace("\n", "<br/>"), style)


def _table(rows, widths, cell):
    table = Table([[_p(c, cell) for c in row] for row in rows], colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), cjk_font()),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#9ca3af")),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e5e7eb")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _flag(value):
    return "可" if value else "否"


def render_list(*, list_id, kind, content, departments, issued_on, supersedes=None, reason=None):
    """The list as PDF bytes. `departments`: {code: name}."""
    title, body, head, cell = _styles()
    name = "一次告知清单" if kind == "one_time" else "下一阶段并联审批事项及材料清单"
    subject = content.get("project_code") or content.get("intention") or ""
    story = [_p(name, title),
             _p(f"清单编号：{list_id}", body),
             _p(f"项目：{subject}　　审批阶段：{STAGE_NAMES.get(content['stage'], content['stage'])}", body),
             _p(f"牵头部门：{departments.get(content['lead_department'], content['lead_department'])}"
                f"　　出具日期：{issued_on.year}年{issued_on.month}月{issued_on.day}日", body)]
    if supersedes:
        story.append(_p(f"本清单替换清单 {supersedes}，更正理由：{reason}", body))
    story += [_p("一、需办理的审批事项", head), _table(
        [["事项", "办理部门", "告知承诺", "容缺受理"]] +
        [[f"{i['code']} {i['name']}", departments.get(i["department"], i["department"]),
          _flag(i["notification_commitment"]), _flag(i["accept_with_deficiencies"])] for i in content["items"]],
        [72 * mm, 52 * mm, 22 * mm, 22 * mm], cell)]
    story += [_p("二、申报材料及预审意见", head), _table(
        [["事项", "材料", "预审意见"]] +
        [[i["code"], m["name"], "；".join(f"{f['result_name']}{('：' + f['note']) if f['note'] else ''}"
                                         for f in m["findings"]) or "—"]
         for i in content["items"] for m in i["materials"]], [24 * mm, 70 * mm, 74 * mm], cell)]
    if kind == "one_time":
        story += [_p("三、咨询问题答复", head), _table(
            [["问题", "答复部门", "答复", "方式"]] +
            [[a["question"], departments.get(a["department"], a["department"]), a["answer"],
              "当场答复" if a["mode"] == "on_spot" else ("两个工作日内答复" if a["on_time"] else "逾期答复")]
             for a in content["answers"]] +
            [[u["question"], departments.get(u["department"], u["department"]), "逾期未答复（已列入督办）", "—"]
             for u in content["unanswered"]], [56 * mm, 34 * mm, 56 * mm, 22 * mm], cell)]
    story += [_p("四、下一步" if kind == "one_time" else "三、说明", head), _p(content.get("next_steps") or "—", body),
              Spacer(1, 6 * mm),
              _p("联合辅导不是受理的前置条件（焦作市工程建设项目审批联合辅导实施办法第五条）。", body)]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                      bottomMargin=18 * mm, title=name, author="工程建设项目审批管理系统",
                      invariant=1, initialFontName=cjk_font()).build(story)
    return out.getvalue()
