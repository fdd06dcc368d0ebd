"""Archival PDF (PDF/A-2b, ISO 19005-2 level B) for sealed documents: a licence must stay readable and
look the same for as long as it is kept (002 §18: the standard licence is a PDF/A document).

:func:`to_pdfa` takes a PDF drawn by reportlab (every font embedded, no transparency, no encryption)
and adds what level B asks beyond that: XMP metadata that identifies the part and conformance
(``pdfaid:part`` 2, ``pdfaid:conformance`` B) and repeats the document information dictionary
entry for entry, an sRGB output intent with its ICC profile (made by Pillow's LittleCMS binding, so
no colour profile file is needed), and a file identifier. The PAdES seal is added afterwards as an
incremental update (platform_kit.seal.sign_pdf): pyHanko updates the XMP's modification date and
producer together with the information dictionary, so the two keep matching.
:func:`archival_canvas` has reportlab write the same additions itself while it saves a drawing (a
licence, a true copy of an image scan), which spares reading and writing the PDF again;
:func:`to_pdfa` is for a PDF put together from others (a true copy of a PDF scan).

:func:`pdfa_findings` lists what a reader can check of the same rules (used by the tests; a full
conformance checker such as veraPDF is a Java program outside Debian and PyPI).
"""
import hashlib
import io
from datetime import datetime, timezone
from functools import lru_cache
from xml.sax.saxutils import escape

PART, CONFORMANCE = "2", "B"
OUTPUT_CONDITION = "sRGB IEC61966-2.1"
CREATOR = "工程建设项目审批管理系统"


def _producer():
    """The producer named in both the information dictionary and the XMP: pyHanko's own string, which
    it writes into the XMP when it seals and leaves alone in the dictionary when already there."""
    from pyhanko.pdf_utils.metadata.model import VENDOR
    return VENDOR


@lru_cache(maxsize=1)
def srgb_profile():
    """The ICC profile of sRGB (IEC 61966-2.1) as bytes, built by LittleCMS."""
    from PIL import ImageCms
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _pdf_date(moment):
    return moment.strftime("D:%Y%m%d%H%M%S+00'00'")


def _xmp(title, author, subject, moment):
    when = moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    t, a, s = escape(title), escape(author), escape(subject)
    body = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>{PART}</pdfaid:part>
   <pdfaid:conformance>{CONFORMANCE}</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{t}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{a}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{s}</rdf:li></rdf:Alt></dc:description>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <xmp:CreatorTool>{CREATOR}</xmp:CreatorTool>
   <xmp:CreateDate>{when}</xmp:CreateDate>
   <xmp:ModifyDate>{when}</xmp:ModifyDate>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Producer>{escape(_producer())}</pdf:Producer>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return body.encode("utf-8")


