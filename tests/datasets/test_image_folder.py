"""Folders of images, one subfolder per class: decoding, sizing, inversion, and bad folders."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic_data import make_images

from nnviz.datasets import DatasetError, decode_image, load_dataset, read_image_folder

Image = pytest.importorskip("PIL.Image", reason="Pillow is needed to decode image folders")


def save_grey(path, pixels: np.ndarray, fmt: str | None = None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, format=fmt)
    return path


def make_class_folders(root, per_class: dict[str, np.ndarray], suffix=".png"):
    for name, images in per_class.items():
        for i, image in enumerate(images):
            save_grey(root / name / f"{i:03d}{suffix}", image)
    return root


def test_28x28_grey_pngs_round_trip_exactly(tmp_path):
    images = make_images(6, seed=9)
    root = make_class_folders(tmp_path / "digits", {"3": images[:2], "7": images[2:]})
    x, y, names = read_image_folder(root)
    assert names == ("3", "7")
    np.testing.assert_array_equal(y, [0, 0, 1, 1, 1, 1])
    np.testing.assert_array_equal(x, images)


@pytest.mark.parametrize("suffix", [".bmp", ".pgm"])
def test_lossless_formats_round_trip(tmp_path, suffix):
    image = make_images(1, seed=4)[0]
    assert np.array_equal(decode_image(save_grey(tmp_path / f"a{suffix}", image)), image)


def test_jpeg_decodes_close_to_the_original(tmp_path):
    image = np.zeros((28, 28), np.uint8)
    image[8:20, 12:16] = 255  # a thick vertical bar
    got = decode_image(save_grey(tmp_path / "bar.jpg", image))
    assert got.shape == (28, 28)
    assert np.abs(got.astype(int) - image).mean() < 8  # lossy, but the same picture


def test_large_colour_photo_of_dark_ink_on_paper(tmp_path):
    # 200×100 RGB: white page, a black vertical stroke in the middle.
    page = np.full((200, 100, 3), 255, np.uint8)
    page[40:160, 40:60] = (10, 10, 10)
    Image.fromarray(page).save(tmp_path / "photo.png")
    got = decode_image(tmp_path / "photo.png")
    assert got.shape == (28, 28) and got.dtype == np.uint8
    # Inverted: a light stroke on black, rows 40..160 of 200 -> about 6..22 of 28.
    assert got[14, 14] > 200
    assert got[14, 3] == 0 and got[2, 14] == 0 and got[25, 14] == 0
    assert (got[7:21, 14] > 200).all()
    # Padded to a square, not stretched: 20 of 200 pixels wide -> about 3 of 28, not 6.
    assert 2 <= (got[14] > 128).sum() <= 4


def test_transparent_drawing_is_flattened_onto_white_then_inverted(tmp_path):
    rgba = np.zeros((28, 28, 4), np.uint8)  # fully transparent
    rgba[10:18, 10:18] = (0, 0, 0, 255)  # an opaque black square
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "drawn.png")
    got = decode_image(tmp_path / "drawn.png")
    assert got[12, 12] == 255 and got[0, 0] == 0 and got[20, 20] == 0


def test_numeric_class_names_sort_as_numbers(tmp_path):
    image = make_images(1)[0]
    root = make_class_folders(tmp_path / "r", {n: [image] for n in ("10", "9", "2")})
    _, y, names = read_image_folder(root)
    assert names == ("2", "9", "10")
    np.testing.assert_array_equal(y, [0, 1, 2])


def test_named_classes_sort_alphabetically_and_reach_the_dataset(tmp_path):
    images = make_images(20, seed=2)
    per_class = {"sneaker": images[:10], "bag": images[10:]}
    dataset = load_dataset(make_class_folders(tmp_path / "shop", per_class), test_fraction=0.2)
    assert dataset.class_names == ("bag", "sneaker")
    assert dataset.name == "shop"
    assert (len(dataset.y_train), len(dataset.y_test)) == (16, 4)
    np.testing.assert_array_equal(np.bincount(dataset.y_test), [2, 2])  # stratified


def test_train_and_test_subfolders_are_used_as_given(tmp_path):
    images = make_images(10, seed=8)
    make_class_folders(tmp_path / "set" / "train", {"0": images[:3], "1": images[3:6]})
    make_class_folders(tmp_path / "set" / "test", {"1": images[6:8]})
    dataset = load_dataset(tmp_path / "set")
    assert dataset.class_names == ("0", "1")
    np.testing.assert_array_equal(dataset.y_train, [0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(dataset.y_test, [1, 1])
    np.testing.assert_array_equal(dataset.x_test, images[6:8].reshape(2, 784) / np.float32(255))


def test_test_class_unknown_to_train(tmp_path):
    images = make_images(3)
    make_class_folders(tmp_path / "set" / "train", {"0": images[:1]})
    make_class_folders(tmp_path / "set" / "test", {"5": images[1:2]})
    with pytest.raises(DatasetError, match=r"test/5: class '5' is not one of 0"):
        load_dataset(tmp_path / "set")


def test_hidden_and_os_files_are_ignored(tmp_path):
    root = make_class_folders(tmp_path / "r", {"1": make_images(2)})
    (root / "1" / ".DS_Store").write_bytes(b"\0\0")
    (root / "1" / "Thumbs.db").write_bytes(b"\0\0")
    (root / "README.md").write_text("my digits")  # beside the class folders: not a class
    x, _, names = read_image_folder(root)
    assert names == ("1",) and len(x) == 2


def test_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match=r"empty: no class subfolders \(expected one folder per "
                                           r"class"):
        read_image_folder(tmp_path / "empty")
    with pytest.raises(DatasetError, match=r"empty: no dataset here; expected the four IDX files"):
        load_dataset(tmp_path / "empty")


def test_empty_class_folder(tmp_path):
    root = make_class_folders(tmp_path / "r", {"0": make_images(1)})
    (root / "1").mkdir()
    with pytest.raises(DatasetError, match=r"r/1: class folder holds no images"):
        load_dataset(root)


def test_non_image_file(tmp_path):
    root = make_class_folders(tmp_path / "r", {"0": make_images(1)})
    (root / "0" / "notes.txt").write_text("hello")
    with pytest.raises(DatasetError, match=r"0/notes\.txt: not an image \(expected one of \.png"):
        load_dataset(root)


def test_corrupt_image(tmp_path):
    root = make_class_folders(tmp_path / "r", {"0": make_images(1)})
    (root / "0" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(DatasetError, match=r"0/broken\.png: cannot decode image"):
        read_image_folder(root)


def test_folder_inside_a_class_folder(tmp_path):
    root = make_class_folders(tmp_path / "r", {"0": make_images(1)})
    (root / "0" / "more").mkdir()
    with pytest.raises(DatasetError, match=r"0/more: unexpected folder inside class folder '0'"):
        read_image_folder(root)


def test_class_names_that_only_look_like_digits_sort_as_names(tmp_path):
    # "²".isdigit() is true but int("²") fails: the order falls back to the names.
    root = make_class_folders(tmp_path / "r", {"1": make_images(1), "²": make_images(1)})
    _, labels, names = read_image_folder(root)
    assert names == ("1", "²") and labels.tolist() == [0, 1]


def _png_declaring(width: int, height: int) -> bytes:
    """A valid 1×1 PNG whose IHDR then declares ``width × height`` (with a matching CRC)."""
    import io
    import struct
    import zlib
    stream = io.BytesIO()
    Image.new("L", (1, 1)).save(stream, format="PNG")
    data = bytearray(stream.getvalue())
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


@pytest.mark.parametrize("side", [10_000, 100_000])  # past Pillow's warning, past its error
def test_an_image_declaring_a_huge_size_is_refused_before_decoding(tmp_path, side):
    root = make_class_folders(tmp_path / "r", {"0": make_images(1)})
    (root / "0" / "bomb.png").write_bytes(_png_declaring(side, side))
    with pytest.raises(DatasetError, match=r"0/bomb\.png: image too large \(over 89,478,485 "
                                           r"pixels\); digits need far fewer"):
        read_image_folder(root)
