"""`capture export` killed at random points, then retried: one valid package, nothing half-built."""
import itertools
import os
import random
import signal
import subprocess
import time

import pytest

from exporters.bag import PARTIAL

from harness import PYTHON, ROOT, print_figures, scale, sites  # noqa: F401 (fixture)

pytestmark = pytest.mark.reliability

MIB = 1024 * 1024


def _exportable(site, rng):
    """A dissolved flood task force whose check passes, with 24 MiB of files to copy."""
    from capture import schema

    from transfer_support import flood_body, register
    with site.context() as app:
        schema.migrate()
        body, secretary, _docs = flood_body(app)
        for n in range(12):
            register(app.extensions["store"], body, secretary, f"汛情监测原始数据 {n + 1}",
                     data=rng.randbytes(2 * MIB), name=f"监测数据-{n + 1}.tif", category="XQ")


class Export:
    """One run of `capture export FXQX` in its own process group."""

    numbers = itertools.count(1)

    def __init__(self, site, out, zip_package):
        args = ["export", "FXQX", "-o", str(out), "--operator", "测试员"] + (["--zip"] if zip_package else [])
        self.log_path = site.root / f"export-{next(self.numbers)}.log"
        self.log = open(self.log_path, "wb")
        self.started = time.monotonic()
        self.process = subprocess.Popen([PYTHON, "-m", "capture", *args], env=site.env(),
                                        cwd=ROOT, stdout=self.log, stderr=self.log,
                                        start_new_session=True)

    def kill(self):
        """SIGKILL the export; True if it was still running."""
        running = self.process.poll() is None
        if running:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.log.close()
        return running

    def kill_after(self, seconds):
        try:
            self.process.wait(seconds)
        except subprocess.TimeoutExpired:
            pass
        return self.kill()

    def building(self, out):
        """True once this run has begun its hidden partial package."""
        mark = f"{PARTIAL}{self.process.pid}-"
        return out.exists() and any(mark in p.name for p in out.iterdir())

    def wait_for(self, condition):
        """Poll until `condition()` holds or the run ends; seconds since the start."""
        while self.process.poll() is None and not condition():
            time.sleep(0.001)
        return time.monotonic() - self.started

    def kill_when_placed(self, out):
        """Kill the moment a package is in place, before the export could record it; return
        when building began (seconds after the start), how long it took, and whether killed."""
        building = self.wait_for(lambda: self.building(out))
        before = visible(out)  # an earlier run's unrecorded package is gone by now
        placed = self.wait_for(lambda: visible(out) != before)
        return building, placed - building, self.kill()

    def kill_while_building(self, out, seconds):
        """Kill `seconds` after this run began building its package."""
        self.wait_for(lambda: self.building(out))
        return self.kill_after(seconds)

    def finish(self):
        returncode = self.process.wait(600)
        self.log.close()
        return returncode


def visible(out):
    """What a person looking at the folder sees (partial builds are hidden dot-folders)."""
    return sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) if out.exists() else []


@pytest.mark.parametrize("zip_package", [True, False], ids=["zip", "folder"])
def test_killed_exports_retried_leave_exactly_one_valid_package(sites, tmp_path, capsys, zip_package):
    from capture import audit
    from capture.models import Transfer
    size = scale()
    seed = random.randrange(10**6)
    rng = random.Random(seed)
    site = sites()
    _exportable(site, rng)
    out = tmp_path / "packages"
    started = time.monotonic()
    # First, twice, a kill right after the package is renamed into place: the narrowest window,
    # found by watching the folder. The quicker of the two tells how long building takes.
    kills, timings = 0, []
    for _ in range(2):
        *timing, killed = Export(site, out, zip_package).kill_when_placed(out)
        timings.append(timing)
        kills += killed
    building_from, build = map(min, zip(*timings))
    moments, last = [], None
    for _ in range(size.export_kills - 2):
        # One in four while starting and checking (well before building began in the timed
        # runs); the rest while copying and zipping.
        last = Export(site, out, zip_package)
        if rng.random() < 0.25:
            moment = rng.uniform(0.3, 0.9) * building_from
            moments.append(f"{moment:.2f} from the start")
            stopped = last.kill_after(moment)
        else:
            moment = rng.uniform(0, 0.9) * build
            moments.append(f"{moment:.2f} into building")
            stopped = last.kill_while_building(out, moment)
        if not stopped:
            moments[-1] += " (finished first)"
            break
        kills += 1
    else:
        last = Export(site, out, zip_package)
        last.finish()
    said = last.log_path.read_text(errors="replace")
    # A kill can land after the export recorded its package; the retry then says so.
    assert last.process.returncode == 0 or "移交包已导出" in said, said[-3000:]

    names = visible(out)
    with site.context():
        exported = list(Transfer.select().where(Transfer.status == "exported"))
        chain = audit.verify_database()
    package = out / next((n for n in names if not n.endswith("-register.docx")), "none")
    check = site.cli("verify", str(package), "--digest", exported[0].package_sha256 if exported else "",
                     check=False)
    hidden = sorted(p.name for p in out.iterdir() if p.name.startswith("."))
    print_figures(capsys, site, f"crash during export ({'zip' if zip_package else 'folder'})", {
        "seed": seed,
        "kills survived": f"{kills} of {size.export_kills}",
        "building the package took": f"{build:.2f} s",
        "first two kills": "the moment the package was placed",
        "other kills (s)": ", ".join(moments) or "—",
        "run time": f"{time.monotonic() - started:.1f} s",
        "packages in the folder": len([n for n in names if not n.endswith("-register.docx")]),
        "partial builds left": len(hidden),
        "verify": "VALID" if check.returncode == 0 else "INVALID",
    })
    assert kills >= 2, "the export finished before its package could be caught in place"
    assert names == sorted([package.name, package.name.removesuffix(".zip") + "-register.docx"]), names
    assert len(exported) == 1 and exported[0].package_path == str(package)
    assert check.returncode == 0, check.stdout + check.stderr
    assert not hidden, hidden
    assert chain[1] is None