def to_pdfa(pdf, *, title, author, subject, moment=None):
    """`pdf` (bytes) identified and completed as PDF/A-2b; `moment` is its creation time."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (ArrayObject, ByteStringObject, DecodedStreamObject, DictionaryObject, NameObject,
                               NumberObject, TextStringObject)
    moment = (moment or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    # the information dictionary says exactly what the XMP says (ISO 19005-2 §6.6.2.3.2)
    writer.metadata = {"/Title": title, "/Author": author, "/Subject": subject, "/Creator": CREATOR,
                       "/Producer": _producer(), "/CreationDate": _pdf_date(moment), "/ModDate": _pdf_date(moment)}
    metadata = DecodedStreamObject()
    metadata.set_data(_xmp(title, author, subject, moment))
    metadata.update({NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")})
    profile = DecodedStreamObject()
    profile.set_data(srgb_profile())
    profile[NameObject("/N")] = NumberObject(3)
    intent = DictionaryObject({
        NameObject("/Type"): NameObject("/OutputIntent"), NameObject("/S"): NameObject("/GTS_PDFA1"),
        NameObject("/OutputConditionIdentifier"): TextStringObject(OUTPUT_CONDITION),
        NameObject("/Info"): TextStringObject(OUTPUT_CONDITION),
        NameObject("/RegistryName"): TextStringObject("http://www.color.org"),
        NameObject("/DestOutputProfile"): writer._add_object(profile)})
    root = writer.root_object
    root[NameObject("/Metadata")] = writer._add_object(metadata)
    root[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])
    root[NameObject("/Lang")] = TextStringObject("zh-CN")
    # a file identifier in the trailer (§6.1.3): from the content, so the same drawing gives the same id
    digest = ByteStringObject(hashlib.md5(pdf).digest())
    writer._ID = ArrayObject([digest, digest])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def archival_canvas(canvas, *, title, author, subject, moment=None):
    """A reportlab canvas, before it is saved, made to write the PDF/A-2b document :func:`to_pdfa` would
    make of its output (the same information dictionary, XMP, output intent and language; reportlab
    writes a file identifier and a binary header comment of its own), so that the PDF need not be
    read and written once more."""
    from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFString
    moment = (moment or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    info, unfiltered = _reportlab_parts()
    document = canvas._doc
    # the information dictionary says exactly what the XMP says (ISO 19005-2 §6.6.2.3.2)
    document.info = info({"Title": title, "Author": author, "Subject": subject, "Creator": CREATOR,
                          "Producer": _producer(), "CreationDate": _pdf_date(moment), "ModDate": _pdf_date(moment)})
    profile = unfiltered(PDFDictionary({"N": 3}), srgb_profile())
    intent = PDFDictionary({"Type": PDFName("OutputIntent"), "S": PDFName("GTS_PDFA1"),
                            "OutputConditionIdentifier": PDFString(OUTPUT_CONDITION),
                            "Info": PDFString(OUTPUT_CONDITION), "RegistryName": PDFString("http://www.color.org"),
                            "DestOutputProfile": document.Reference(profile)})
    catalog = document.Catalog
    catalog.__NoDefault__ = [*catalog.__NoDefault__, "OutputIntents"]   # the keys reportlab's catalog writes
    catalog.Metadata = unfiltered(PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML")}),
                                  _xmp(title, author, subject, moment))
    catalog.OutputIntents = PDFArray([intent])
    catalog.Lang = PDFString("zh-CN")


@lru_cache(maxsize=1)
def _reportlab_parts():
    """reportlab's information dictionary and stream, as PDF/A wants them: the dictionary with the
    given entries only (reportlab adds Keywords and Trapped, which the XMP does not repeat), the
    stream written as it is, with no Filter key (none is allowed on the XMP, §6.6.2.1)."""
    from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFInfo, PDFStream, PDFString, format

    class Info(PDFInfo):
        def __init__(self, entries):
            super().__init__()
            self.entries = entries
            self.title, self.author, self.subject = entries["Title"], entries["Author"], entries["Subject"]

        def format(self, document):
            return PDFDictionary({k: PDFString(v) for k, v in self.entries.items()}).format(document)

    class UnfilteredStream(PDFStream):
        def format(self, document):
            content = document.encrypt.encode(self.content)
            dictionary = PDFDictionary({**self.dictionary.dict, "Length": len(content)})
            return format(dictionary, document) + b"\nstream\n" + format(content, document) + b"endstream\n"
    return Info, UnfilteredStream


def _fonts(resources, seen):
    if resources is None:
        return
    resources = resources.get_object()
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        yield font
        for descendant in font.get("/DescendantFonts") or []:
            yield descendant.get_object()
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if id(xobject) not in seen and xobject.get("/Subtype") == "/Form":
            seen.add(id(xobject))
            yield from _fonts(xobject.get("/Resources"), seen)


def embedded_fonts(reader):
    """{font name: embedded?} of every font the pages (and their forms) use."""
    found = {}
    for page in reader.pages:
        for font in _fonts(page.get("/Resources"), set()):
            if font.get("/Subtype") == "/Type0":
                continue  # its glyphs are in the descendant font, listed on its own
            descriptor = (font.get("/FontDescriptor") or {})
            descriptor = descriptor.get_object() if descriptor else {}
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            found[str(font.get("/BaseFont"))] = embedded or font.get("/Subtype") == "/Type3"
    return found


def pdfa_findings(pdf):
    """What keeps `pdf` from being PDF/A-2b, as far as its structure tells (empty: nothing found)."""
    from pypdf import PdfReader
    reader = PdfReader(io.BytesIO(pdf))
    findings = []
    if reader.is_encrypted:
        findings.append("encrypted")
    root = reader.trailer["/Root"]
    xmp = reader.xmp_metadata
    ident = {}
    if xmp is not None:
        ns = "http://www.aiim.org/pdfa/ns/id/"
        ident = {"part": xmp._get_single_value(ns, "part"), "conformance": xmp._get_single_value(ns, "conformance")}
    if ident != {"part": PART, "conformance": CONFORMANCE}:
        findings.append(f"XMP identification {ident}")
    if "/Metadata" in root and "/Filter" in root["/Metadata"].get_object():
        findings.append("the XMP metadata stream is filtered")   # §6.6.2.1
    intents = [i.get_object() for i in root.get("/OutputIntents", [])]
    if not any(i.get("/S") == "/GTS_PDFA1" and i.get("/DestOutputProfile") is not None for i in intents):
        findings.append("no PDF/A output intent with an ICC profile")
    if "/ID" not in reader.trailer:
        findings.append("no file identifier")
    findings += [f"font not embedded: {name}" for name, ok in embedded_fonts(reader).items() if not ok]
    info = reader.metadata or {}
    if xmp is not None:
        pairs = {"/Title": (xmp.dc_title or {}).get("x-default"), "/Author": ",".join(xmp.dc_creator or []),
                 "/Subject": (xmp.dc_description or {}).get("x-default"), "/Creator": xmp.xmp_creator_tool,
                 "/Producer": xmp.pdf_producer, "/Keywords": xmp.pdf_keywords,
                 "/Trapped": xmp._get_single_value("http://ns.adobe.com/pdf/1.3/", "Trapped")}
        findings += [f"{key} differs between the information dictionary and the XMP"
                     for key, value in pairs.items() if key in info and info[key] != value]
        # pypdf reads XMP dates as naive UTC
        modified = info.modification_date
        if modified is not None and modified.astimezone(timezone.utc).replace(tzinfo=None) != xmp.xmp_modify_date:
            findings.append("/ModDate differs between the information dictionary and the XMP")
    return findings
