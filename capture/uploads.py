"""Receiving uploads: bodies parsed in large pieces, straight into the store."""
import ctypes

from flask import Request, current_app
from werkzeug.formparser import FormDataParser, MultiPartParser


class UploadParser(FormDataParser):
    """Werkzeug's form parser reading the request body in 1 MiB pieces instead of 64 KiB.

    Fewer, larger pieces mean fewer turns of Werkzeug's parser per byte.
    """

    buffer_size = 1024 * 1024

    def _parse_multipart(self, stream, mimetype, content_length, options):
        # Werkzeug applies this limit to each piece it holds (a buffer and what is left of the
        # one before), as well as to each text field: here 2 MiB, not 500 kB.
        limit = max(self.max_form_memory_size or 0, 2 * self.buffer_size)
        parser = MultiPartParser(stream_factory=self.stream_factory, cls=self.cls,
                                 max_form_memory_size=limit, max_form_parts=self.max_form_parts,
                                 buffer_size=self.buffer_size)
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        pieces = PieceReader(stream, self.buffer_size) if hasattr(stream, "readinto") else stream
        form, files = parser.parse(pieces, boundary, content_length)
        return stream, form, files


class PieceReader:
    """A stream read into one buffer, used again for every piece Werkzeug's parser asks for.

    stream.read() would allocate a buffer, receive into it and copy it into a new bytes object
    for every piece; Werkzeug's MultipartDecoder.receive_data copies each piece into its own
    buffer anyway, so a view of a reused buffer is enough. tests/test_upload_path.py fails when a
    Werkzeug release keeps the piece instead of copying it.
    """

    def __init__(self, stream, size):
        self.stream = stream
        self.view = memoryview(bytearray(size))

    def read(self, size):
        """The next piece, at most `size` bytes: a view of the buffer, valid until the next read."""
        return self.view[:self.stream.readinto(self.view[:size]) or 0]


# What a request may send when its sender may not upload: the login form is a few hundred
# bytes, the largest form of a logged-in user (a document's remarks) a few kB. Larger bodies are
# refused with 413 from their Content-Length before a byte is read, or once that much has come
# when they are sent without one (chunked).
ANONYMOUS_BODY_BYTES = 64 * 1024
FORM_BODY_BYTES = 1024 * 1024


class CaptureRequest(Request):
    """Uploaded files are received straight into the file store's tmp folder, hashed on the way."""

    form_data_parser_class = UploadParser
    _sender_limit = None  # (sender, limit) worked out once per request and sender

    @property
    def max_content_length(self):
        """The most this request may send: the upload limit only for a sender who may upload."""
        if self._max_content_length is not None or not current_app:
            return super().max_content_length
        sender = current_app.extensions.get("body_sender")
        if sender is None:
            return current_app.config["MAX_CONTENT_LENGTH"]
        who, may_upload = sender()
        if self._sender_limit is None or self._sender_limit[0] != who:
            limit = (current_app.config["MAX_CONTENT_LENGTH"] if may_upload()
                     else FORM_BODY_BYTES if who else ANONYMOUS_BODY_BYTES)
            self._sender_limit = (who, limit)
        return self._sender_limit[1]

    @max_content_length.setter
    def max_content_length(self, value):
        self._max_content_length = value

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        store = current_app.extensions["store"]
        store.check_room(total_content_length)
        return store.incoming()


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h


def keep_freed_pieces(mmap_bytes=4 * 1024 * 1024, trim_bytes=8 * 1024 * 1024):
    """Let glibc keep freed upload pieces for the next ones; False where there is no mallopt.

    Werkzeug's parser allocates and frees several 1 MiB buffers per MiB received. By default
    glibc hands freed memory at the top of its heap back to the kernel once more than twice the
    largest such buffer is free, and takes it back as fresh zeroed pages for the next piece:
    about 200 page faults per MiB. Keeping up to 8 MiB (and serving buffers below 4 MiB from the
    heap, as glibc's own adaptive threshold would) brings that to under 20. Measured 2026-12-01
    on the upload path outside gunicorn (256 MiB, two runs each): 2.3-2.5 ms of process CPU per
    MiB against 3.3-3.6 without, together with PieceReader. The peak RSS of a worker does not
    change (+11 against +10 MiB) and it falls back afterwards.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, mmap_bytes) and mallopt(M_TRIM_THRESHOLD, trim_bytes))
