"""The documented limits and rules, written once for the SDK, the local service and the tests.

The SDK checks an argument against a rule before it sends anything (a
``ValueError``); the local service checks the same rule on what arrives (an
``InvalidArgument``/``ParameterError`` answer); the tests draw their valid and
invalid values from it and hold the two sides to agreeing.  A rule changes
here, for everybody, or not at all.

Each rule states where it comes from: a page of the public ModelArts API
reference (``modelarts_03_XXXX``), of the ModelArts SDK reference
(``modelarts_04_XXXX``), of the v2 training API, or of OBS; or, where the
documents are silent, that it is this implementation's own limit.  This module
is imported by a notebook's first cell: it holds values only (no attrs, no I/O).

>>> LIST_PER_PAGE.contains(1000), LIST_PER_PAGE.contains(1001), LIST_PER_PAGE
(True, False, IntRange(low=1, high=1000))
>>> bool(JOB_NAME.fullmatch("my_job-1")), bool(JOB_NAME.fullmatch("my job"))
(True, False)
"""

from __future__ import annotations

import re
from typing import NamedTuple, Pattern, Tuple

__all__ = [
    "API_SEARCH_CONTENT_MAX",
    "CONFIG_TEXT_MAX",
    "DESCRIPTION_MAX",
    "FLAVOR_ID_MAX",
    "ID",
    "INTEGER_TEXT",
    "IntRange",
    "JOB_NAME",
    "JOB_NAME_MAX",
    "LIST_PAGE",
    "LIST_PER_PAGE",
    "LIST_SORT_DEFAULT",
    "LIST_SORT_KEYS",
    "LOCAL_MAX_WORKERS",
    "LOG_LINES",
    "LOG_OFFSET",
    "LOG_START_BYTE",
    "LONG_MAX",
    "OBS_BUCKET",
    "OBS_KEY_MAX_BYTES",
    "OBS_URL_MAX",
    "ORDERS",
    "PROJECT_ID",
    "SDK_SEARCH_CONTENT_MAX",
    "SHORT_TEXT_MAX",
    "TASK_ID",
    "TEXT_MAX",
    "V2_IO_NAME",
    "V2_SEARCH_LIMIT",
    "V2_SEARCH_OFFSET",
    "V2_SORT_KEYS",
    "VERSIONS_PAGE",
]


class IntRange(NamedTuple):
    """The integers from ``low`` to ``high``, both included."""

    low: int
    high: int

    def contains(self, value: object) -> bool:
        """Whether ``value`` is an ``int`` (not a ``bool``) in the range."""
        return isinstance(value, int) and not isinstance(value, bool) and self.low <= value <= self.high


# -- ids and names ------------------------------------------------------------------------------

#: The API's ``Long`` (job and version ids, ``start_byte``): a signed 64-bit integer
#: (API reference, Querying the Details About a Training Job Version, modelarts_03_0047).
LONG_MAX = 2**63 - 1
#: A v1 job or version id: a positive ``Long`` (modelarts_03_0047; the SDK pages type it
#: as a String of digits, SDK reference modelarts_04_0161).
ID = IntRange(1, LONG_MAX)
#: How an integer may be written in a query string or an id: an optional ``-`` and at most
#: 30 ASCII digits (a bound that keeps a hostile number from costing anything to parse).
INTEGER_TEXT: Pattern[str] = re.compile(r"-?[0-9]{1,30}")

_NAME_CHARS = r"[A-Za-z0-9_-]{1,64}"
#: Job name: 1–64 letters, digits, ``_`` and ``-`` (API reference, Creating a Training Job,
#: modelarts_03_0045; the v2 API's ``metadata.name``, page "Creating a Training Job").
JOB_NAME: Pattern[str] = re.compile(_NAME_CHARS)
#: The longest job name the pattern allows.
JOB_NAME_MAX = 64
#: A project id as the SDK accepts one: 1–64 letters, digits, ``_`` and ``-``, so it can
#: sit in the URL path unescaped (Huawei's are 32 hex digits; API reference, Obtaining a
#: Project ID).
PROJECT_ID: Pattern[str] = re.compile(_NAME_CHARS)
#: A v2 task name such as ``worker-0`` (v2 API, Obtaining the Logs of a Training Job Task).
TASK_ID: Pattern[str] = re.compile(_NAME_CHARS)
#: A v2 input, output or parameter name: a letter or ``_`` then up to 63 letters, digits,
#: ``_``, ``.`` and ``-`` (it becomes a ``--name=value`` argument of the boot file).
V2_IO_NAME: Pattern[str] = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")

# -- the v1 job list (GET /v1/{project_id}/training-jobs) and the version list --------------------

