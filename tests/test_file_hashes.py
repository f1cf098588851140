"""The one file-hashing implementation (fazhi.tables): names and bytes count, order does not."""

from __future__ import annotations

import hashlib
from pathlib import Path

from fazhi.tables import file_sha256, hash_files


def test_hash_files_by_relative_or_bare_name(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    x, y = tmp_path / "a" / "x.toml", tmp_path / "b" / "y.toml"
    x.write_text("一", encoding="utf-8")
    y.write_text("二", encoding="utf-8")
    assert hash_files([x, y], tmp_path) == hash_files([y, x], tmp_path)
    assert hash_files([x, y]) == hash_files([y, x])
    assert hash_files([x, y]) != hash_files([x, y], tmp_path)  # "x.toml" vs "a/x.toml"
    before = hash_files([x, y])
    y.write_text("三", encoding="utf-8")
    assert hash_files([x, y]) != before
    expected = hashlib.sha256(b"x.toml\0" + "一".encode() + b"\0y.toml\0" + "三".encode() + b"\0").hexdigest()
    assert hash_files([y, x]) == expected


def test_file_sha256_is_the_digest_of_the_bytes(tmp_path: Path) -> None:
    p = tmp_path / "big.bin"
    data = bytes(range(256)) * 9000  # more than one read chunk
    p.write_bytes(data)
    assert file_sha256(p) == hashlib.sha256(data).hexdigest()
