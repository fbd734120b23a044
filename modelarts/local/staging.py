"""Staging a job's files in and out of its work directory, and its identity.

As ModelArts copies ``code_dir`` and the inputs into the training container
and uploads ``train_url`` when the job ends, the launcher copies the code
directory and the data into the job's own work directory before the workers
start, and copies the output directory back to the OBS path afterwards.  The
job therefore needs no access to the OBS root, the logs or any secret of the
service's data directory.

Used by the launcher script, so only the standard library is imported.

Output copy-back never follows a link: only regular files are copied (opened
with ``O_NOFOLLOW``), so a job cannot plant a symlink to a service secret in
its output and have the service copy the secret out for it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import stat
from typing import Optional

__all__ = ["bind_runtime", "chown_tree", "copy_back", "reachable", "stage_in"]

_CLONE_NEWNS = 0x00020000
_MS_BIND, _MS_REC, _MS_PRIVATE = 0x1000, 0x4000, 1 << 18


def stage_in(source: str, target: str) -> None:
    """Copy a file or directory tree ``source`` to ``target`` (links copied as links)."""
    if os.path.isdir(source):
        shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
    elif os.path.isfile(source):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(source, target)
    else:
        os.makedirs(target, exist_ok=True)  # an empty input, like an empty OBS prefix


def chown_tree(path: str, uid: Optional[int], gid: Optional[int]) -> None:
    """Give ``path`` and everything below it to ``uid``/``gid`` (links themselves, not targets)."""
    if uid is None or gid is None:
        return
    os.lchown(path, uid, gid)
    for top, dirs, files in os.walk(path):
        for name in dirs + files:
            os.lchown(os.path.join(top, name), uid, gid)


def copy_back(source: str, target: str) -> int:
    """Copy the regular files below ``source`` into ``target``; how many were copied.

    Symlinks, devices, fifos and sockets are skipped; nothing is followed.
    """
    copied = 0
    if not os.path.isdir(source) or os.path.islink(source):
        return 0
    for top, dirs, files in os.walk(source, followlinks=False):
        relative = os.path.relpath(top, source)
        destination = os.path.normpath(os.path.join(target, relative))
        os.makedirs(destination, exist_ok=True)
        for name in files:
            path = os.path.join(top, name)
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                continue  # a symlink (ELOOP) or something that vanished
            with os.fdopen(fd, "rb") as handle:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    continue
                with open(os.path.join(destination, name), "wb") as out:
                    shutil.copyfileobj(handle, out, 1 << 20)
            copied += 1
    return copied


def reachable(path: str, uid: int, gid: int) -> bool:
    """Whether ``uid``/``gid`` (no other groups) could search every directory up to ``path``."""
    current = os.path.dirname(os.path.realpath(path))
    while True:
        try:
            info = os.stat(current)
        except OSError:
            return False
        mode = info.st_mode
        if info.st_uid == uid:
            allowed = bool(mode & stat.S_IXUSR)
        elif info.st_gid == gid:
            allowed = bool(mode & stat.S_IXGRP)
        else:
            allowed = bool(mode & stat.S_IXOTH)
        if not allowed:
            return False
        parent = os.path.dirname(current)
        if parent == current:
            return True
        current = parent


def bind_runtime(prefix: str, mount_point: str) -> bool:
    """In a new private mount namespace, bind ``prefix`` (the Python installation) at ``mount_point``.

    For a root service whose interpreter lives somewhere the job's user
    cannot reach (e.g. under ``/root``): only the installation itself
    becomes visible, not its neighbours.  Whether it worked.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        if libc.unshare(_CLONE_NEWNS) != 0:
            return False
        if libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
            return False
        os.makedirs(mount_point, exist_ok=True)
        return int(libc.mount(prefix.encode(), mount_point.encode(), None, _MS_BIND | _MS_REC, None)) == 0
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return False
