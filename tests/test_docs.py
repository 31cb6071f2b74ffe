"""What the README and the other documents claim is checked here against the files and commands.

- the cycling snippet is the ``operation`` section of ``configs/cycling_rough.yaml``;
- the error messages shown are what ``lidendrite run`` prints;
- ``make bench`` runs what ``benchmarks/README.md`` says it runs;
- the demo's run time is quoted alike in the README and in ``configs/demo.yaml``;
- LICENSE and CITATION.cff exist and agree with ``pyproject.toml``;
- ``examples/api_tour.py --quick`` runs (the Python API section points to it).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lidendrite.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def fenced(text: str, lang: str) -> list[str]:
    """Contents of the fenced blocks of a language (``""``: blocks without one)."""
    blocks, current, open_lang = [], [], None
    for line in text.splitlines():
        if line.startswith("```"):
            if open_lang is None:
                open_lang, current = line[3:].strip(), []
            else:
                if open_lang == lang:
                    blocks.append("\n".join(current) + "\n")
                open_lang = None
        elif open_lang is not None:
            current.append(line)
    return blocks


def test_cycling_snippet_is_the_config_file():
    (snippet,) = [b for b in fenced(README, "yaml") if "protocol:" in b and "repeat:" in b]
    shown = yaml.safe_load(snippet)
    config = yaml.safe_load((ROOT / "configs" / "cycling_rough.yaml").read_text())
    assert shown == {"operation": config["operation"]}


def test_error_messages_are_what_run_prints(tmp_path, capsys, comm):
    if comm.size > 1:
        pytest.skip("serial")
    (block,) = [b for b in fenced(README, "") if b.startswith("$ lidendrite run x.yaml")]
    lines = block.strip().splitlines()
    (tmp_path / "x.yaml").write_text((ROOT / "configs" / "demo.yaml").read_text())
    os.chdir(tmp_path)
    for command, expected in zip(lines[::2], lines[1::2], strict=True):
        argv = command.removeprefix("$ lidendrite ").split()
        assert main(argv) == 2
        assert capsys.readouterr().err.strip() == expected


def test_make_bench_matches_benchmarks_readme():
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^bench: install\n((?:\t.*\n)+)", makefile, re.M).group(1)
    scripts = re.findall(r"benchmarks/(\w+\.py)", recipe)
    bench_readme = (ROOT / "benchmarks" / "README.md").read_text()
    line = re.search(r"^make bench\s+#(.*)$", bench_readme, re.M).group(1)
    assert re.findall(r"benchmarks/(\w+\.py)", line) == scripts


def test_demo_run_time_quoted_alike():
    demo = (ROOT / "configs" / "demo.yaml").read_text()
    quoted = re.search(r"about (\d+) s on one", demo).group(1)
    assert f"({quoted} s of computing" in README
    assert re.search(rf"\| {quoted} s / \d+ s \|", README), "performance table"


def test_licence_and_citation():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'license = "MIT"' in pyproject
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    version = re.search(r'^version = "(.+)"', pyproject, re.M).group(1)
    assert cff["version"] == version and cff["license"] == "MIT"
    assert "## How to cite" in README


@pytest.mark.serial
def test_api_tour_runs(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env = {k: v for k, v in env.items() if not k.startswith(("PMI_", "PMIX_", "HYDRA_", "OMPI_"))}
    res = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "api_tour.py"), "--quick", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "protrusion at the end" in res.stdout
    assert (tmp_path / "flux.pdf").read_bytes()[:5] == b"%PDF-"
    assert (tmp_path / "sweep.png").is_file()
