"""Atomic writes and the sweeping of temporary files that killed writers left behind."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from nnviz.files.atomic import STALE_AFTER_S, TEMP_SUFFIX, atomic_write, is_temp_file, sweep_stale


@pytest.fixture(scope="module")
def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def temp(folder, target: str, pid: int, age_s: float = 0.0, tag: str = "k3j_x9z2"):
    path = folder / f".{target}.{pid}.{tag}{TEMP_SUFFIX}"
    path.write_bytes(b"half a file")
    if age_s:
        then = time.time() - age_s
        os.utime(path, (then, then))
    return path


def test_sweep_removes_temps_of_dead_writers_and_stale_ones_only(tmp_path, dead_pid):
    dead = temp(tmp_path, "my.model.v2.npz", dead_pid)  # dots in the name parse too
    live = temp(tmp_path, "m.npz", os.getpid())  # a save in progress: kept
    old = temp(tmp_path, "m.npz", os.getpid(), STALE_AFTER_S + 60, "o1d")  # no save takes that
    young_parent = temp(tmp_path, "p.npz", os.getppid(), age_s=60)  # another live process
    users = [tmp_path / name for name in ("m.npz", "notes.nnviz-tmp", ".m.npz.123.tmp",
                                          ".m.npz.abc.k3j.nnviz-tmp", "m.npz.1.x.nnviz-tmp")]
    for path in users:
        path.write_text("the user's")
    assert sorted(sweep_stale(tmp_path)) == sorted([dead, old])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in [live, young_parent, *users])


def test_the_naming_is_recognised_and_nothing_else():
    assert is_temp_file(f".m.npz.12.a_b9{TEMP_SUFFIX}")
    assert is_temp_file(f".my model (2).npz.7.zz{TEMP_SUFFIX}")
    for name in ("m.npz", f"m.npz.12.ab{TEMP_SUFFIX}", f".m.npz.x.ab{TEMP_SUFFIX}",
                 f".m.npz.12{TEMP_SUFFIX}", ".m.npz.12.ab.tmp", f".12.ab{TEMP_SUFFIX}"):
        assert not is_temp_file(name), name


def test_a_missing_folder_sweeps_nothing(tmp_path):
    assert sweep_stale(tmp_path / "nope") == []


def test_atomic_write_replaces_and_leaves_nothing_beside(tmp_path, dead_pid):
    target = tmp_path / "h.json"
    target.write_text("old")
    stale = temp(tmp_path, "h.json", dead_pid)
    with atomic_write(target, "w") as stream:
        assert stream.name != str(target)
        stream.write("new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert not stale.exists()  # swept by the write beside it
    assert [p.name for p in tmp_path.iterdir()] == ["h.json"]


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failed_write_keeps_the_old_file_and_deletes_its_temp(tmp_path, error):
    target = tmp_path / "m.bin"
    target.write_bytes(b"old")
    with pytest.raises(type(error)):
        with atomic_write(target) as stream:
            stream.write(b"half")
            raise error
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["m.bin"]


def test_the_folder_is_created(tmp_path):
    with atomic_write(tmp_path / "a" / "b" / "c.bin") as stream:
        stream.write(b"x")
    assert (tmp_path / "a" / "b" / "c.bin").read_bytes() == b"x"
