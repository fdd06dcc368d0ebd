"""Statistics as a table file: CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the
Chinese) or XLSX (openpyxl), with Chinese headers; one row per group and a closing total."""
import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from supervision.domain import statistics as st

CSV, XLSX = "csv", "xlsx"
CONTENT_TYPES = {CSV: "text/csv; charset=utf-8",
                 XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_COMPARED_LABEL = {**st.COUNTS, **st.RATES}


def columns(group_by):
    """(header, value of a row, kind) for every column: kind is count, rate, days or change."""
    out = [(st.GROUPS[group_by], lambda r: r["key"], "text"), ("名称", lambda r: r["name"], "text")]
    out += [(label, (lambda n: lambda r: r[n])(name), "count") for name, label in st.COUNTS.items()]
    out += [(label, (lambda n: lambda r: r[n])(name), "rate") for name, label in st.RATES.items()]
    out += [(label, (lambda n: lambda r: r[n])(name), "days") for name, label in st.DAYS.items()]
    for prefix, key in (("环比", "mom"), ("同比", "yoy")):
        out += [(f"{prefix}·{_COMPARED_LABEL[name]}", (lambda k, n: lambda r: r[k][n])(key, name), "change")
                for name in st.COMPARED]
    return out


def _rows(result):
    return list(result["items"]) + [result["totals"]]


def _title(result):
    period = result["period"]
    span = period["from"] if period["from"] == period["to"] else f"{period['from']}至{period['to']}"
    return f"审批统计（{span}，按{st.GROUPS[result['group_by']]}）"


def _text(value, kind):
    if value is None:
        return ""
    if kind in ("rate", "change"):
        return f"{value * 100:.2f}%"
    return value


def to_csv(result):
    cols = columns(result["group_by"])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header for header, _, _ in cols])
    for row in _rows(result):
        writer.writerow([_text(value(row), kind) for _, value, kind in cols])
    return "\ufeff".encode("utf-8") + buffer.getvalue().encode("utf-8")


def to_xlsx(result):
    cols = columns(result["group_by"])
    book = Workbook()
    sheet = book.active
    sheet.title = "统计"
    sheet.append([header for header, _, _ in cols])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(result):
        sheet.append([value(row) for _, value, _ in cols])
        for cell, (_, _, kind) in zip(sheet[sheet.max_row], cols):
            if kind in ("rate", "change"):
                cell.number_format = "0.00%"
            elif kind == "days":
                cell.number_format = "0.00"
    sheet.freeze_panes = "C2"
    for letter, width in (("A", 14), ("B", 28)):
        sheet.column_dimensions[letter].width = width
    book.properties.title = _title(result)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export(result, fmt):
    """The file of `result` (:func:`supervision.handlers.statistics.read`) in format csv or xlsx."""
    period = result["period"]
    span = period["from"] if period["from"] == period["to"] else f"{period['from']}_{period['to']}"
    content = to_csv(result) if fmt == CSV else to_xlsx(result)
    return {"content": content, "content_type": CONTENT_TYPES[fmt],
            "name": f"statistics-{result['group_by']}-{span}.{fmt}"}
