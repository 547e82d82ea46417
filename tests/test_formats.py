"""Format identification from content (PRONOM via fido), not from the file name."""
import io
import struct
import zipfile

import pytest

from capture.ops import samples
from capture.records import files, formats


def identify(data):
    return formats.identify(io.BytesIO(data))


def zipped(*names):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


def test_pdf_a_is_told_apart_from_plain_pdf():
    pdfa, plain = identify(samples.pdf("A")), identify(samples.pdf("B", pdfa=False))
    assert (pdfa.puid, pdfa.media_type, pdfa.long_term) == ("fmt/354", "application/pdf", True)
    assert plain.puid == "fmt/18" and plain.media_type == "application/pdf" and not plain.long_term


def test_a_sample_pdf_is_the_same_bytes_whenever_it_is_made():
    # The embedded ICC profile carried the second it was made, so a retried upload of "the same"
    # sample differed from the first one whenever a second boundary fell between them.
    made = samples.pdf("A")
    signature = made.index(b"acsp")  # ICC header: the creation time is the 12 bytes before it
    assert struct.unpack(">6H", made[signature - 12:signature]) == (2026, 1, 1, 0, 0, 0)
    assert samples.pdf("A") == made


def test_jpeg_and_mp4_are_accepted_for_long_term_keeping():
    assert identify(samples.jpeg()).media_type == "image/jpeg"
    assert identify(samples.jpeg()).long_term
    video = identify(samples.mp4())
    assert video.puid == "fmt/199" and video.long_term


def test_ofd_is_recognised_by_its_package_structure():
    found = identify(zipped("OFD.xml", "Doc_0/Document.xml"))
    assert found.media_type == "application/ofd" and found.long_term


def test_unknown_content_is_kept_but_not_long_term():
    found = identify("会议记录：略".encode())
    assert found.puid == "" and not found.long_term


@pytest.mark.parametrize("content", [
    b"\x7fELF\x02\x01\x01" + bytes(120),                                        # Linux program
    b"MZ\x90\x00" + bytes(60) + b"PE\x00\x00" + bytes(200),                     # Windows .exe
    b"\xcf\xfa\xed\xfe" + bytes(100),                                           # macOS program
    b"#!/bin/sh\nrm -rf /\n",                                                  # script
])
def test_executables_are_refused_whatever_their_name(content):
    with pytest.raises(formats.FormatRefused, match="可执行程序"):
        identify(content)


@pytest.mark.parametrize("names", [
    ("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"),   # .docm
    ("[Content_Types].xml", "xl/workbook.xml", "xl/vbaProject.bin"),       # .xlsm
])
def test_macro_enabled_office_files_are_refused(names):
    with pytest.raises(formats.FormatRefused, match="宏"):
        identify(zipped(*names))


def test_signatures_load_once():
    # How long identifying takes is a figure of the upload benchmark (bench/upload.py).
    assert formats.identifier() is formats.identifier()


def test_original_names_keep_chinese_and_lose_folders_and_control_characters():
    assert files.clean_name("疫情防控通知.pdf") == "疫情防控通知.pdf"
    assert files.clean_name("C:\\Users\\张\\桌面\\会议纪要.docx") == "会议纪要.docx"
    assert files.clean_name("../../etc/passwd") == "passwd"
    assert files.clean_name("通知\x00\x1b.pdf") == "通知.pdf"
    decomposed = "e\u0301"  # é written as e + combining accent
    assert files.clean_name(decomposed + ".jpg") == "\u00e9.jpg"
    assert len(files.clean_name("长" * 400 + ".pdf")) == 255
    assert files.clean_name("长" * 400 + ".pdf").endswith(".pdf")
