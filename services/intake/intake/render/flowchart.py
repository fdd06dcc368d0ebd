"""The project's approval flowchart (审批流程图, 000 §6, 004 §7) as an SVG picture.

Stages are columns, left to right in the order of the flow; each item is a box with its name, its
department and its time limit in working days, coloured by the item's state once the project runs.
The header compares the flow's total working days with the overall cap (001 §8). A browser shows
the SVG directly; the text stays text (searchable, selectable), set in a CJK font family list so
that whichever Chinese font the viewer has is used.

Input (the guide)::

    {"category": {"code", "name"}, "catalog_version", "overall_limit_days", "total_limit_days",
     "project_code"?, "project_name"?,
     "stages": [{"stage", "name", "lead_department": {"code", "name"}, "limit_days", "state"?,
                 "items": [{"code", "name", "department": {"code", "name"}, "limit_days",
                            "materials": [...], "state": "not_started",
                            "notification_commitment"?, "accept_with_deficiencies"?}]}]}

Items that allow notification-commitment (告知承诺) or acceptance with deficiencies (容缺受理) are
marked in their box.
"""
from xml.sax.saxutils import escape, quoteattr

FONT_FAMILY = "'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', " \
              "'PingFang SC', SimSun, sans-serif"

# state -> (Chinese label, fill, stroke). Unknown states are drawn like not_started, with their code.
STATES = {
    "not_started": ("未开始", "#f3f4f6", "#9ca3af"),
    "submitted": ("已申报", "#e0f2fe", "#0284c7"),
    "accepted": ("办理中", "#dbeafe", "#2563eb"),
    "in_progress": ("办理中", "#dbeafe", "#2563eb"),
    "reviewed": ("已审查", "#dbeafe", "#2563eb"),
    "supplement": ("补正中", "#fef3c7", "#d97706"),
    "supplement_requested": ("补正中", "#fef3c7", "#d97706"),
    "approved": ("已批准", "#ccfbf1", "#0d9488"),
    "concluded": ("已办结", "#bbf7d0", "#15803d"),
    "disapproved": ("不予许可", "#fee2e2", "#dc2626"),
    "refused": ("不予受理", "#fee2e2", "#dc2626"),
    "returned": ("已退回", "#ffedd5", "#ea580c"),
    "not_applicable": ("不适用", "#ffffff", "#d1d5db"),
}
LEGEND = ("not_started", "in_progress", "supplement", "approved", "concluded", "disapproved", "returned")
STAGE_ORDINALS = ("第一阶段", "第二阶段", "第三阶段", "第四阶段", "第五阶段", "第六阶段")

MARGIN = 24
COLUMN_WIDTH = 260
COLUMN_GAP = 44
HEADER_HEIGHT = 118
STAGE_HEIGHT = 84
ITEM_GAP = 12
TITLE_SIZE = 20
TEXT_SIZE = 13
SMALL_SIZE = 11.5
LINE = 18


