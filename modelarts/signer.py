"""The ``SDK-HMAC-SHA256`` request signature, as pure steps.

Each step of Huawei Cloud's algorithm is one function, so each can be checked
against the published vectors on its own and reused by the local service to
verify what a client sent::

    canonical_request()  ->  string_to_sign()  ->  signature()  ->  authorization()

:func:`sign` runs them all for one request and returns the headers to add.
Nothing here touches the network or the clock, except :func:`sign` when no
``now`` is given.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import re
from typing import Iterable, List, Mapping, Optional, Sequence, Tuple, Union
from urllib.parse import parse_qsl, unquote, urlsplit

import attrs

__all__ = [
    "ALGORITHM",
    "DATE_FORMAT",
    "EMPTY_SHA256",
    "ParsedAuthorization",
    "authorization",
    "canonical_headers",
    "canonical_query",
    "canonical_query_candidates",
    "canonical_request",
    "canonical_uri",
    "format_date",
    "parse_authorization",
    "parse_date",
    "payload_hash",
    "query_pairs",
    "sign",
    "signature",
    "signed_header_names",
    "string_to_sign",
    "Body",
    "QueryValue",
]

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_AUTH_RE = re.compile(
    r"^SDK-HMAC-SHA256 Access=([^,\s]+), SignedHeaders=([a-z0-9;_-]+), Signature=([0-9a-f]{64})$"
)

QueryValue = Union[str, int, float, bool, None, Sequence[Union[str, int, float, bool]]]
Body = Union[bytes, str, None]


_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch
_SDK_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})T([0-9]{2})([0-9]{2})([0-9]{2})Z").fullmatch


class _PercentTable(dict):
    """``str.translate`` table: ASCII precomputed, other characters as their UTF-8 bytes."""

    def __missing__(self, codepoint: int) -> str:
        return "".join(f"%{byte:02X}" for byte in chr(codepoint).encode("utf-8"))


_PERCENT = _PercentTable((c, chr(c) if _UNRESERVED(chr(c)) else f"%{c:02X}") for c in range(128))


def _encode(text: str) -> str:
    """RFC 3986 encoding: only ``A-Za-z0-9-_.~`` stay as they are.

    Same result as ``quote(text, safe="~")`` at a fraction of the cost, which
    dominated signing (benchmarks/RESULTS.md, "signatures per second").
    """
    return text if _UNRESERVED(text) else text.translate(_PERCENT)


def _render(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def canonical_uri(path: str) -> str:
    """Decode the path, re-encode each segment and end it with ``/``."""
    segments = unquote(path or "/").split("/")
    uri = "/".join(_encode(segment) for segment in segments)
    return uri if uri.endswith("/") else uri + "/"


def query_pairs(query: str) -> List[Tuple[str, str]]:
    """Decoded ``(name, value)`` pairs of a raw query string, blanks kept."""
    return parse_qsl(query, keep_blank_values=True)


def _order(value: object) -> Tuple[int, Union[float, str]]:
    """Sort key of one query value: numbers numerically, everything else as text.

    huaweicloudsdkcore sorts the ``(name, value)`` pairs and each list value
    with Python's own ordering before rendering them, so ``[9, 10]`` signs as
    ``a=9&a=10`` (numeric order), while strings sort by code point.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, float(value))
    return (1, _render(value))


def canonical_query(params: Union[str, Mapping[str, QueryValue], Iterable[Tuple[str, QueryValue]], None]) -> str:
    """Sorted, encoded ``k=v`` pairs joined with ``&``.

    ``params`` is a raw query string, a mapping, or a sequence of pairs; list
    values expand to repeated pairs and booleans render as ``true``/``false``.
    Values sort the way the official signer sorts them: numbers numerically,
    text by code point (a raw query string holds only text).
    """
    if not params:
        return ""
    if isinstance(params, str):
        items: Iterable[Tuple[str, QueryValue]] = query_pairs(params)
    elif isinstance(params, Mapping):
        items = params.items()
    else:
        items = params
    pairs: List[Tuple[str, object]] = []
    for name, value in items:
        if isinstance(value, (list, tuple)):
            pairs.extend((str(name), v) for v in value)
        else:
            pairs.append((str(name), value))
    pairs.sort(key=lambda pair: (pair[0], _order(pair[1])))
    return "&".join(f"{_encode(k)}={_encode(_render(v))}" for k, v in pairs)


_INTEGER = re.compile(r"-?[0-9]{1,18}").fullmatch


def canonical_query_candidates(query: str) -> List[str]:
    """The canonical query strings a signer may have meant for a raw query.

    A verifier only sees text, but huaweicloudsdkcore sorts integer values
    numerically (``a=9&a=10``) where the documented algorithm sorts text
    (``a=10&a=9``).  The first candidate is the documented one; the second,
    when different, reads integer-looking values as integers, as the
    official signer would have sorted them.
    """
    pairs = query_pairs(query)
    first = canonical_query(pairs)
    numeric = [(name, int(value) if _INTEGER(value) else value) for name, value in pairs]
    second = canonical_query(numeric)
    return [first] if second == first else [first, second]


