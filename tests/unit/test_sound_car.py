"""A damaged CAR loses only the blocks that do not hash to their CID (and them as roots), nothing else."""

from __future__ import annotations

from pathlib import Path

import dag_cbor
import pytest
from multiformats import CID, varint

from ledger.backup import BackupError, sound_car
from ledger.manifest.cid import raw_cid


def _car(path: Path, blocks: list[tuple[str, bytes]]) -> None:
    header = dag_cbor.encode({"roots": [CID.decode(cid) for cid, _ in blocks], "version": 1})
    with path.open("wb") as out:
        out.write(varint.encode(len(header)) + header)
        for cid, block in blocks:
            section = bytes(CID.decode(cid)) + block
            out.write(varint.encode(len(section)) + section)


def test_blocks_that_do_not_match_their_cid_are_left_out_with_their_roots(tmp_path: Path) -> None:
    honest, forged = b'{"title":"kept"}', b'{"title":"forged"}'
    forged_cid = raw_cid(b'{"title":"original"}')
    _car(tmp_path / "damaged.car", [(raw_cid(honest), honest), (forged_cid, forged)])

    assert sound_car(tmp_path / "damaged.car", tmp_path / "sound.car") == [forged_cid]

    expected = tmp_path / "expected.car"
    _car(expected, [(raw_cid(honest), honest)])
    assert (tmp_path / "sound.car").read_bytes() == expected.read_bytes()


def test_a_file_that_is_not_a_car_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.car").write_bytes(b"")
    with pytest.raises(BackupError, match="empty"):
        sound_car(tmp_path / "empty.car", tmp_path / "out.car")
