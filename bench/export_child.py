"""One export in a process of its own: python -m bench.export_child BODY_CODE OUT_DIR.

Prints {"seconds": …, "peak_rss_mib": …, "cpu_seconds": …} as JSON: the time from claiming the
export to the finished package (check, files, catalogue, forms, register), the process's peak
memory, and the CPU time of all its threads over the same span.
"""
import json
import sys
import time

from capture import create_app
from capture.db import db
from capture.models import Body, Transfer
from capture.transfer import packaging


def peak_rss_kib():
    """This process's peak resident memory (VmHWM; ru_maxrss would include the parent's, from
    before exec)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


def main(code, out_dir):
    """Export the body with this code to out_dir as a folder package; print the figures."""
    app = create_app()
    with app.app_context(), db.connection_context():
        body = Body.get(Body.code == code)
        # Every run is the body's first, full export (a second would be a supplementary one).
        Transfer.delete().where(Transfer.body == body).execute()
        start, cpu_start = time.perf_counter(), time.process_time()
        transfer = packaging.claim(body, None, "bench")
        packaging.export(transfer, app.extensions["store"], out_dir, zip_package=False)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    peak = peak_rss_kib() / 1024
    print(json.dumps({"seconds": seconds, "peak_rss_mib": peak, "cpu_seconds": cpu}))


if __name__ == "__main__":
    main(*sys.argv[1:])