def signed_header_names(headers: Mapping[str, str]) -> List[str]:
    """Lower-cased names to sign, sorted; names with ``_`` are never signed."""
    return sorted({name.lower() for name in headers if "_" not in name and name.lower() != "authorization"})


def canonical_headers(headers: Mapping[str, str], signed: Sequence[str]) -> str:
    """One ``name:value\\n`` line per signed header, values trimmed."""
    lowered = {name.lower(): value for name, value in headers.items()}
    return "".join(f"{name}:{str(lowered[name]).strip()}\n" for name in signed)


def payload_hash(body: Body, headers: Optional[Mapping[str, str]] = None) -> str:
    """Hex SHA-256 of the body, or the literal ``X-Sdk-Content-Sha256`` value."""
    data = body.encode("utf-8") if isinstance(body, str) else (body or b"")
    if data and headers:
        for name, value in headers.items():
            if name.lower() == "x-sdk-content-sha256":
                return value
    return hashlib.sha256(data).hexdigest() if data else EMPTY_SHA256


def canonical_request(
    method: str,
    path: str,
    query: Union[str, Mapping[str, QueryValue], Iterable[Tuple[str, QueryValue]], None],
    headers: Mapping[str, str],
    signed: Sequence[str],
    body: Body,
    canonical: bool = False,
) -> str:
    """The six-line canonical request (with its empty line).

    With ``canonical=True``, ``query`` is already a canonical query string.
    """
    return "\n".join(
        [
            method.upper(),
            canonical_uri(path),
            str(query or "") if canonical else canonical_query(query),
            canonical_headers(headers, signed),
            ";".join(signed),
            payload_hash(body, headers),
        ]
    )


def string_to_sign(canonical: str, sdk_date: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{sdk_date}\n{digest}"


def signature(secret_key: str, to_sign: str) -> str:
    return hmac.new(secret_key.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def authorization(access_key: str, signed: Sequence[str], sig: str) -> str:
    return f"{ALGORITHM} Access={access_key}, SignedHeaders={';'.join(signed)}, Signature={sig}"


def format_date(moment: _dt.datetime) -> str:
    """``X-Sdk-Date`` text for an aware or naive-UTC datetime."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(_dt.timezone.utc)
    return moment.strftime(DATE_FORMAT)


def parse_date(text: str) -> _dt.datetime:
    """Parse an ``X-Sdk-Date``; ``ValueError`` if it is not ``%Y%m%dT%H%M%SZ``.

    The pattern fixes every field's width, so the datetime is built from the
    digits directly (``strptime`` was a tenth of the gateway's time); an
    impossible date (month 13, 30 February, hour 24) is still a ``ValueError``.
    """
    found = _SDK_DATE(text or "")
    if found is None:
        raise ValueError(f"malformed X-Sdk-Date: {text!r}")
    try:
        year, month, day, hour, minute, second = map(int, found.groups())
        return _dt.datetime(year, month, day, hour, minute, second, tzinfo=_dt.timezone.utc)
    except ValueError:
        raise ValueError(f"impossible X-Sdk-Date: {text!r}") from None


@attrs.frozen
class ParsedAuthorization:
    """The three fields of an ``Authorization: SDK-HMAC-SHA256 …`` header."""

    access_key: str
    signed_headers: Tuple[str, ...]
    signature: str = attrs.field(repr=False)


def parse_authorization(value: str) -> ParsedAuthorization:
    """Split an Authorization header; ``ValueError`` if it is malformed."""
    match = _AUTH_RE.match(value or "")
    if not match:
        raise ValueError("malformed SDK-HMAC-SHA256 Authorization header")
    access_key, names, sig = match.groups()
    return ParsedAuthorization(access_key, tuple(names.split(";")), sig)


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: Body,
    access_key: str,
    secret_key: str,
    now: Optional[_dt.datetime] = None,
    signed: Optional[Sequence[str]] = None,
) -> dict:
    """Sign one request and return the headers to add to it.

    ``headers`` are the request's headers; ``Host`` (the URL's netloc, port
    kept) and ``X-Sdk-Date`` are added when missing, and every header present
    is signed unless ``signed`` names the ones to sign.  The returned dict has
    ``Host``, ``X-Sdk-Date`` and ``Authorization``.
    """
    parts = urlsplit(url)
    merged = dict(headers)
    lower = {name.lower() for name in merged}
    added = {}
    if "host" not in lower:
        added["Host"] = parts.netloc
    if "x-sdk-date" not in lower:
        added["X-Sdk-Date"] = format_date(now or _dt.datetime.now(_dt.timezone.utc))
    merged.update(added)
    names = list(signed) if signed is not None else signed_header_names(merged)
    creq = canonical_request(method, parts.path, parts.query, merged, names, body)
    sdk_date = next(value for name, value in merged.items() if name.lower() == "x-sdk-date")
    added["Authorization"] = authorization(access_key, names, signature(secret_key, string_to_sign(creq, sdk_date)))
    return added
