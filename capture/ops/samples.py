"""Small real files made in code, for the demo and the tests: PDF/A, JPEG, MP4 with a video track."""
import hashlib
import io
import struct

XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title></rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
<pdfaid:part>1</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance></rdf:Description>
</rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>"""


def pdf(title="Document", lines=(), pdfa=True, pages=1):
    """A PDF of `pages` pages; with `pdfa`, a PDF/A-1b in earnest: XMP that declares it, the font
    embedded (ISO 19005-1 §6.3.4) and an sRGB OutputIntent (§6.2.2), identified as fmt/354."""
    font_ref = b"5 0 R"
    objects = {1: None, 2: None}  # catalog and page tree, written once the pages are numbered
    number = 5
    if pdfa:
        font_file, widths, metrics = _embedded_font()
        objects[5] = (b"<< /Type /Font /Subtype /TrueType /BaseFont /Aileron-Regular /FirstChar 32 "
                      b"/LastChar 126 /Widths [%s] /Encoding /WinAnsiEncoding /FontDescriptor 6 0 R >>"
                      % b" ".join(b"%d" % w for w in widths))
        objects[6] = (b"<< /Type /FontDescriptor /FontName /Aileron-Regular /Flags 32 /FontBBox [%d %d %d %d] "
                      b"/ItalicAngle 0 /Ascent %d /Descent %d /CapHeight %d /StemV 80 /FontFile2 7 0 R >>"
                      % metrics)
        objects[7] = _stream(font_file, b"/Length1 %d" % len(font_file))
        objects[8] = _stream(XMP.format(title=title).encode("utf-8"), b"/Type /Metadata /Subtype /XML")
        objects[9] = _stream(_srgb_profile(), b"/N 3")
        objects[10] = (b"<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier (sRGB IEC61966-2.1) "
                       b"/Info (sRGB IEC61966-2.1) /DestOutputProfile 9 0 R >>")
        number = 11
    else:
        objects[5] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
        number = 6
    kids = []
    for page in range(1, pages + 1):
        text = ["BT /F1 14 Tf 72 760 Td (%s) Tj ET" % _pdf_escape(title)]
        for n, line in enumerate(lines):
            text.append("BT /F1 11 Tf 72 %d Td (%s) Tj ET" % (730 - 18 * n, _pdf_escape(line)))
        text.append("BT /F1 9 Tf 280 40 Td (%d / %d) Tj ET" % (page, pages))
        content = "\n".join(text).encode("latin-1", "replace")
        objects[number] = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R " \
                          b"/Resources << /Font << /F1 %s >> >> >>" % (number + 1, font_ref)
        objects[number + 1] = _stream(content)
        kids.append(b"%d 0 R" % number)
        number += 2
    extra = b" /Metadata 8 0 R /OutputIntents [10 0 R]" if pdfa else b""
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R%s >>" % extra
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), pages)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for key in sorted(k for k in objects if objects[k] is not None):
        offsets[key] = out.tell()
        out.write(b"%d 0 obj\n%s\nendobj\n" % (key, objects[key]))
    size = max(offsets) + 1
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    for key in range(1, size):
        out.write(b"%010d 00000 n \n" % offsets[key] if key in offsets else b"0000000000 65535 f \n")
    document_id = hashlib.md5(title.encode("utf-8") + b"%d" % pages).hexdigest().encode()
    out.write(b"trailer\n<< /Size %d /Root 1 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n"
              % (size, document_id, document_id, xref))
    return out.getvalue()


def _stream(data, extra=b""):
    return b"<< /Length %d %s >>\nstream\n%s\nendstream" % (len(data), extra, data)


def _embedded_font():
    """(TrueType bytes, widths of characters 32–126, descriptor metrics) of the font Pillow ships
    (Aileron Regular, public domain): the one font every installation of the toolkit has."""
    from PIL import ImageFont
    font = ImageFont.load_default(size=1000)
    data = font.path.getvalue() if hasattr(font.path, "getvalue") else open(font.path, "rb").read()
    widths = [round(font.getlength(chr(code))) for code in range(32, 127)]
    ascent, descent = font.getmetrics()
    left, top, right, bottom = font.getbbox("Hg")
    return data, widths, (left, -descent, right, ascent, ascent, -descent, ascent - top)


def _srgb_profile():
    """An sRGB ICC profile made by LittleCMS (through Pillow), for the PDF/A OutputIntent."""
    from PIL import ImageCms
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    # LittleCMS stamps the time of creation in the header (ICC.1 §7.2.8, bytes 24–35): fixed, so
    # that a sample is the same bytes whenever it is made (retries and duplicates compare content).
    profile[24:36] = struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
    return bytes(profile)


def _pdf_escape(text):
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def jpeg(width=160, height=120, colour=(40, 110, 170), label_colour=(240, 200, 60)):
    """A small JFIF photo: a sky, a bank and a sun, so that it looks like something."""
    from PIL import Image, ImageDraw
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, height * 2 // 3, width, height], fill=(90, 120, 60))
    draw.ellipse([width - 50, 10, width - 15, 45], fill=label_colour)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _box(kind, payload):
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4(seconds=1, width=160, height=120):
    """A small MP4 (ISO/IEC 14496-12) with one video track: a single Motion-JPEG frame shown for
    `seconds`. No video encoder is available offline; a JPEG frame is what Pillow can make, and
    players (FFmpeg, VLC) show it. Identified as fmt/199."""
    frame = jpeg(width, height)
    timescale = 1000
    duration = seconds * timescale
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    matrix = struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)
    mvhd = _box(b"mvhd", struct.pack(">B3xIIII", 0, 0, 0, timescale, duration)
                + struct.pack(">IH10x", 0x00010000, 0x0100) + matrix + bytes(24) + struct.pack(">I", 2))

    def moov(offset):
        tkhd = _box(b"tkhd", struct.pack(">B3sIIII4sI8sHHH2s", 0, b"\x00\x00\x03", 0, 0, 1, 0, bytes(4),
                                         duration, bytes(8), 0, 0, 0, bytes(2))
                    + matrix + struct.pack(">II", width << 16, height << 16))
        mdhd = _box(b"mdhd", struct.pack(">B3xIIIIHH", 0, 0, 0, timescale, duration, 0x55C4, 0))
        hdlr = _box(b"hdlr", struct.pack(">B3xI4s12s", 0, 0, b"vide", bytes(12)) + b"VideoHandler\x00")
        vmhd = _box(b"vmhd", struct.pack(">B3sH6s", 0, b"\x00\x00\x01", 0, bytes(6)))
        dinf = _box(b"dinf", _box(b"dref", struct.pack(">B3xI", 0, 1)
                                  + _box(b"url ", struct.pack(">B3s", 0, b"\x00\x00\x01"))))
        entry = _box(b"jpeg", bytes(6) + struct.pack(">H", 1) + bytes(16)
                     + struct.pack(">HHIII", width, height, 0x00480000, 0x00480000, 0)
                     + struct.pack(">H", 1) + bytes(32) + struct.pack(">Hh", 0x0018, -1))
        stbl = _box(b"stbl", _box(b"stsd", struct.pack(">B3xI", 0, 1) + entry)
                    + _box(b"stts", struct.pack(">B3xIII", 0, 1, 1, duration))
                    + _box(b"stsc", struct.pack(">B3xIIII", 0, 1, 1, 1, 1))
                    + _box(b"stsz", struct.pack(">B3xIII", 0, 0, 1, len(frame)))
                    + _box(b"stco", struct.pack(">B3xII", 0, 1, offset)))
        minf = _box(b"minf", vmhd + dinf + stbl)
        trak = _box(b"trak", tkhd + _box(b"mdia", mdhd + hdlr + minf))
        return _box(b"moov", mvhd + trak)

    header = ftyp + moov(0)
    return ftyp + moov(len(header) + 8) + _box(b"mdat", frame)