def text_width(text, size):
    """Estimated drawn width: CJK glyphs are square, Latin glyphs about half as wide."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.58 for ch in text)


def wrap(text, size, width, max_lines=3):
    """Break `text` into lines no wider than `width`; the last kept line ends with … if cut."""
    lines, current = [], ""
    for ch in text:
        if text_width(current + ch, size) > width:
            lines.append(current)
            current = ch
        else:
            current += ch
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_width(last + "…", size) > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines or [""]


def _state(code):
    return STATES.get(code or "not_started", (code or "", "#f3f4f6", "#9ca3af"))


def _name(value):
    if isinstance(value, dict):
        return value.get("name") or value.get("code") or ""
    return value or ""


class _Svg:
    def __init__(self):
        self.parts = []

    def rect(self, x, y, w, h, fill, stroke, rx=8, width=1.5, **attrs):
        extra = "".join(f" {k.replace('_', '-')}={quoteattr(str(v))}" for k, v in attrs.items())
        self.parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="{rx}" '
                          f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"{extra}/>')

    def text(self, x, y, content, size=TEXT_SIZE, weight="normal", fill="#111827", anchor="start", cls=None):
        klass = f' class="{cls}"' if cls else ""
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" '
                          f'fill="{fill}" text-anchor="{anchor}"{klass}>{escape(str(content))}</text>')

    def raw(self, fragment):
        self.parts.append(fragment)


def _item_lines(item):
    return wrap(item.get("name", ""), TEXT_SIZE + 1, COLUMN_WIDTH - 28, max_lines=3)


def _item_height(item):
    return 20 + len(_item_lines(item)) * LINE + 3 * LINE


def flowchart_svg(guide: dict) -> str:
    """The flowchart of one project's (or one category's) approval flow, as a standalone SVG document."""
    stages = guide.get("stages") or []
    columns = max(len(stages), 1)
    width = MARGIN * 2 + columns * COLUMN_WIDTH + (columns - 1) * COLUMN_GAP
    width = max(width, 760)
    body_heights = [sum(_item_height(i) + ITEM_GAP for i in s.get("items") or []) for s in stages] or [0]
    height = MARGIN + HEADER_HEIGHT + STAGE_HEIGHT + 16 + max(max(body_heights), 40) + MARGIN

    svg = _Svg()
    category = guide.get("category") or {}
    total = guide.get("total_limit_days")
    cap = guide.get("overall_limit_days")
    title = f"{_name(category)}审批流程图" if _name(category) else "工程建设项目审批流程图"

    # ---- header: title, project, totals against the cap (001 §8), legend
    svg.rect(MARGIN / 2, MARGIN / 2, width - MARGIN, HEADER_HEIGHT - 8, "#ffffff", "#e5e7eb", rx=10, width=1)
    svg.text(MARGIN, MARGIN + 22, title, size=TITLE_SIZE, weight="bold", cls="title")
    subtitle = []
    if guide.get("project_code"):
        subtitle.append(f"项目代码 {guide['project_code']}")
    if guide.get("project_name"):
        subtitle.append(guide["project_name"])
    if guide.get("catalog_version") is not None:
        subtitle.append(f"事项目录第 {guide['catalog_version']} 版")
    svg.text(MARGIN, MARGIN + 46, "　".join(subtitle), size=SMALL_SIZE + 1, fill="#374151", cls="subtitle")
    if total is not None:
        over = cap is not None and total > cap
        summary = f"合计 {total} 个工作日"
        if cap is not None:
            summary += f" / 全流程上限 {cap} 个工作日" + ("（超出上限）" if over else "")
        svg.text(width - MARGIN, MARGIN + 22, summary, size=TEXT_SIZE + 2, weight="bold",
                 fill="#b91c1c" if over else "#065f46", anchor="end", cls="total")
    legend_x = MARGIN
    legend_y = MARGIN + 70
    svg.text(legend_x, legend_y + 12, "图例：", size=SMALL_SIZE, fill="#374151")
    legend_x += 44
    for code in LEGEND:
        label, fill, stroke = STATES[code]
        svg.rect(legend_x, legend_y, 16, 16, fill, stroke, rx=3, width=1.2)
        svg.text(legend_x + 22, legend_y + 12.5, label, size=SMALL_SIZE, fill="#374151", cls="legend")
        legend_x += 30 + text_width(label, SMALL_SIZE) + 14

    # ---- stages as columns, arrows between them
    top = MARGIN + HEADER_HEIGHT
    svg.raw('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6b7280"/></marker></defs>')
    for index, stage in enumerate(stages):
        x = MARGIN + index * (COLUMN_WIDTH + COLUMN_GAP)
        svg.raw(f'<g class="stage" data-stage={quoteattr(str(stage.get("stage", "")))}>')
        svg.rect(x, top, COLUMN_WIDTH, STAGE_HEIGHT, "#1e3a8a", "#1e3a8a", rx=8)
        ordinal = STAGE_ORDINALS[index] if index < len(STAGE_ORDINALS) else f"第{index + 1}阶段"
        svg.text(x + 12, top + 24, f"{ordinal}　{stage.get('name') or stage.get('stage', '')}", size=TEXT_SIZE + 2,
                 weight="bold", fill="#ffffff", cls="stage-name")
        lead = _name(stage.get("lead_department"))
        svg.text(x + 12, top + 46, f"牵头部门：{lead}", size=SMALL_SIZE, fill="#dbeafe", cls="stage-lead")
        limit = stage.get("limit_days")
        line = f"阶段时限 {limit} 个工作日" if limit is not None else "阶段时限 —"
        if stage.get("state"):
            line += f"　{_state(stage['state'])[0]}"
        svg.text(x + 12, top + 68, line, size=SMALL_SIZE, fill="#dbeafe", cls="stage-limit")
        if index < len(stages) - 1:
            y = top + STAGE_HEIGHT / 2
            svg.raw(f'<line x1="{x + COLUMN_WIDTH + 4:.1f}" y1="{y:.1f}" x2="{x + COLUMN_WIDTH + COLUMN_GAP - 4:.1f}" '
                    f'y2="{y:.1f}" stroke="#6b7280" stroke-width="2" marker-end="url(#arrow)"/>')

        # ---- items of the stage: parallel approvals (002 §12), one box each
        y = top + STAGE_HEIGHT + 16
        items = stage.get("items") or []
        if not items:
            svg.text(x + COLUMN_WIDTH / 2, y + 20, "本阶段无适用事项", size=SMALL_SIZE, fill="#6b7280", anchor="middle")
        for item in items:
            state = item.get("state") or "not_started"
            label, fill, stroke = _state(state)
            box_height = _item_height(item)
            svg.raw(f'<g class="item" data-item-code={quoteattr(str(item.get("code", "")))} '
                    f'data-state={quoteattr(state)}>')
            svg.rect(x, y, COLUMN_WIDTH, box_height, fill, stroke)
            line_y = y + 22
            for text_line in _item_lines(item):
                svg.text(x + 14, line_y, text_line, size=TEXT_SIZE + 1, weight="bold", cls="item-name")
                line_y += LINE
            svg.text(x + 14, line_y, _name(item.get("department")), size=SMALL_SIZE, fill="#374151",
                     cls="item-department")
            line_y += LINE
            svg.text(x + 14, line_y, f"时限 {item.get('limit_days')} 个工作日", size=SMALL_SIZE, fill="#374151",
                     cls="item-limit")
            materials = item.get("materials") or []
            svg.text(x + COLUMN_WIDTH - 12, line_y, f"材料 {len(materials)} 项", size=SMALL_SIZE, fill="#6b7280",
                     anchor="end", cls="item-materials")
            line_y += LINE
            svg.text(x + 14, line_y, f"{item.get('code', '')}", size=SMALL_SIZE - 1, fill="#6b7280", cls="item-code")
            badges = [label for flag, label in (("notification_commitment", "告知承诺"),
                                                ("accept_with_deficiencies", "容缺受理")) if item.get(flag)]
            if badges:
                code_width = text_width(str(item.get("code", "")), SMALL_SIZE - 1)
                svg.text(x + 22 + code_width, line_y, "·".join(badges), size=SMALL_SIZE - 1, fill="#7c3aed",
                         cls="item-badges")
            svg.text(x + COLUMN_WIDTH - 12, line_y, label, size=SMALL_SIZE, weight="bold", fill=stroke,
                     anchor="end", cls="item-state")
            svg.raw("</g>")
            y += box_height + ITEM_GAP
        svg.raw("</g>")

    head = (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" font-family={quoteattr(FONT_FAMILY)}>'
            f'<title>{escape(title)}</title>'
            f'<rect width="100%" height="100%" fill="#f9fafb"/>')
    return head + "".join(svg.parts) + "</svg>\n"
