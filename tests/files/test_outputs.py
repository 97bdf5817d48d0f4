"""What nnviz writes over, and what it never replaces: devices, FIFOs, symlinks, folders, modes;
output paths checked before any work is done for them."""

from __future__ import annotations

import os
import stat
import threading
import time

import pytest

from nnviz.files.atomic import TEMP_SUFFIX, OutputError, atomic_write, sweep_stale
from nnviz.files.outputs import check_output_path


@pytest.fixture
def null_device(tmp_path):
    """A character device of our own with /dev/null's numbers (1, 3), in the test's folder."""
    path = tmp_path / "null"
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, AttributeError, OSError) as exc:
        pytest.skip(f"cannot make a device node here ({exc})")
    return path


@pytest.fixture
def fifo(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def test_a_device_is_written_into_never_replaced(null_device):
    with atomic_write(null_device) as stream:
        stream.write(b"x" * 100_000)
    st = os.stat(null_device)
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)  # still the device
    assert sorted(os.listdir(null_device.parent)) == ["null"]  # and no temporary file beside
    assert check_output_path(null_device, "--save").stream


def test_a_fifo_is_written_into_and_its_reader_gets_the_bytes(fifo):
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    with atomic_write(fifo, "w") as stream:  # waits for the reader, as the shell's > does
        stream.write("[1, 2]")
    reader.join(10)
    assert got == [b"[1, 2]"] and stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert os.listdir(fifo.parent) == ["pipe"]


def test_a_fifo_nothing_reads_is_an_error_at_once_when_waiting_is_not_wanted(fifo):
    with pytest.raises(OutputError, match=r"pipe: nothing reads this FIFO; start its reader"):
        with atomic_write(fifo, wait=False) as stream:
            stream.write(b"x")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_symlink_keeps_its_link_and_the_file_it_points_to_is_replaced(tmp_path):
    real = tmp_path / "models" / "m.npz"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "latest.npz"
    link.symlink_to(real)
    with atomic_write(link) as stream:
        stream.write(b"new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == b"new"
    assert sorted(os.listdir(real.parent)) == ["m.npz"]  # the temporary file was beside it
    assert check_output_path(link).kind == "file"


def test_a_dangling_symlink_creates_the_file_it_names(tmp_path):
    link = tmp_path / "m.npz"
    link.symlink_to(tmp_path / "real.npz")
    with atomic_write(link) as stream:
        stream.write(b"x")
    assert link.is_symlink() and (tmp_path / "real.npz").read_bytes() == b"x"


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_new_files_get_0666_less_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        with atomic_write(tmp_path / "m.npz") as stream:
            stream.write(b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "m.npz").st_mode) == mode  # mkstemp gave 0600


def test_a_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "m.npz"
    target.write_bytes(b"old")
    os.chmod(target, 0o644)
    old = os.umask(0o077)
    try:
        with atomic_write(target) as stream:
            stream.write(b"new")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o644 and target.read_bytes() == b"new"


def test_a_folder_is_never_renamed_over(tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    (target / "inside").write_text("the user's")
    with pytest.raises(OutputError, match=r".*/target: that is a folder; give a file name"):
        with atomic_write(target) as stream:
            stream.write(b"x")
    with pytest.raises(OutputError, match=r"--save .*/target: that is a folder"):
        check_output_path(target, "--save")
    assert (target / "inside").read_text() == "the user's"
    assert sorted(os.listdir(tmp_path)) == ["target"]


def test_a_socket_is_refused(tmp_path):
    import socket
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        with pytest.raises(OutputError, match=r"/s: that is a socket, which nnviz does not"):
            check_output_path(path)
        with pytest.raises(OutputError, match="socket"):
            with atomic_write(path) as stream:
                stream.write(b"x")
        assert stat.S_ISSOCK(os.stat(path).st_mode)


def test_the_checks_name_the_users_path_and_what_to_do(tmp_path):
    (tmp_path / "afile").write_text("x")
    cases = {
        (tmp_path / "afile" / "m.npz", False): r"--o .*/afile/m.npz: .*/afile is a file, not a "
                                               r"folder; choose a path in a folder",
        (tmp_path / "afile", True): r"--o .*/afile: that is a file, not a folder",
        (tmp_path / "a" / "b" / "m.npz", False): None,  # folders to make are fine
        (tmp_path / "afile", False): None,  # a file to replace
        (tmp_path / "new", True): None,
    }
    for (path, folder), message in cases.items():
        if message is None:
            check_output_path(path, "--o", folder=folder)
        else:
            with pytest.raises(OutputError, match=message):
                check_output_path(path, "--o", folder=folder)
    assert sorted(os.listdir(tmp_path)) == ["afile"]  # nothing made, no probe left


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc")
def test_proc_is_said_with_the_users_path_not_the_temporary_file():
    with pytest.raises(OutputError) as info:
        check_output_path("/proc/m.npz", "--save")
    assert str(info.value) == ("--save /proc/m.npz: files cannot be created in /proc; "
                               "choose another path")
    with pytest.raises(OutputError) as info:
        with atomic_write("/proc/m.npz") as stream:
            stream.write(b"x")
    assert TEMP_SUFFIX not in str(info.value) and "/proc/m.npz" in str(info.value)


def test_a_read_only_file_is_refused_by_the_check(tmp_path, monkeypatch):
    """Root may write anything, so a read-only file is simulated through os.access."""
    target = tmp_path / "m.npz"
    target.write_bytes(b"keep")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, m, **k: False if str(p) == str(target)
                        else real_access(p, m, **k))
    with pytest.raises(OutputError, match=r"m.npz: the file is read-only; make it writable"):
        check_output_path(target, "--save")


def test_temporary_files_of_the_old_naming_are_swept_once_old(tmp_path):
    """``tempfile.mkstemp(prefix=".m.npz.", suffix=".tmp")`` as nnviz named them before."""
    old = tmp_path / ".m.npz.k3j_x9z2.tmp"
    young = tmp_path / ".h.json.ab12cd34.tmp"
    users = [tmp_path / n for n in (".m.npz.123.tmp", "notes.tmp", ".m.npz.k3j_x9z2X.tmp")]
    for path in (old, young, *users):
        path.write_bytes(b"half a file")
    then = time.time() - 3600
    for path in (old, *users):
        os.utime(path, (then, then))
    assert sweep_stale(tmp_path) == [old]
    assert sorted(os.listdir(tmp_path)) == sorted(p.name for p in (young, *users))
