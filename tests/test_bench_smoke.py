"""The benchmarks still run: the catalogue one at a tiny size (`make bench` runs them all in full).

Only that it runs and prints its figures is checked here, never how fast anything was.
"""
from bench import catalogue


def test_catalogue_benchmark_prints_ours_the_baseline_and_the_ratio(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("BENCH_DIR", str(tmp_path))
    catalogue.run(size=40)
    out = capsys.readouterr().out
    figure = next(line for line in out.splitlines() if "catalogue .docx" in line)
    assert "ours" in figure and "baseline" in figure and "ratio" in figure
    same = next(line for line in out.splitlines() if "same rows and cells" in line)
    assert "yes" in same  # both documents hold the same table, read back with python-docx
    assert "growth" in out


def test_import_benchmark_prints_ours_the_bare_insert_and_the_lock_held(capsys, tmp_path, monkeypatch):
    from bench import imports
    monkeypatch.setenv("BENCH_DIR", str(tmp_path))
    imports.run(size=40)
    out = capsys.readouterr().out
    figure = next(line for line in out.splitlines() if "vs bare insert_many" in line)
    assert "ours" in figure and "baseline" in figure and "ratio" in figure
    assert "longest write transaction" in out and "growth" in out


def test_a_bench_dir_that_does_not_exist_yet_is_made(capsys, tmp_path, monkeypatch):
    folder = tmp_path / "not" / "made" / "yet"
    monkeypatch.setenv("BENCH_DIR", str(folder))
    catalogue.run(size=10)
    assert "catalogue .docx" in capsys.readouterr().out
    assert folder.is_dir()


def test_upload_benchmark_prints_ours_against_a_durable_hashed_write(capsys, tmp_path, monkeypatch):
    from bench import upload
    monkeypatch.setenv("BENCH_DIR", str(tmp_path))
    upload.run(size_mib=8)  # the full size is sent twice: the second is registered anyway
    out = capsys.readouterr().out
    figure = next(line for line in out.splitlines() if "vs durable hashed write" in line)
    assert "ours" in figure and "baseline" in figure and "ratio" in figure and "≥ 0.7" in figure
    assert "SHA-256 alone" in out and "cp + sync" in out and "server RSS growth" in out


def test_verify_benchmark_prints_ours_against_the_floor_and_the_library_of_congress(capsys, tmp_path, monkeypatch):
    from bench import verify
    monkeypatch.setenv("BENCH_DIR", str(tmp_path))
    verify.run(quick=True)
    out = capsys.readouterr().out
    figure = next(line for line in out.splitlines() if "SM3 floor" in line)
    assert "ours" in figure and "baseline" in figure and "ratio" in figure and "≤ 1.3" in figure
    assert "CPU seconds" in out and "idle floor" in out
    assert "LoC bagit validate(processes=2)" in out and "verify peak RSS" in out
    assert "the package is valid" in out and "yes" in out
