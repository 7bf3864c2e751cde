"""The installed package is ``policytag``: from a wheel and from the checkout, beside a user's ``pipeline.py``."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

SOURCE = ROOT / "pipeline"
EXAMPLE = ROOT / "examples" / "report.txt"
# A user's own module called pipeline: it must never be what policytag runs or imports.
USER_PIPELINE = "raise SystemExit('the user pipeline.py was imported')\n"


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_no_module_shadows_the_standard_library() -> None:
    names = {p.stem for p in SOURCE.rglob("*.py")} | {p.name for p in SOURCE.iterdir() if p.is_dir()}
    assert not names & set(sys.stdlib_module_names)


def test_checkout_install_imports_as_policytag_beside_a_user_pipeline(tmp_path: Path) -> None:
    (tmp_path / "pipeline.py").write_text(USER_PIPELINE, encoding="utf-8")
    code = ("import policytag, json; print(json.dumps([policytag.__file__, "
            "policytag.load().tag_text('常委会开展专题询问。')[0]['labels']], ensure_ascii=False))")
    result = _run(["-c", code], tmp_path)
    assert result.returncode == 0, result.stderr
    assert '"监督"' in result.stdout
    result = _run(["-m", "policytag", "tag", str(EXAMPLE), "-o", str(tmp_path / "o.jsonl")], tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "o.jsonl").stat().st_size > 0


def test_running_inside_the_source_folder_does_not_break_the_standard_library() -> None:
    # With pipeline/ as the working folder its modules come first on sys.path.
    result = _run(["-c", "import docx, tokenize, json; print('ok')"], SOURCE)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        pytest.skip(f"could not build a wheel here (pip wheel: {result.stderr.strip()[-300:]})")
    return next(out.glob("policytag-*.whl"))


@pytest.mark.slow
def test_wheel_installs_policytag_with_its_data_and_no_pipeline(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"policytag"}
    for shipped in ("policytag/_data/models/default/weights.npz", "policytag/_data/models/default/model.json",
                    "policytag/_data/lexicons/policy_terms.yaml", "policytag/_data/configs/default.toml",
                    "policytag/templates/report.html", "policytag/data/regions.csv", "policytag/data/opencc_t2s.json",
                    "policytag/tokenizer.py"):
        assert shipped in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "policytag = policytag.cli:main" in text and "policytag.spacy_components:make_policy_terms" in text
    assert "pipeline" not in text


@pytest.mark.slow
def test_wheel_runs_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    work = tmp_path / "work"
    work.mkdir()
    (work / "pipeline.py").write_text(USER_PIPELINE, encoding="utf-8")
    (work / "r.txt").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(site)}
    code = ("import policytag, json; t = policytag.load(); "
            "print(json.dumps([policytag.__file__, str(t.config['classify']['model'])], ensure_ascii=False))")
    result = _run(["-c", code], work, env)
    assert result.returncode == 0, result.stderr
    assert str(site) in result.stdout  # the wheel's copy, not the checkout's
    result = _run(["-m", "policytag", "tag", "r.txt", "-o", "o.jsonl"], work, env)
    assert result.returncode == 0, result.stderr
    assert (work / "o.jsonl").read_text(encoding="utf-8").count("\n") > 5
