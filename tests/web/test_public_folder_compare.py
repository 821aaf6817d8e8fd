"""A folder compared on a registration's verify page: every file is hashed in the browser and compared with the
registration's file tree; the same folder matches, an edited copy shows which files changed, are missing or extra."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ledger.manifest.data import commit_folder

from ..e2e.conftest import Service, eventually
from ..factories import manifest_fields
from .conftest import axe_violations

pytestmark = pytest.mark.integration


@pytest.fixture
def registered_folder(service: Service, tmp_path: Path) -> tuple[int, Path]:
    folder = tmp_path / "交通数据"
    (folder / "2024" / "一月").mkdir(parents=True)
    (folder / "README.txt").write_bytes(b"hourly counts, folder compare\n")
    (folder / "2024" / "一月" / "s1.csv").write_bytes(os.urandom(256 * 1024))
    (folder / "2024" / "notes.csv").write_bytes(b"sensor,note\ns1,replaced in March\n")  # no empty file: its
    # hash is every empty file's, and other tests check that an empty file is not registered
    commitment = commit_folder(folder)
    fields: dict[str, Any] = manifest_fields(
        service.registrant.address, title="文件夹比对 folder", data_commitment=commitment.model_dump(mode="json")
    )
    fields.pop("registrant")
    service.client("registrant").register(json.loads(json.dumps(fields, default=str)), service.registrant)
    root = commitment.root[2:]
    registration_id = eventually(lambda: [m.registration_id for m in service.client().verify_sha256(root).matches])[-1]
    return int(registration_id), folder


def test_the_registered_folder_matches_file_by_file(page: Page, registered_folder: tuple[int, Path]) -> None:
    registration_id, folder = registered_folder
    page.goto(f"/verify?q=reg:{registration_id}&lang=en")
    assert axe_violations(page) == []
    page.set_input_files(f"#compare-{registration_id}", str(folder))
    table = page.locator(f"#compare-result-{registration_id}")
    expect(table).to_have_attribute("data-outcome", "matches", timeout=60_000)
    expect(table.locator("tbody tr[data-outcome='same']")).to_have_count(3)
    assert axe_violations(page) == []


def test_an_edited_copy_shows_what_changed_is_missing_and_is_not_registered(
    page: Page, registered_folder: tuple[int, Path], tmp_path: Path
) -> None:
    registration_id, folder = registered_folder
    copy = tmp_path / "copy" / "交通数据"
    shutil.copytree(folder, copy)
    (copy / "README.txt").write_bytes(b"hourly counts, edited\n")
    (copy / "2024" / "notes.csv").unlink()
    (copy / "extra.csv").write_bytes(b"a,b\n")
    page.goto(f"/verify?q=reg:{registration_id}")
    page.set_input_files(f"#compare-{registration_id}", str(copy))
    table = page.locator(f"#compare-result-{registration_id}")
    expect(table).to_have_attribute("data-outcome", "differs", timeout=60_000)
    outcomes = {
        row.get_attribute("data-path"): row.get_attribute("data-outcome") for row in table.locator("tbody tr").all()
    }
    assert outcomes == {
        "README.txt": "changed",
        "2024/notes.csv": "missing",
        "2024/一月/s1.csv": "same",
        "extra.csv": "extra",
    }
    expect(page.locator(f"#compare-status-{registration_id}")).to_contain_text("3")
