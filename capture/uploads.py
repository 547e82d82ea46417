"""Receiving uploads: multipart bodies are parsed in large pieces, straight into the file store."""
from flask import Request, current_app
from werkzeug.formparser import FormDataParser, MultiPartParser


class UploadParser(FormDataParser):
    """Werkzeug's form parser reading the request body in 256 KiB pieces instead of 64 KiB.

    gunicorn receives up to 1 MiB per recv() and hands out each smaller read by copying what is
    left of its buffer, so small reads copy every byte of an upload many times over. (Werkzeug
    refuses a single piece larger than max_form_memory_size, 500 kB by default.)
    """

    buffer_size = 256 * 1024

    def _parse_multipart(self, stream, mimetype, content_length, options):
        parser = MultiPartParser(stream_factory=self.stream_factory, cls=self.cls,
                                 max_form_memory_size=self.max_form_memory_size,
                                 max_form_parts=self.max_form_parts, buffer_size=self.buffer_size)
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files


class CaptureRequest(Request):
    """Uploaded files are received straight into the file store's tmp folder, hashed on the way."""

    form_data_parser_class = UploadParser

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        store = current_app.extensions["store"]
        store.check_room(total_content_length)
        return store.incoming()
