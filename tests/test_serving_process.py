"""A quiet factory: building an app leaves the process alone (the CLI, the worker, the scheduler
and tests build apps too); the server's hooks (capture.serving.prepare) tune a serving process,
and the tuning is in effect there. Each runs in its own process: freezing is for good."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Reports what building (and, when asked, preparing) an app did to the process: objects frozen
# out of the collector, mallopt calls, a temporary file left by a dead upload, the WSGI callable.
# Then, with the tuning in effect, whether glibc serves a 1 MiB piece from its heap (not a fresh
# mmap) and keeps that heap after the piece is freed: what keeps an upload's pieces warm.
SCRIPT = """
import ctypes, gc, json, sys
from pathlib import Path
from flask import Flask


class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                               "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MallInfo2
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
calls, real = [], ctypes.CDLL


class Recording:
    def __init__(self, *args, **kwargs):
        self.lib = real(*args, **kwargs)

    def __getattr__(self, name):
        found = getattr(self.lib, name)
        if name != "mallopt":
            return found
        return lambda *args: calls.append(list(args)) or found(*args)


ctypes.CDLL = Recording
data = Path(sys.argv[1])
(data / "store" / "tmp").mkdir(parents=True)
(data / "store" / "tmp" / "upload-dead").write_bytes(b"half")
from capture import create_app
app = create_app({"DATA_DIR": str(data), "SECRET_KEY": "s"})
if sys.argv[2] == "serve":
    from capture import serving
    serving.prepare(app)
before = libc.mallinfo2()
pieces = [libc.malloc(1 << 20) for _ in range(3)]
taken = libc.mallinfo2()
for piece in pieces:
    libc.free(piece)
freed = libc.mallinfo2()
print(json.dumps({"frozen": gc.get_freeze_count() > 0, "mallopt": calls,
                  "leftover": (data / "store" / "tmp" / "upload-dead").exists(),
                  "wsgi_wrapped": getattr(app.wsgi_app, "__func__", None) is not Flask.wsgi_app,
                  "pieces_mmapped": taken.hblks - before.hblks, "heap_kept": freed.arena >= taken.arena}))
"""


def _process(tmp_path, mode):
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / mode), mode], cwd=ROOT,
                            capture_output=True, text=True, env={"PATH": "/usr/bin:/bin",
                                                                 "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_building_an_app_leaves_the_process_as_it_was(tmp_path):
    built = _process(tmp_path, "build")
    assert built["frozen"] is False and built["mallopt"] == []
    assert built["leftover"] is True and built["wsgi_wrapped"] is False
    assert built["pieces_mmapped"] == 3  # glibc's own choice for 1 MiB, untouched


def test_a_served_process_keeps_freed_upload_pieces_and_leaves_its_code_out_of_collection(tmp_path):
    """The mechanism behind the upload benchmark's page-fault figure (bench/upload.py)."""
    served = _process(tmp_path, "serve")
    # Bodies are read by the server itself (one request, one answer), so nothing wraps the app.
    assert served["frozen"] is True and served["leftover"] is False and not served["wsgi_wrapped"]
    assert served["mallopt"] == [[-3, 4 * 1024 * 1024], [-1, 8 * 1024 * 1024]]
    assert served["pieces_mmapped"] == 0 and served["heap_kept"] is True
