"""The OBS side of :class:`~modelarts.session.Session`.

``session.obs`` (SDK 1.1.3+ helpers, :class:`~modelarts.obs.OBS`) and
``session.obs_client`` (an ``obs.ObsClient``) are built on first use, so a
session that never touches OBS does not need esdk-obs-python.  The SDK 1.1.1
forms are here too, as the old reference pages write them::

    session.upload_data(bucket_path="/bucket_name/dir1/", path="/home/user/sdk/sdk.txt")  # file, folder or list
    session.download_data(bucket_path="/bucket_name/dir1/sdk.txt", path="/home/user/sdk.txt")
    session.create_bucket(bucket="bucket_name")
    session.create_directory(bucket="bucket_name", directory="/dir1/dir2/")
    session.get_obs_client()
    session.default_bucket()
    session.delete_bucket(bucket="bucket_name")
"""

from __future__ import annotations

import os
import threading
from typing import Any, List, Optional, Sequence, Union


__all__ = ["ObsSessionMixin", "PathLike"]

PathLike = Union[str, "os.PathLike[str]"]


class ObsSessionMixin:
    """OBS attributes and the SDK 1.1.1 OBS calls, mixed into ``Session``.

    The OBS modules (and esdk-obs-python) load on the first OBS call, not with the session.
    """

    _obs_lock = threading.Lock()
    _obs_helper: Any = None
    _obs_client: Any = None

    @property
    def obs_client(self) -> Any:
        """The session's ``obs.ObsClient`` (esdk-obs-python), credentials kept fresh from the session."""
        with self._obs_lock:
            if self._obs_client is None:
                from modelarts.obs_client import build_obs_client

                self._obs_client = build_obs_client(self)  # type: ignore[arg-type]
            return self._obs_client

    @property
    def obs(self) -> Any:
        """The documented OBS helpers (:class:`modelarts.obs.OBS`)."""
        from modelarts.obs import OBS
        from modelarts.obs_client import import_obs

        import_obs()

        client = self.obs_client
        with self._obs_lock:
            if self._obs_helper is None:
                self._obs_helper = OBS(self, client)  # type: ignore[arg-type]
            return self._obs_helper

    def get_obs_client(self) -> Any:
        """SDK 1.1.1 "Obtaining an OBS client": the same client as :attr:`obs_client`."""
        return self.obs_client

    def upload_data(self, bucket_path: str, path: Union[PathLike, Sequence[PathLike]]) -> Any:
        """Upload a file, a folder or a list of files into the OBS folder ``bucket_path`` (``/bucket/dir/``)."""
        from modelarts.obs_paths import parse_bucket_path

        folder = parse_bucket_path(bucket_path).as_dir()
        paths: List[Any] = list(path) if isinstance(path, (list, tuple)) else [path]
        if not paths:
            raise ValueError("path must be a file, a folder or a non-empty list of files")
        for item in paths:
            if not isinstance(item, (str, os.PathLike)) or not isinstance(os.fspath(item), str) or not os.fspath(item):
                raise TypeError(f"path must be a local file or folder path (str), or a list of them; got {item!r}")
        results = []
        for item in paths:
            local = os.fspath(item)
            if os.path.isdir(local):
                results.append(self.obs.upload_dir(local, folder.url))
            elif os.path.isfile(local):
                results.append(self.obs.upload_file(local, folder.url))
            else:
                raise FileNotFoundError(f"path {local} is neither a file nor a folder")
            if isinstance(results[-1], dict):  # errors="return"
                return results[-1]
        return results if isinstance(path, (list, tuple)) else results[0]

    def download_data(self, bucket_path: str, path: PathLike) -> Any:
        """Download the object or folder ``bucket_path`` (``/bucket/dir1/sdk.txt``) to ``path``."""
        from modelarts.obs_paths import parse_bucket_path

        origin = parse_bucket_path(bucket_path)
        return self.obs.copy(origin.url, os.fspath(path), keep_last_dir=False)

    def create_bucket(self, bucket: str) -> Any:
        """Create an OBS bucket; its name."""
        return self.obs.create_bucket(bucket)

    def delete_bucket(self, bucket: str) -> Any:
        """Delete an empty OBS bucket."""
        return self.obs.delete_bucket(bucket)

    def create_directory(self, bucket: str, directory: str) -> Any:
        """Create the folder ``directory`` (``/dir1/dir2/``) in ``bucket``."""
        from modelarts.obs_paths import OBS_SCHEME, check_bucket

        check_bucket(bucket, "bucket")
        if not isinstance(directory, str) or not directory.strip("/"):
            raise ValueError(f"directory must name a folder, like '/dir1/dir2/', got {directory!r}")
        return self.obs.create_folder(f"{OBS_SCHEME}{bucket}/{directory.strip('/')}/")

    def default_bucket(self) -> str:
        """The session's default bucket, ``modelarts-<region>-<first 8 characters of the project id>``
        (created when missing; a naming convention of this SDK)."""
        name = f"modelarts-{self.region_name}-{self.project_id[:8]}".lower()  # type: ignore[attr-defined]
        result = self.obs.create_bucket(name)
        return name if not isinstance(result, dict) else result  # type: ignore[return-value]

    def _close_obs(self) -> None:
        client: Optional[Any] = self._obs_client
        if client is not None:
            client.close()
        self._obs_client, self._obs_helper = None, None
