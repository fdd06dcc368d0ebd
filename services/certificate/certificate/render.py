"""The licence as a printable PDF (002 §18: the standard certificate layout with an electronic seal):
title, number and 用证码 (check code), the holder, the project and what is licensed, the issuing
department and date, validity, the department's seal and a QR code that opens the public
verification page with the number and code filled in. Fonts are embedded (platform_kit.seal).

A paper licence's scan (002 §21) becomes a true copy (电子副本): a cover page of the same layout
that says so, then the scan's pages (PDF pages as they are, images one per page).

Both are PDF/A-2b (platform_kit.pdfa) before they are sealed; a true copy whose scan is a PDF is
identified as PDF/A only when the scan's own pages embed every font they use and it is not encrypted
(the scan is kept as it was uploaded, so what it lacks cannot be added)."""
import io
from urllib.parse import urlencode

import zxingcpp
from PIL import Image, ImageOps
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas as pdf_canvas

from platform_kit.pdfa import archival_canvas, embedded_fonts, to_pdfa
from platform_kit.seal import cjk_font, draw_seal

WIDTH, HEIGHT = A4
BORDER = (0.62, 0.12, 0.10)
QR_MODULE_PX = 6


def verification_url(base, licence_no, code):
    return f"{base}?{urlencode({'licence_no': licence_no, 'check_code': code})}"


def _qr_image(text):
    """The QR code of `text`: error correction level M, the smallest version that holds it, 6 pixels a
    module and a quiet zone of 2 modules, black on white. Encoded by zxing-cpp (its writer is libzint,
    in C: a twentieth of the CPU of a pure Python encoder choosing its mask) and handed to reportlab
    as an image, without a PNG in between."""
    modules = memoryview(zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
                         .to_image(scale=QR_MODULE_PX, add_quiet_zones=False))
    height, width = modules.shape
    image = Image.frombytes("L", (width, height), modules.tobytes())
    return ImageReader(ImageOps.expand(image, border=2 * QR_MODULE_PX, fill=255))


def _chinese_date(iso):
    if not iso:
        return "长期有效"
    year, month, day = iso.split("-")
    return f"{year}年{int(month)}月{int(day)}日"


def _wrap(canvas, text, x, y, width, font, size, leading):
    """Draw `text` wrapped at `width` (CJK text breaks between any two characters); returns the next y."""
    line = ""
    for char in text:
        if canvas.stringWidth(line + char, font, size) > width:
            canvas.drawString(x, y, line)
            y, line = y - leading, char
        else:
            line += char
    if line:
        canvas.drawString(x, y, line)
        y -= leading
    return y


