"""The GitHub Actions workflow parses, and its CPU and GPU jobs run the commands the README documents."""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
README = (ROOT / "README.md").read_text()
CI_RUN = (ROOT / ".ci" / "run").read_text()
MAKEFILE = (ROOT / "Makefile").read_text()


def commands(job: str) -> str:
    """Every shell command of a job, joined."""
    return "\n".join(step.get("run", "") for step in WORKFLOW["jobs"][job]["steps"])


def uses(job: str, action: str) -> list[dict]:
    """The `with:` settings of each step of a job that uses an action."""
    return [step.get("with", {}) for step in WORKFLOW["jobs"][job]["steps"] if step.get("uses", "").startswith(action)]


def test_readme_names_the_commands_the_jobs_run():
    assert re.search(r"^make test\b", README, re.MULTILINE) and re.search(r"^make test-gpu\b", README, re.MULTILINE)
    assert re.search(r"^make test$", CI_RUN, re.MULTILINE), ".ci/run must run the README's test command"


def test_cpu_job_is_what_ci_runs():
    assert "bash .ci/run" in commands("cpu")
    assert WORKFLOW["jobs"]["cpu"]["timeout-minutes"] <= 30


def test_ci_builds_the_book_and_keeps_it():
    """`.ci/run` builds the book site before the tests, and the CPU job keeps it as an artefact."""
    assert CI_RUN.index("\nmake book") < CI_RUN.index("\nmake test")
    assert any(settings.get("path") == "build/book/" for settings in uses("cpu", "actions/upload-artifact"))
    pages = WORKFLOW["jobs"]["pages"]
    assert pages["needs"] == "cpu" and "refs/heads/main" in pages["if"]
    assert uses("pages", "actions/download-artifact")[0]["name"] == "book" and uses("pages", "actions/deploy-pages")


def test_gpu_job_runs_make_test_gpu_on_a_self_hosted_cuda_runner():
    job = WORKFLOW["jobs"]["gpu"]
    assert {"self-hosted", "gpu"} <= set(job["runs-on"])
    assert 0 < job["timeout-minutes"] <= 90
    assert re.search(r"^make test-gpu\b", commands("gpu"), re.MULTILINE)
    assert "pull_request.head.repo.full_name == github.repository" in job["if"], "fork PRs must not reach the runner"


def test_both_jobs_cache_the_model_and_the_gpu_job_keeps_its_artefacts():
    for job in ("cpu", "gpu"):
        assert any(settings.get("path") == "data/models" for settings in uses(job, "actions/cache")), job
    kept = " ".join(settings["path"] for settings in uses("gpu", "actions/upload-artifact"))
    assert "build/test-gpu.xml" in kept and "build/executed-gpu" in kept
    assert "--junitxml=build/test-gpu.xml" in (ROOT / "Makefile").read_text()
    assert "--allow-errors --into build/executed-gpu" in commands("gpu")


def covers(patterns: list[str], path: str) -> bool:
    """Whether one of the glob patterns (as hashFiles and cache-dependency-path read them) matches the path."""
    return any(fnmatch.fnmatch(path, pattern.strip()) for pattern in patterns if pattern.strip())


def test_the_model_cache_key_covers_what_changes_the_prepared_model():
    """helpers/models.py (the wheel, its hashes, the conversion) and constraints.txt (transformers, gguf)."""
    for job in ("cpu", "gpu"):
        [settings] = [settings for settings in uses(job, "actions/cache") if settings.get("path") == "data/models"]
        hashed = re.findall(r"hashFiles\(([^)]*)\)", settings["key"])
        patterns = [pattern.strip(" '\"") for arguments in hashed for pattern in arguments.split(",")]
        for path in ("helpers/models.py", "constraints.txt"):
            assert (ROOT / path).exists() and covers(patterns, path), (job, path, settings["key"])


def test_cpu_job_keeps_compiled_kernels_only_for_a_cpu_with_the_same_flags():
    """Inductor's kernels use the compiling CPU's instructions: loaded on another CPU they could stop the run (SIGILL)."""
    [settings] = [settings for settings in uses("cpu", "actions/cache") if "torchinductor" in settings.get("path", "")]
    [step] = [step for step in WORKFLOW["jobs"]["cpu"]["steps"] if step.get("id") == "cpu"]
    assert "/proc/cpuinfo" in step["run"] and "steps.cpu.outputs.flags" in settings["key"]
    assert "restore-keys" not in settings  # no fallback to another CPU's kernels
    [run] = [step for step in WORKFLOW["jobs"]["cpu"]["steps"] if step.get("run") == "bash .ci/run"]
    assert run["env"]["TORCHINDUCTOR_CACHE_DIR"] == settings["path"]


