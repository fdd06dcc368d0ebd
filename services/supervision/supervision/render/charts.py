"""Statistics charts as SVG, drawn on the server: the departments ranked by on-time rate (bars) and
the monthly trend of cases received, concluded and overdue (lines). Every text is escaped; the
fonts named are those with Chinese glyphs."""
from xml.sax.saxutils import escape, quoteattr

FONT = "'Noto Sans CJK SC','Source Han Sans SC','WenQuanYi Micro Hei','Microsoft YaHei',sans-serif"
SERIES = (("received", "接件数", "#409eff"), ("concluded", "办结数", "#67c23a"), ("overdue", "逾期数", "#f56c6c"))


def _text(x, y, content, size=13, anchor="start", weight="normal", fill="#303133"):
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" '
            f'fill="{fill}">{escape(str(content))}</text>')


def _document(width, height, title, body):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label={quoteattr(title)} font-family="{FONT}">'
            f'<title>{escape(title)}</title><rect width="100%" height="100%" fill="#ffffff"/>'
            + _text(width / 2, 30, title, size=18, anchor="middle", weight="bold") + "".join(body) + "</svg>\n")


def ranking(rows, title):
    """Horizontal bars: each department's on-time rate, best first (rows as in ``ranking``)."""
    width, left, right, bar, gap, top = 760, 220, 90, 22, 12, 60
    plot = width - left - right
    height = top + max(len(rows), 1) * (bar + gap) + 50
    body = []
    for tick in range(0, 101, 20):
        x = left + plot * tick / 100
        body.append(f'<line x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{height - 40}" stroke="#ebeef5"/>')
        body.append(_text(x, height - 22, f"{tick}%", size=11, anchor="middle", fill="#909399"))
    if not rows:
        body.append(_text(width / 2, top + 20, "暂无办结数据", anchor="middle", fill="#909399"))
    for n, row in enumerate(rows):
        y = top + n * (bar + gap)
        rate = row.get("on_time_rate")
        name = f"{row.get('rank', n + 1)}. {row.get('name') or row.get('department')}"
        body.append(_text(left - 10, y + bar * 0.72, name, anchor="end"))
        if rate is None:
            body.append(_text(left + 6, y + bar * 0.72, "无办结", size=12, fill="#909399"))
            continue
        length = max(plot * rate, 1)
        colour = "#67c23a" if rate >= 0.9 else "#e6a23c" if rate >= 0.6 else "#f56c6c"
        body.append(f'<rect x="{left}" y="{y}" width="{length:.1f}" height="{bar}" rx="3" fill="{colour}">'
                    f'<title>{escape(name)}：按时办结率 {rate * 100:.1f}%</title></rect>')
        body.append(_text(left + length + 6, y + bar * 0.72,
                          f"{rate * 100:.1f}%（{row.get('on_time', 0)}/{row.get('concluded', 0)}）", size=12))
    return _document(width, height, title, body)


def trend(months, title):
    """Lines of cases received, concluded and overdue per month (rows as in ``trend``)."""
    width, height, left, right, top, bottom = 760, 380, 60, 30, 70, 70
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([1] + [m.get(key) or 0 for m in months for key, _, _ in SERIES])
    step = max(1, -(-peak // 5))
    peak = step * 5
    body = []
    for n in range(6):
        value = step * n
        y = top + plot_h - plot_h * value / peak
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ebeef5"/>')
        body.append(_text(left - 8, y + 4, value, size=11, anchor="end", fill="#909399"))
    count = max(len(months), 1)

    def x_of(i):
        return left + (plot_w * (i + 0.5) / count)

    for i, month in enumerate(months):
        body.append(_text(x_of(i), top + plot_h + 20, month["key"][2:].replace("-", "."), size=11,
                          anchor="middle", fill="#606266"))
    for s, (key, label, colour) in enumerate(SERIES):
        points = [(x_of(i), top + plot_h - plot_h * (m.get(key) or 0) / peak) for i, m in enumerate(months)]
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
            for (x, y), m in zip(points, months):
                body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">'
                            f'<title>{escape(m["name"])} {escape(label)}：{m.get(key) or 0}</title></circle>')
        lx = left + s * 120
        body.append(f'<rect x="{lx}" y="{height - 28}" width="14" height="4" fill="{colour}"/>')
        body.append(_text(lx + 20, height - 22, label, size=12))
    return _document(width, height, title, body)