def _page(canvas, document, check_code, url, seal_holder, true_copy=False):
    font = cjk_font()
    canvas.setStrokeColorRGB(*BORDER)
    canvas.setLineWidth(2.2)
    canvas.rect(14 * mm, 14 * mm, WIDTH - 28 * mm, HEIGHT - 28 * mm)
    canvas.setLineWidth(0.6)
    canvas.rect(16.5 * mm, 16.5 * mm, WIDTH - 33 * mm, HEIGHT - 33 * mm)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(font, 11)
    canvas.drawCentredString(WIDTH / 2, HEIGHT - 30 * mm, "中华人民共和国")
    canvas.setFont(font, 24)
    canvas.drawCentredString(WIDTH / 2, HEIGHT - 43 * mm, document["title"])
    if true_copy:
        canvas.setFont(font, 13)
        canvas.drawCentredString(WIDTH / 2, HEIGHT - 52 * mm, "（电子副本）")
    canvas.setFont(font, 10.5)
    canvas.drawString(26 * mm, HEIGHT - 62 * mm, f"编号：{document['licence_no']}")
    canvas.drawRightString(WIDTH - 26 * mm, HEIGHT - 62 * mm, f"用证码：{check_code}")
    rows = [("持证单位", document["holder"]), ("项目代码", document["project_code"]),
            ("项目名称", document["project_name"]), ("许可事项", f"{document['item_name']}（{document['item_code']}）"),
            ("证照类型", f"{document.get('kind_name', '')}　版本 {document.get('version', '1')}"),
            ("批准日期", _chinese_date(document["approved_on"])),
            ("有效期至", _chinese_date(document.get("valid_until")))]
    rows += [(f["label"], f["value"]) for f in document.get("form_fields") or ()]   # from the declaration
    if document.get("particulars"):
        rows.append(("许可内容", document["particulars"]))
    if document.get("paper_issued_on"):
        rows.append(("纸质证照发证日期", _chinese_date(document["paper_issued_on"])))
    y = HEIGHT - 78 * mm
    for label, value in rows:
        canvas.setFont(font, 12)
        canvas.drawString(28 * mm, y, f"{label}：")
        y = _wrap(canvas, str(value), 62 * mm, y, WIDTH - 92 * mm, font, 12, 17) - 5
    canvas.setFont(font, 10)
    _wrap(canvas, document["statement"], 28 * mm, 70 * mm, WIDTH - 56 * mm, font, 10, 14)
    issuer = document.get("department_name") or document["department"]
    canvas.setFont(font, 12)
    canvas.drawRightString(WIDTH - 30 * mm, 58 * mm, f"发证机关：{issuer}")
    canvas.drawRightString(WIDTH - 30 * mm, 50 * mm, _chinese_date(document["issued_on"]))
    draw_seal(canvas, WIDTH - 62 * mm, 60 * mm, 21 * mm, seal_holder, "电子证照专用章" if not true_copy else "电子副本专用章")
    canvas.drawImage(_qr_image(url), 26 * mm, 24 * mm, 32 * mm, 32 * mm)
    canvas.setFont(font, 8)
    canvas.drawString(26 * mm, 21 * mm, "扫码或登录门户“证照核验”，凭编号与用证码核验")


def _new_canvas(buffer, document):
    canvas = pdf_canvas.Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=cjk_font())
    canvas.setTitle(f"{document['title']} {document['licence_no']}")
    canvas.setAuthor(document.get("department_name") or document["department"])
    canvas.setSubject(document["licence_no"])
    return canvas


def _identity(document):
    """What the PDF/A document says it is (title, author, subject), in its dictionary and its XMP."""
    return {"title": f"{document['title']} {document['licence_no']}",
            "author": document.get("department_name") or document["department"], "subject": document["licence_no"]}


def licence_pdf(document, check_code, verify_base, seal_holder):
    buffer = io.BytesIO()
    canvas = _new_canvas(buffer, document)
    _page(canvas, document, check_code, verification_url(verify_base, document["licence_no"], check_code),
          seal_holder)
    archival_canvas(canvas, **_identity(document))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def true_copy_pdf(document, check_code, verify_base, seal_holder, scan, content_type):
    """The cover page, then the scan: a PDF's pages appended as they are, an image fitted to a page."""
    from pypdf import PdfReader, PdfWriter
    buffer = io.BytesIO()
    canvas = _new_canvas(buffer, document)
    _page(canvas, document, check_code, verification_url(verify_base, document["licence_no"], check_code),
          seal_holder, true_copy=True)
    canvas.showPage()
    if content_type != "application/pdf":
        image = ImageReader(io.BytesIO(scan))
        width, height = image.getSize()
        scale = min((WIDTH - 20 * mm) / width, (HEIGHT - 20 * mm) / height)
        canvas.drawImage(image, (WIDTH - width * scale) / 2, (HEIGHT - height * scale) / 2, width * scale,
                         height * scale)
        canvas.showPage()
        archival_canvas(canvas, **_identity(document))
        canvas.save()
        return buffer.getvalue()
    canvas.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buffer.getvalue())))
    scanned = PdfReader(io.BytesIO(scan))
    archival = not scanned.is_encrypted and all(embedded_fonts(scanned).values())
    for page in scanned.pages:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return to_pdfa(out.getvalue(), **_identity(document)) if archival else out.getvalue()
