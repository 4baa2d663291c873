"""The GitHub Actions workflow parses, and its CPU and GPU jobs run the commands the README documents."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
README = (ROOT / "README.md").read_text()


def commands(job: str) -> str:
    """Every shell command of a job, joined."""
    return "\n".join(step.get("run", "") for step in WORKFLOW["jobs"][job]["steps"])


def uses(job: str, action: str) -> list[dict]:
    """The `with:` settings of each step of a job that uses an action."""
    return [step.get("with", {}) for step in WORKFLOW["jobs"][job]["steps"] if step.get("uses", "").startswith(action)]


def test_readme_names_the_commands_the_jobs_run():
    assert re.search(r"^make test\b", README, re.MULTILINE) and re.search(r"^make test-gpu\b", README, re.MULTILINE)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_cpu_job_is_what_ci_runs():
    assert "bash .ci/run" in commands("cpu")
    assert WORKFLOW["jobs"]["cpu"]["timeout-minutes"] <= 30


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
