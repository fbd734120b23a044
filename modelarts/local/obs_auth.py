"""Signature checks of the local OBS endpoint: OBS and V2 (``AWS``) schemes.

``Authorization: OBS <ak>:<signature>`` (OBS signing, ``x-obs-*`` headers) and
``Authorization: AWS <ak>:<signature>`` (V2, ``x-amz-*`` headers) are the two
header schemes of the OBS API reference ("Authentication of Signature in a
Header").  The signature is ``Base64(HMAC-SHA1(SK, StringToSign))`` with::

    StringToSign = METHOD \\n Content-MD5 \\n Content-Type \\n Date \\n
                   CanonicalizedHeaders CanonicalizedResource

``Date`` is empty when an ``x-obs-date``/``x-amz-date`` header is present;
CanonicalizedHeaders are the ``x-obs-*`` (or ``x-amz-*``) headers, lower-cased,
sorted, ``name:value\\n``; the CanonicalizedResource is the path as sent plus
the sub-resources of the query (``uploads``, ``uploadId``, ``partNumber``, …).
A temporary access key must come with its ``x-obs-security-token`` (or
``x-amz-security-token``) before it expires.  Requests dated more than 15
minutes away from the service clock are refused, as are unsigned ones.  Temporary URLs (``ObsClient.createSignedUrl``)
carry the key, ``Expires`` and ``Signature`` in the query instead, and stop
working when ``Expires`` has passed.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
import re
import time
from typing import Callable, Dict, List, Mapping, Optional, Tuple
from urllib.parse import parse_qsl, unquote

import attrs

from modelarts.local.accounts import Directory
from modelarts.local.iam import hash_secret
from modelarts.local.obs_errors import (
    AccessDenied,
    ExpiredToken,
    InvalidAccessKeyId,
    InvalidArgument,
    InvalidToken,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
)

__all__ = ["Caller", "MAX_SKEW", "ObsAuth", "SUB_RESOURCES", "string_to_sign"]

MAX_SKEW = 15 * 60
#: Query parameters that are part of the signed resource (the OBS/S3 sub-resources).
SUB_RESOURCES = frozenset(
    """acl backtosource policy torrent logging location storageinfo quota storageclass storagepolicy
    requestpayment versions versioning versionid uploads uploadid partnumber website notification dispolicy
    lifecycle deletebucket delete cors restore tagging replication metadata encryption publicaccessblock
    bucketstatus policystatus inventory obscompresspolicy object-lock retention directcoldaccess append position
    fileinterface truncate length name rename response-content-type response-content-language response-expires
    response-cache-control response-content-disposition response-content-encoding x-image-process
    x-obs-accesslabel""".split()
)
_AUTH = re.compile(r"^(OBS|AWS) ([^:\s]+):(\S+)$")
_PREFIX = {"OBS": "x-obs-", "AWS": "x-amz-"}


@attrs.frozen
class Caller:
    """Who signed a request: the user, its account (domain) and the key used."""

    user_id: str
    domain_id: str
    access_key: str
    scheme: str


def _sub_resources(query: str, prefix: str) -> str:
    """``?a&b=c`` of the signed query parameters, sorted by name (as sent, values decoded)."""
    items: List[Tuple[str, Optional[str]]] = []
    for part in query.split("&") if query else []:
        name, eq, value = part.partition("=")
        name = unquote(name)
        if name.lower() in SUB_RESOURCES or name.lower().startswith(prefix):
            items.append((name, unquote(value) if eq else None))
    if not items:
        return ""
    items.sort(key=lambda item: item[0])
    return "?" + "&".join(name if value is None else f"{name}={value}" for name, value in items)


def string_to_sign(
    method: str, raw_path: str, query: str, headers: Mapping[str, str], scheme: str, expires: Optional[str] = None
) -> str:
    """The StringToSign of a request (``headers`` keys lower-case); ``expires`` replaces the date in signed URLs."""
    prefix = _PREFIX[scheme]
    date = "" if prefix + "date" in headers else headers.get("date", "")
    if expires is not None:
        date = expires
    lines = [method, headers.get("content-md5", ""), headers.get("content-type", ""), date]
    signed: Dict[str, str] = {}
    for name, value in headers.items():
        if name.startswith(prefix):
            signed[name] = value.strip() if name.startswith(prefix + "meta-") else value
    canonical = "".join(f"{name}:{signed[name]}\n" for name in sorted(signed))
    return "\n".join(lines) + "\n" + canonical + (raw_path or "/") + _sub_resources(query, prefix)


def _sign(secret_key: str, text: str) -> str:
    digest = hmac.new(secret_key.encode("utf-8"), text.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


class ObsAuth:
    """Checks the signature, date and security token of each request.

    Keys and secrets come from the service's account :class:`Directory`;
    ``clock`` returns epoch seconds.
    """

    def __init__(self, directory: Directory, clock: Callable[[], float] = time.time, max_skew: float = MAX_SKEW) -> None:
        self.directory = directory
        self.clock = clock
        self.max_skew = max_skew

    def authenticate(self, method: str, raw_path: str, query: str, headers: Mapping[str, str]) -> Caller:
        """The :class:`Caller` of a signed request; raises an OBS error otherwise."""
        header = headers.get("authorization", "")
        if not header and "Signature=" in query:
            return self._signed_url(method, raw_path, query, headers)
        if not header:
            raise AccessDenied("Anonymous access is refused: sign the request with an AK/SK (OBS or V2 signature)")
        if header.startswith("AWS4-HMAC-SHA256"):
            raise InvalidArgument("V4 signatures are not accepted here; use the OBS or V2 (signature='v2') scheme")
        match = _AUTH.match(header)
        if match is None:
            raise InvalidArgument("Authorization must be 'OBS <AK>:<signature>' or 'AWS <AK>:<signature>'")
        scheme, access_key, signature = match.groups()
        prefix = _PREFIX[scheme]
        self._check_date(headers.get(prefix + "date") or headers.get("date", ""))
        to_sign = string_to_sign(method, raw_path, query, headers, scheme)
        return self._check(access_key, signature, to_sign, headers.get(prefix + "security-token", ""), scheme)

    def _signed_url(self, method: str, raw_path: str, query: str, headers: Mapping[str, str]) -> Caller:
        """A temporary URL (``ObsClient.createSignedUrl``): ``AccessKeyId`` (OBS) or ``AWSAccessKeyId`` (V2),
        ``Expires`` (epoch seconds, the Date of the StringToSign) and ``Signature`` in the query."""
        args = dict(parse_qsl(query, keep_blank_values=True))
        scheme = "OBS" if "AccessKeyId" in args else "AWS"
        access_key = args.get("AccessKeyId") or args.get("AWSAccessKeyId") or ""
        expires, signature = args.get("Expires", ""), args.get("Signature", "")
        if not access_key or not expires.isdigit() or not signature:
            raise AccessDenied("A signed URL needs AccessKeyId (or AWSAccessKeyId), Expires and Signature")
        if int(expires) < self.clock():
            raise AccessDenied("Request has expired")
        kept = "&".join(
            part for part in query.split("&")
            if unquote(part.partition("=")[0]) not in ("AccessKeyId", "AWSAccessKeyId", "Expires", "Signature")
        )  # fmt: skip
        to_sign = string_to_sign(method, raw_path, kept, headers, scheme, expires=expires)
        token = args.get(_PREFIX[scheme] + "security-token", "")
        return self._check(access_key, signature, to_sign, token, scheme)

    def _check(self, access_key: str, signature: str, to_sign: str, token: str, scheme: str) -> Caller:
        prefix = _PREFIX[scheme]
        key = self.directory.access_key(access_key)
        if key is None:
            raise InvalidAccessKeyId("The access key Id you provided does not exist in our records.")
        expected = _sign(key["secret_key"], to_sign)
        if not hmac.compare_digest(expected, signature):
            raise SignatureDoesNotMatch(
                "The request signature we calculated does not match the signature you provided. "
                "Check your key and signing method."
            )
        if key["security_token_hash"] is not None:
            if not token or not hmac.compare_digest(hash_secret(token), key["security_token_hash"]):
                raise InvalidToken(f"A temporary access key needs its security token in {prefix}security-token")
            if key["expires_at"] is not None and key["expires_at"] <= self.clock():
                raise ExpiredToken("The provided token has expired.")
        return Caller(user_id=key["user_id"], domain_id=key["domain_id"], access_key=access_key, scheme=scheme)

    def _check_date(self, text: str) -> None:
        if not text:
            raise AccessDenied("A signed request needs a Date (or x-obs-date / x-amz-date) header")
        try:
            moment = email.utils.parsedate_to_datetime(text).timestamp()
        except (TypeError, ValueError, IndexError):
            raise AccessDenied(f"The request date {text!r} is not an RFC 1123 date") from None
        if abs(moment - self.clock()) > self.max_skew:
            raise RequestTimeTooSkewed("The difference between the request time and the server's time is too large.")
