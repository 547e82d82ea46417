"""Small real files made in code, for the demo and the tests: PDF(/A metadata), JPEG, MP4."""
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


def pdf(title="Document", lines=(), pdfa=True):
    """A one-page PDF; with `pdfa`, XMP metadata that declares PDF/A-1b (identified as fmt/354)."""
    text = ["BT /F1 14 Tf 72 760 Td (%s) Tj ET" % _pdf_escape(title)]
    for n, line in enumerate(lines):
        text.append("BT /F1 11 Tf 72 %d Td (%s) Tj ET" % (730 - 18 * n, _pdf_escape(line)))
    content = "\n".join(text).encode("latin-1", "replace")
    xmp = XMP.format(title=title).encode("utf-8")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R" + (b" /Metadata 6 0 R" if pdfa else b"") + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if pdfa:
        objects.append(b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%s\nendstream"
                       % (len(xmp), xmp))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


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


def mp4(seconds=1):
    """A minimal ISO base media (MP4) container: ftyp, moov with its movie header, empty mdat.

    No video encoder is available offline, so it carries no track; it is a well-formed MP4
    that format identification recognises (fmt/199), not a playable clip.
    """
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    timescale = 1000
    mvhd = _box(b"mvhd", struct.pack(
        ">B3xIIII", 0, 0, 0, timescale, seconds * timescale)
        + struct.pack(">IH10x", 0x00010000, 0x0100)
        + struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)
        + bytes(24) + struct.pack(">I", 1))
    return ftyp + _box(b"moov", mvhd) + _box(b"mdat", b"")
