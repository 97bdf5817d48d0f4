"""Saves into hostile conditions: a full disk (a 64 KB tmpfs of our own, else a write patched to
fail with ENOSPC), a folder made read-only mid-run (simulated: root ignores mode bits). In every
case the previous file is intact, no temporary file is left and the error names the user's path.
The process killed mid-save is tests/engine/test_checkpoint.py's killed-saves test."""

import errno
import os
import subprocess

import numpy as np
import pytest

from nnviz.engine.checkpoint import load_model, save_model
from nnviz.engine.network import MLP
from nnviz.files import atomic
from nnviz.files.atomic import OutputError


def net(value: float) -> MLP:
    m = MLP.from_architecture({"sizes": [784, 64, 10], "activations": ["relu"]})
    m.theta[:] = value
    return m


@pytest.fixture
def full_disk(tmp_path, monkeypatch):
    """A folder on a 64 KB tmpfs (as root), else one whose writes fail past 64 KB."""
    folder = tmp_path / "small"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
                             capture_output=True).returncode == 0
    if not mounted:
        real_fdopen, budget = os.fdopen, [64 << 10]

        def fdopen(fd, *a, **k):
            stream = real_fdopen(fd, *a, **k)
            write = stream.write

            def limited(data):
                budget[0] -= len(data)
                if budget[0] < 0:
                    raise OSError(errno.ENOSPC, "No space left on device")
                return write(data)
            stream.write = limited
            return stream
        monkeypatch.setattr(atomic.os, "fdopen", fdopen)
    yield folder
    if mounted:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_keeps_the_previous_model_and_says_so(full_disk):
    target = full_disk / "m.npz"
    save_model(target, MLP.from_architecture({"sizes": [4, 3, 2], "activations": ["relu"]}))
    before = target.read_bytes()
    for value in (1.0, 2.0):  # 200 KB each: never fits
        with pytest.raises(OutputError) as info:
            save_model(target, net(value))
        assert str(info.value) == (f"{target}: the disk is full (no space left on the device); "
                                   "free some space or choose another folder")
        assert target.read_bytes() == before and os.listdir(full_disk) == ["m.npz"]
    assert load_model(target).net.sizes == (4, 3, 2)


@pytest.mark.parametrize("step", ["create", "replace"])
def test_a_folder_made_read_only_mid_run_keeps_the_previous_model(tmp_path, monkeypatch, step):
    target = tmp_path / "m.npz"
    save_model(target, net(1.0))
    denied = OSError(errno.EACCES, "Permission denied")
    if step == "create":
        real_open = os.open
        monkeypatch.setattr(atomic.os, "open", lambda p, *a, **k: (_ for _ in ()).throw(denied)
                            if str(p).endswith(atomic.TEMP_SUFFIX) else real_open(p, *a, **k))
    else:
        monkeypatch.setattr(atomic.os, "replace", lambda *a: (_ for _ in ()).throw(denied))
    with pytest.raises(OutputError) as info:
        save_model(target, net(2.0))
    assert str(info.value) == (f"{target}: no permission to write in {tmp_path}; "
                               "choose another path")
    assert np.all(load_model(target).net.theta == 1.0) and os.listdir(tmp_path) == ["m.npz"]