#: ``sortBy``: the API's keys (API reference, Querying a Training Job List, modelarts_03_0046)
#: plus the SDK reference's ``engine_type`` (Querying the List of Training Jobs, modelarts_04_0160).
LIST_SORT_KEYS: Tuple[str, ...] = (
    "job_name", "job_desc", "status", "duration", "version_count", "create_time", "engine_type",
)  # fmt: skip
#: The service's ``sortBy`` when none is given (modelarts_03_0046).
LIST_SORT_DEFAULT = "job_name"
#: ``order`` of every list: ascending or descending (modelarts_03_0046, modelarts_03_0149).
ORDERS: Tuple[str, ...] = ("asc", "desc")
#: ``per_page`` of the job list and of the version list, 1–1000 (modelarts_03_0046,
#: Querying the Versions of a Training Job, modelarts_03_0049).
LIST_PER_PAGE = IntRange(1, 1000)
#: ``page`` of the job list, 1–65535 (modelarts_03_0046).
LIST_PAGE = IntRange(1, 65535)
#: ``page`` of the version list: 0 (the default) means no paging (modelarts_03_0049).
VERSIONS_PAGE = IntRange(0, 65535)
#: ``search_content`` as the SDK reference documents it: 0–100 characters (modelarts_04_0160).
#: The REST page allows 64 (below): the SDK keeps its documented bound and the service
#: answers a longer one with ``ModelArts.0104``, as the cloud would.
SDK_SEARCH_CONTENT_MAX = 100
#: ``search_content`` as the REST API documents it: 0–64 characters (modelarts_03_0046).
API_SEARCH_CONTENT_MAX = 64

# -- text fields ------------------------------------------------------------------------------------

#: ``job_desc`` / ``job_description`` / ``description``: 0–256 characters (API reference,
#: Creating a Training Job, modelarts_03_0045; Modifying the Description of a Training Job,
#: modelarts_03_0052; the v2 ``metadata.description``).
DESCRIPTION_MAX = 256
#: ``user_command`` and the other plain strings of a job's config (image URL, pool id,
#: dataset ids; the v2 ``algorithm.command``): at most 4096 characters (this implementation's
#: bound; the documents give none).
CONFIG_TEXT_MAX = 4096
#: Any other free-text argument (framework, model and image names, directories): at most
#: 1024 characters (this implementation's bound; the documents give none).
TEXT_MAX = 1024
#: A flavor (``train_instance_type``, v2 ``flavor_id``) or v2 ``pool_id``: at most 128
#: characters (this implementation's bound; flavor codes are like ``modelarts.vm.cpu.2u``).
FLAVOR_ID_MAX = 128
#: Workspace ids, dataset ids and versions, v2 ``group_by``/``train_type`` and input names:
#: at most 64 characters (this implementation's bound).
SHORT_TEXT_MAX = 64
#: An OBS path in a job's config (``app_url``, ``data_url``, v2 ``obs_url`` …): at most 1024
#: characters, the longest OBS object name.
OBS_URL_MAX = 1024
#: An OBS object name (key): at most 1024 bytes of UTF-8 (OBS API reference, Naming Rules: object
#: names are 1–1024 characters); counted here in bytes, the stricter reading.
OBS_KEY_MAX_BYTES = 1024
#: An OBS bucket name: 3–63 lower-case letters, digits, ``-`` and ``.``, starting and ending
#: with a letter or digit (OBS API reference, Creating a Bucket, bucket naming rules).
OBS_BUCKET: Pattern[str] = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")

# -- logs -------------------------------------------------------------------------------------------

#: ``lines`` of ``GET …/aom-log``: 0–500 (API reference, Obtaining the Logs of a Training
#: Job, modelarts_03_0149).
LOG_LINES = IntRange(0, 500)
#: ``offset`` of ``get_job_log``: −2048 to 2048 (SDK reference, Obtaining the Logs of a
#: Training Job, modelarts_04_0164).
LOG_OFFSET = IntRange(-2048, 2048)
#: ``start_byte`` of ``get_job_log``: −1 (the newest) or a ``Long`` position (modelarts_04_0164).
LOG_START_BYTE = IntRange(-1, LONG_MAX)

# -- workers ----------------------------------------------------------------------------------------

#: The most workers (v1 ``worker_server_num`` on a dedicated pool, v2 ``node_count``) one
#: job may ask of the local service: each worker is a real process of this one machine
#: (this implementation's bound; a public flavor's ``max_num`` may allow fewer).
LOCAL_MAX_WORKERS = 16

# -- the v2 job search (POST /v2/{project_id}/training-job-searches) ---------------------------------

#: ``limit``: 1–50 (SDK reference, estimatorV2 Querying the List of Training Jobs,
#: modelarts_04_0423; v2 API, Querying the Training Job List).
V2_SEARCH_LIMIT = IntRange(1, 50)
#: ``offset``: from 0 to the API's ``Integer`` maximum (v2 API, Querying the Training Job List).
V2_SEARCH_OFFSET = IntRange(0, 2**31 - 1)
#: ``sort_by``: ``create_time`` (the default), ``name``, ``duration`` or ``phase``
#: (v2 API, Querying the Training Job List).
V2_SORT_KEYS: Tuple[str, ...] = ("create_time", "name", "duration", "phase")