def test_cpu_job_caches_pip_under_the_requirements_and_the_constraints():
    [settings] = uses("cpu", "actions/setup-python")
    assert settings.get("cache") == "pip"
    patterns = str(settings.get("cache-dependency-path", "")).splitlines()
    for path in ("requirements.txt", "requirements-dev.txt", "constraints.txt"):
        assert (ROOT / path).exists() and covers(patterns, path), (path, patterns)


def test_cpu_job_installs_the_makefiles_torch_as_the_cpu_wheel(tmp_path):
    torch = WORKFLOW["jobs"]["cpu"]["env"]["TORCH"]  # job-wide: the lint step's set-up uses it too
    assert "--index-url https://download.pytorch.org/whl/cpu" in torch
    default = re.search(r"^TORCH \?= (\S+)$", MAKEFILE, re.MULTILINE).group(1)
    assert torch.split()[0] == default, "the CPU job's torch release is the Makefile's"
    assert "TORCH" not in re.sub(r"^#.*$", "", CI_RUN, flags=re.MULTILINE), ".ci/run passes the job's TORCH on"
    planned = subprocess.run(["make", "-n", "setup", f"VENV={tmp_path / 'venv'}"], cwd=ROOT, capture_output=True,
                             text=True, env=os.environ | {"TORCH": torch}, check=True).stdout
    assert f"pip install -q --no-compile {torch}" in planned, "make setup installs torch with the TORCH it is given"


def test_cpu_job_lints_with_make_lint():
    [step] = [step for step in WORKFLOW["jobs"]["cpu"]["steps"] if re.search(r"^make lint$", step.get("run", ""), re.M)]
    assert "cancelled()" in step.get("if", ""), "lint reports even when a test failed"
    assert re.search(r"^lint:.*\n\t\$\(PY\) -m ruff check \.$", MAKEFILE, re.MULTILINE)
    assert re.search(r"^ruff==\S+", (ROOT / "requirements-dev.txt").read_text(), re.MULTILINE)


def test_make_browser_needs_no_root_when_the_browser_is_there(tmp_path):
    """.ci/run's `make browser` only looks when chromium and chromedriver exist: no apt-get, no sudo."""
    assert re.search(r"^make browser\b", CI_RUN, re.MULTILINE) and not re.search(r"\b(sudo|apt-get)\b", CI_RUN)
    tools = tmp_path / "bin"
    tools.mkdir()
    for name in ("chromium", "chromedriver", "apt-get", "sudo"):  # apt-get and sudo leave a trace when called
        (tools / name).write_text(f"#!/bin/sh\ntouch {tmp_path / name}.called\n")
        (tools / name).chmod(0o755)
    result = subprocess.run(["make", "--no-print-directory", "browser"], cwd=ROOT, capture_output=True, text=True,
                            env=os.environ | {"PATH": f"{tools}:{os.environ['PATH']}",
                                              "WORKBOOK_CHROMIUM": str(tools / "chromium"),
                                              "WORKBOOK_CHROMEDRIVER": str(tools / "chromedriver")})
    assert result.returncode == 0, result.stderr
    assert not list(tmp_path.glob("*.called")), "make browser ran a command although the browser is there"


def test_a_job_runs_every_lesson_in_16_bits_on_a_cpu_with_the_gpu_s_comparisons():
    """The GPU mode's 16-bit branches run before a GPU is lent: make test-16bit, bfloat16 and nbval-lax as on a GPU."""
    assert re.search(r"^make test-16bit\b", commands("cpu-16bit"), re.MULTILINE)
    assert "self-hosted" not in WORKFLOW["jobs"]["cpu-16bit"]["runs-on"]
    recipe = MAKEFILE.split("\ntest-16bit:", 1)[1].split("\n\n", 1)[0]
    assert "WORKBOOK_DTYPE=bfloat16" in recipe and "--nbval-lax" in recipe and "notebooks/*.ipynb notebooks/solutions" in recipe
    gpu = MAKEFILE.split("\ntest-gpu:", 1)[1].split("\n\n", 1)[0]
    assert "--nbval-lax" in gpu
