"""Unit tests run with no network and a clean environment."""

from __future__ import annotations

from typing import Iterator

import pytest

from modelarts.session import Session

SCRUBBED = (
    "MA_ENDPOINT", "IAM_ENDPOINT", "S3_ENDPOINT", "REGION_NAME", "S3_REGION", "PROJECT_ID", "project_id",
    "NB_USER", "CREDENTIAL_PROFILES_FILE", "AWS_CREDENTIAL_PROFILES_FILE", "HUAWEICLOUD_SDK_AK",
    "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN", "HUAWEICLOUD_SDK_PROJECT_ID",
    "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in SCRUBBED:
        monkeypatch.delenv(name, raising=False)
    saved = dict(Session._overrides)
    Session.clear_endpoint()
    yield
    Session._overrides = saved
