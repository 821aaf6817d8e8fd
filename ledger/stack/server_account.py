"""The unprivileged account a database server runs as when the stack runs as root.

PostgreSQL and MariaDB refuse to run as root (or should not): on a machine that runs as root, each server runs as a
system account of its own (created once, with no home and no shell), its directory belongs to that account, and the
binaries the setup unpacked into root's cache get a copy the account can reach.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

Account = pwd.struct_passwd


def server_account(name: str) -> Account | None:
    """The account `name` when we are root (created on first use), else None: the server runs as us."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(name)
    except KeyError:
        # Not checked: another session may have created the account meanwhile; getpwnam says who won.
        subprocess.run(  # noqa: S603 - fixed arguments
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],  # noqa: S607
            check=False,
            capture_output=True,
        )
        return pwd.getpwnam(name)


def as_account(argv: Sequence[str], account: Account | None) -> list[str]:
    """`argv` run as `account` (through setpriv), or as us when there is none."""
    if account is None:
        return list(argv)
    drop = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups", "--"]
    return [*drop, *argv]


def hand_over(path: Path, account: Account | None) -> None:
    """Makes `path` the account's (nothing to do when the server runs as us)."""
    if account is not None:
        os.chown(path, account.pw_uid, account.pw_gid)


def reachable_copy(unpacked: Path, directory: Path, account: Account | None) -> Path:
    """`unpacked` (binaries in root's cache, which no other account may enter), or a copy of it in `directory`
    when the server runs as another account (hard links where the file system allows)."""
    if account is None:
        return unpacked

    def link_or_copy(source: str, target: str) -> object:
        try:
            os.link(source, target)
            return target
        except OSError:
            return shutil.copy2(source, target)

    shutil.copytree(unpacked, directory, symlinks=True, copy_function=link_or_copy, dirs_exist_ok=True)
    return directory
