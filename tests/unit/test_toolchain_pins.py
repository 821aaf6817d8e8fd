"""The versions the setup installs are the versions the code expects."""

from __future__ import annotations

import json

from ledger.toolchain import KUBO_VERSION, PROJECT_ROOT


def test_kubo_version_matches_the_go_module_pin() -> None:
    go_mod = (PROJECT_ROOT / "tools" / "kubo" / "go.mod").read_text()
    assert f"github.com/ipfs/kubo {KUBO_VERSION}" in go_mod


def test_npm_toolchain_is_pinned_exactly() -> None:
    package = json.loads((PROJECT_ROOT / "package.json").read_text())
    lock = json.loads((PROJECT_ROOT / "package-lock.json").read_text())
    for name, version in package["dependencies"].items():
        assert version[0].isdigit(), f"{name} must be pinned to an exact version"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert package["dependencies"]["solc"] == "0.8.28"
