"""A local ModelArts-compatible service: IAM, the API gateway and v1 training jobs.

Jobs are real processes on this machine; OBS paths map under
``<data-dir>/obs/``; state lives in SQLite.  Start it with ``modelarts-local
serve`` (or ``lab``/``demo``), or from Python::

    from modelarts.local import LocalService

    with LocalService("/tmp/ma") as service:
        os.environ.update(service.env())     # a plain Session() now uses it

HTTP: the service is a WSGI application (:class:`~modelarts.local.wsgi.ServiceApp`:
request → :func:`~modelarts.local.routes.dispatch` → JSON answer) served by
`waitress <https://docs.pylonsproject.org/projects/waitress/>`_ through
:class:`~modelarts.local.server.WSGIServer`.  waitress is the ``local`` extra
(``pip install "modelarts[local]"``; the ``notebook`` and ``test`` extras
include it); without it the SDK and this package still import, and
:meth:`LocalService.start` / ``modelarts-local`` raise or print
``MissingServerExtra`` naming the extra.  waitress reads each request whole on
its I/O thread before a worker sees it, so slow or stalled clients cost a
socket, not a worker; on top of it every request has a deadline
(``request_deadline``, 30 s, however steadily a client trickles bytes),
headers are bounded to 64 KiB, chunk-size lines to 4 KiB, bodies over 12 MB
are answered 413, and the server's own refusals use the gateway's JSON error
shape.  ``WSGIServer`` serves any WSGI app, so further endpoints can get a
listener of their own.

Module map (one concept each):

* HTTP: ``app`` wiring and config, ``wsgi`` the WSGI application, ``server``
  the HTTP server, ``routes`` the URL table and the v1 handlers (``messages``
  ``Request``/``Response``), ``errors`` error classes, ``views`` response
  shapes, ``validation`` request checks;
* identity: ``gateway`` signature/token checks, ``iam`` tokens and temporary
  keys, ``accounts`` users and the credentials file, ``rowcache`` cached key
  and project rows, ``clock`` the one clock;
* jobs: ``store`` SQLite, ``jobstore`` job rows, ``joblist`` the job list
  query, ``jobs`` the v1 training-job backend; ``v2_routes``/``v2_jobs`` the
  v2 handlers and backend (``v2_request`` create bodies, ``v2_search``
  searches, ``v2_views`` answers, ``v2_errors`` errors);
* job processes: ``runner`` the supervisor (queue, launch, watch, stop),
  ``jobfiles`` where a version's files live, ``jobspec`` what a job runs with
  (uid, sandbox, environment, the launcher's spec), ``spawn`` starting a
  launcher held at its go-ahead, ``tracking`` a version in flight and how its
  end is decided, ``adoption`` jobs left by an earlier service,
  ``processes`` pids and process groups, ``launcher`` the script that runs a
  job (``staging``/``jobtree`` its isolation and process tree),
  ``logs``/``logindex`` log files and windows;
* OBS: ``obs`` OBS paths and the job bucket check, ``obs_wsgi`` the endpoint
  (``obs_auth`` its signatures, ``obs_buckets`` owners, ``obs_objects``
  files, ``obs_multipart`` multipart uploads, ``obs_errors`` its XML errors,
  ``obs_server`` its listener);
* around it: ``catalog`` flavors and engines, ``service`` the Python API
  (``LocalService``; ``service_process`` runs it as a subprocess),
  ``cli``/``demo`` the command line, ``workspace`` the folder ``lab`` opens.

Security: job code is untrusted.  As root, each job runs as a uid of its own
with a scrubbed environment in a work directory outside the data directory,
its code and inputs staged in and its outputs copied back; no descendant of a
job outlives it.  The threat model, and what is *not* isolated (network,
resources, and everything when the service runs unprivileged), is in
``docs/local-security.rst``.
"""

from modelarts.local.accounts import Credentials, read_credentials_file, write_credentials_file
from modelarts.local.app import App, DataDirInUse, ServiceConfig, default_data_dir
from modelarts.local.service import LocalService, MissingServerExtra, notebook_env
from modelarts.local.service_process import LocalServiceProcess

__all__ = [
    "App",
    "Credentials",
    "DataDirInUse",
    "LocalService",
    "LocalServiceProcess",
    "MissingServerExtra",
    "ServiceConfig",
    "default_data_dir",
    "notebook_env",
    "read_credentials_file",
    "write_credentials_file",
]
