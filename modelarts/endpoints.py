"""Where the IAM, OBS and ModelArts services of a region live.

Resolution order for each endpoint: :meth:`Session.set_endpoint` (process
wide, before a session is built) → the environment (``MA_ENDPOINT``,
``IAM_ENDPOINT``, ``S3_ENDPOINT``, as set inside a ModelArts notebook) → the
built-in region table.  An endpoint without a scheme gets ``https://``;
plain ``http://`` is accepted only for loopback hosts (the local service),
because passwords and tokens would otherwise cross the network in clear.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Dict, Mapping, Optional
from urllib.parse import urlsplit

import attrs

from modelarts.exceptions import ConfigurationError

__all__ = ["Endpoints", "KNOWN_REGIONS", "normalize_endpoint", "resolve_endpoints"]

#: Regions with a public ModelArts endpoint (from the v1 SDK and ModelArtsRegion).
KNOWN_REGIONS = frozenset(
    {
        "af-south-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "cn-east-2",
        "cn-east-3",
        "cn-east-4",
        "cn-hangzhou-1",
        "cn-north-1",
        "cn-north-2",
        "cn-north-4",
        "cn-north-5",
        "cn-north-7",
        "cn-north-9",
        "cn-northeast-1",
        "cn-south-1",
        "cn-southwest-2",
        "eu-west-0",
        "eu-west-101",
        "la-north-2",
        "la-south-2",
        "me-east-1",
        "sa-brazil-1",
        "tr-west-1",
    }
)
_SPECIAL_MODELARTS = {"ap-southeast-1": "https://modelarts.ap-southeast-1.myhuaweicloud.cn"}
_SPECIAL_IAM = {"eu-west-101": "https://iam.eu-west-101.myhuaweicloud.eu"}
_ENV = {"modelarts": "MA_ENDPOINT", "iam": "IAM_ENDPOINT", "obs": "S3_ENDPOINT"}
#: Characters no endpoint may hold (whitespace, controls, unsafe URL characters); checked on
#: the text itself, since ``urlsplit`` silently drops tabs and newlines.
_BAD_HOST = re.compile(r"[\x00-\x20\x7f<>\"{}|\\^`%]")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_endpoint(value: str, what: str = "endpoint") -> str:
    """``https://host[:port]`` with no trailing slash; ``ConfigurationError`` if unusable."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{what} must be a non-empty URL, got {value!r}")
    text = value.strip()
    if "://" not in text:
        text = "https://" + text
    text = text.rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or _BAD_HOST.search(text.split("://", 1)[1]):
        raise ConfigurationError(f"{what} {value!r} is not an http(s) URL")
    if parts.query or parts.fragment or parts.username:
        raise ConfigurationError(f"{what} {value!r} must not carry a query, fragment or user info")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            f"{what} {value!r} uses plain http to a non-loopback host; use https (secrets would travel in clear)"
        )
    try:
        parts.port
    except ValueError:
        raise ConfigurationError(f"{what} {value!r} has an invalid port") from None
    return text


@attrs.frozen
class Endpoints:
    """The three service endpoints of one region, normalized."""

    region_name: str
    modelarts: str
    iam: str
    obs: Optional[str]


def _from_region(service: str, region: str) -> str:
    if service == "modelarts":
        return _SPECIAL_MODELARTS.get(region, f"https://modelarts.{region}.myhuaweicloud.com")
    if service == "iam":
        return _SPECIAL_IAM.get(region, "https://iam.myhuaweicloud.com")
    return f"https://obs.{region}.myhuaweicloud.com"


def resolve_endpoints(
    region_name: Optional[str],
    overrides: Mapping[str, Optional[str]],
    environ: Mapping[str, str],
) -> Endpoints:
    """Pick each endpoint from ``overrides`` → ``environ`` → the region table.

    ``overrides`` has the keys ``modelarts``, ``iam``, ``obs`` (values may be
    ``None``).  ModelArts derives from an OBS endpoint the way notebooks do
    (``obs.`` → ``modelarts.``) when only that is given.
    """
    region = region_name or overrides.get("region_name") or environ.get("REGION_NAME") or environ.get("S3_REGION")
    if not region:
        raise ConfigurationError("no region: pass region_name=…, call Session.set_endpoint(region_name=…) or set $REGION_NAME")
    chosen: Dict[str, str] = {}
    for service, variable in _ENV.items():
        value = overrides.get(service) or environ.get(variable)
        if value:
            chosen[service] = normalize_endpoint(value, f"{service} endpoint")
    if "modelarts" not in chosen and "obs" in chosen and "//obs." in chosen["obs"]:
        chosen["modelarts"] = chosen["obs"].replace("//obs.", "//modelarts.", 1)
    missing = [service for service in _ENV if service not in chosen]
    if region not in KNOWN_REGIONS and missing == ["obs"]:
        missing = []  # the SDK never needs OBS itself; an unknown region may go without
    if missing and region not in KNOWN_REGIONS:
        raise ConfigurationError(
            f"unknown region {region!r} and no {', '.join(missing)} endpoint given; "
            f"use Session.set_endpoint(...) or one of: {', '.join(sorted(KNOWN_REGIONS))}"
        )
    for service in missing:
        chosen[service] = _from_region(service, region)
    return Endpoints(region_name=region, modelarts=chosen["modelarts"], iam=chosen["iam"], obs=chosen.get("obs"))
