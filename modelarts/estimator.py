"""``Estimator``: the documented ``modelarts.estimator`` training-job surface.

``from modelarts.estimator import Estimator`` is how every notebook starts.
An Estimator either describes a job to create (``fit``, ``create_job_version``)
or is bound to an existing job (``job_id=``, ``version_id=``) and forwards the
documented operations to it.  Class methods list jobs and the catalogues.

Returns are the documented dicts.  By default failures raise the typed
:mod:`modelarts.exceptions`; with ``Session(errors="return")`` they return
``{"is_success": False, "error_msg": …, "error_code": …}`` instead, so doc
samples that inspect the dict run unchanged.  Bad arguments always raise
``ValueError`` before any request.

Where the docs and SDK 1.1.7 disagree, the docs win: documented dicts (not a bare ``Exception``
or ``None`` from deletes), ``JobState`` codes 0–22, ``error_msg`` in failure dicts.  Where the docs
are silent, 1.1.7's wire behaviour is kept: ``get_job_log`` uses ``aom-log`` for every login;
``get_job_list`` sends only the arguments given (``order`` defaults to the service's ``asc``) and
accepts ``sortBy`` and ``sort_by`` alike.

Examples
--------
>>> estimator = Estimator(session, framework_type="PyTorch", framework_version="PyTorch-1.0.0-python3.6",
...                       code_dir="/bucket/src/", boot_file="/bucket/src/train.py",
...                       output_path="/bucket/output/", train_instance_type="modelarts.vm.cpu.2u",
...                       train_instance_count=1)                         # doctest: +SKIP
>>> job = estimator.fit(inputs="/bucket/data/train/", job_name="my_job")  # doctest: +SKIP
>>> Estimator.delete_job_by_id(modelarts_session=session, job_id=job.job_id, force=True)  # doctest: +SKIP
{'is_success': True}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional

from modelarts import _api, rules
from modelarts._validate import (
    Checked, check_data_source, check_description, check_flag, check_flavor, check_hyperparameters, check_id, check_int,
    check_job_name, check_name_prefix, check_obs_path, check_session, check_str, kept, optional, random_job_name,
)  # fmt: skip

if TYPE_CHECKING:
    from modelarts import _lifecycle
    from modelarts.job import TrainingJob

__all__ = ["Estimator", "TrainingJob"]

#: What a create request is built from (with ``hyperparameters``): no other attribute reaches the wire.
_REQUEST_FIELDS = (
    "train_instance_count", "train_instance_type", "output_path", "code_dir", "boot_file", "log_url", "framework_type",
    "framework_version", "model_name", "user_image_url", "user_command", "pool_id", "nas_type", "nas_share_addr",
    "nas_mount_path", "create_version",
)  # fmt: skip


def __getattr__(name: str) -> Any:
    """``TrainingJob``, re-exported here as in SDK 1.1.x, loads with its first use (PEP 562):
    the job lifecycle stays out of a notebook's first cell."""
    if name == "TrainingJob":
        from modelarts.job import TrainingJob

        return TrainingJob
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Estimator:
    """A training job description, or a handle on an existing job.

    Parameters
    ----------
    modelarts_session:
        The :class:`~modelarts.session.Session` (first positional argument).
    train_instance_count:
        Number of workers (``worker_server_num``).
    train_instance_type:
        Flavor code such as ``'modelarts.vm.cpu.2u'`` (looked up to a ``spec_id``),
        or an ``int`` ``spec_id``.
    output_path, code_dir, boot_file, log_url:
        OBS paths in the v1 form ``/bucket/dir/`` (``obs://`` is accepted).
    hyperparameters:
        ``[{"label": "lr", "value": "0.001"}, ...]``; passed as ``--label=value``.
    framework_type, framework_version:
        AI engine name and version (looked up to an ``engine_id``).
    model_name:
        A built-in algorithm instead of code and framework.
    job_description:
        Description of the created job (0–256 characters).
    user_image_url, user_command:
        Custom image and its boot command.
    job_id, version_id:
        Bind the Estimator to an existing job (and version).
    config_name, pool_id, nas_type, nas_share_addr, nas_mount_path, create_version, base_job_name,
    job_type, config_path, autosearch_path, environment:
        Accepted as SDK 1.1.7 does; ``pool_id``, ``nas_*`` and ``create_version`` are sent in
        ``config``; ``base_job_name`` prefixes random job names; the rest are kept unused.

    Examples
    --------
    >>> Estimator(session, job_id="182626", version_id="278813").get_job_info()  # doctest: +SKIP
    """

    # The arguments and their checks, in signature order; each also checks a later assignment.
    train_instance_count = Checked(optional(lambda value, name: check_int(value, name, 1)))
    train_instance_type = Checked(check_flavor)
    output_path = Checked(check_obs_path)
    code_dir = Checked(check_obs_path)
    boot_file = Checked(check_obs_path)
    hyperparameters = Checked(lambda value, name: check_hyperparameters(value))
    log_url = Checked(check_obs_path)
    framework_type = Checked(check_str)
    framework_version = Checked(check_str)
    model_name = Checked(check_str)
    job_description = Checked(check_description)
    user_image_url = Checked(check_str)
    user_command = Checked(lambda value, name: check_str(value, name, rules.CONFIG_TEXT_MAX))
    job_id = Checked(optional(check_id))
    version_id = Checked(optional(check_id))
    config_name = Checked(kept)
    pool_id = Checked(check_str)
    nas_type = Checked(check_str)
    nas_share_addr = Checked(check_str)
    nas_mount_path = Checked(check_str)
    create_version = Checked(check_flag)
    base_job_name = Checked(check_name_prefix)
    job_type = Checked(kept)
    config_path = Checked(kept)
    autosearch_path = Checked(kept)
    environment = Checked(kept)

    def __init__(
        self,
        modelarts_session: Any,
        *,
        train_instance_count: Optional[int] = None,
        train_instance_type: Any = None,
        output_path: Optional[str] = None,
        code_dir: Optional[str] = None,
        boot_file: Optional[str] = None,
        hyperparameters: Optional[List[Dict[str, Any]]] = None,
        log_url: Optional[str] = None,
        framework_type: Optional[str] = None,
        framework_version: Optional[str] = None,
        model_name: Optional[str] = None,
        job_description: Optional[str] = None,
        user_image_url: Optional[str] = None,
        user_command: Optional[str] = None,
        job_id: Any = None,
        version_id: Any = None,
        config_name: Optional[str] = None,
        pool_id: Optional[str] = None,
        nas_type: Optional[str] = None,
        nas_share_addr: Optional[str] = None,
        nas_mount_path: Optional[str] = None,
        create_version: Optional[bool] = None,
        base_job_name: Optional[str] = None,
        job_type: Optional[str] = None,
        config_path: Optional[str] = None,
        autosearch_path: Optional[str] = None,
        environment: Any = None,
    ) -> None:
        arguments = locals()
        self.modelarts_session = check_session(modelarts_session)
        for name, field in vars(Estimator).items():
            if isinstance(field, Checked):
                setattr(self, name, arguments[name])

    @property
    def session(self) -> Any:
        """Alias of ``modelarts_session``."""
        return self.modelarts_session

    def __repr__(self) -> str:
        bound = f"job_id={self.job_id!r}, version_id={self.version_id!r}, " if self.job_id else ""
        kind = f"train_instance_type={self.train_instance_type!r}, framework_type={self.framework_type!r}"
        return f"Estimator({bound}{kind})"

    # -- creating jobs ----------------------------------------------------------------------
    def _params(self) -> Dict[str, Any]:
        """Check that the Estimator can create a job; its arguments by name."""
        params = {name: getattr(self, name) for name in _REQUEST_FIELDS}
        if self.train_instance_type == "local":
            raise NotImplementedError(
                "train_instance_type='local' (SDK local training) is not supported; "
                "run modelarts.local.LocalService and point the Session at it instead"
            )
        missing = [n for n in ("train_instance_count", "output_path") if params[n] is None]
        if self.train_instance_type is None and self.pool_id is None:
            missing.append("train_instance_type")
        if missing:
            raise ValueError(f"creating a job needs {', '.join(missing)} on the Estimator")
        if not (self.model_name or self.user_image_url or (self.code_dir and self.boot_file)):
            raise ValueError("creating a job needs code_dir= and boot_file=, model_name=, or user_image_url=")
        if self.code_dir and self.boot_file and not self.boot_file.startswith(self.code_dir.rstrip("/") + "/"):
            raise ValueError(f"boot_file {self.boot_file!r} must be inside code_dir {self.code_dir!r}")
        return params

    def _config(self, data: Dict[str, Any]) -> Dict[str, Any]:
        from modelarts import _config

        params = self._params()
        ids = _config.resolve_ids(self.modelarts_session, params)
        return _config.build_config(params, data, ids, self.hyperparameters)

    def fit(
        self,
        inputs: Optional[str] = None,
        wait: bool = False,
        job_name: Optional[str] = None,
        dataset_id: Optional[str] = None,
        dataset_version_id: Optional[str] = None,
        data_source: Any = None,
    ) -> Any:
        """Create a training job and return its :class:`TrainingJob`.

        Give exactly one data source: ``inputs`` (OBS path), ``dataset_id`` +
        ``dataset_version_id``, or ``data_source`` (list of the API's entries).
        ``job_name`` defaults to a random valid name.  ``wait=True`` blocks with
        progress and the job's log lines until it ends (a failed or stopped job
        is reported, not raised; check ``job.status``).

        Raises
        ------
        ValueError
            Bad data source, job name or Estimator arguments, before any request.
        """
        data = check_data_source(inputs, dataset_id, dataset_version_id, data_source)
        name = random_job_name(self.base_job_name or "job") if job_name is None else check_job_name(job_name)
        self._params()

        from modelarts.job import TrainingJob
        from modelarts.models import JobCreated

        def create() -> TrainingJob:
            body: Dict[str, Any] = {"job_name": name, "config": self._config(data)}
            if self.job_description is not None:
                body["job_desc"] = self.job_description
            created = JobCreated.from_api({"job_name": name, **_api.create_job(self.modelarts_session, body)})
            return TrainingJob.from_created(self.modelarts_session, created)

        job = _api.guarded(self.modelarts_session, create)
        if wait and isinstance(job, TrainingJob):
            job.follow()
        return job

    def create_job_version(
        self,
        job_id: Any = None,
        pre_version_id: Any = None,
        inputs: Optional[str] = None,
        dataset_id: Optional[str] = None,
        dataset_version_id: Optional[str] = None,
        data_source: Any = None,
        wait: bool = False,
        job_desc: Optional[str] = None,
    ) -> Any:
        """Create a new version of ``job_id`` from this Estimator's arguments (page modelarts_04_0168).

        ``job_id``/``pre_version_id`` default to the bound ones.  Returns the new
        version's :class:`TrainingJob`.
        """
        job_id = job_id if job_id is not None else self.job_id
        pre_version_id = pre_version_id if pre_version_id is not None else self.version_id
        if job_id is None or pre_version_id is None:
            raise ValueError("create_job_version needs job_id= and pre_version_id=")
        job_id, pre = check_id(job_id, "job_id"), check_id(pre_version_id, "pre_version_id")
        data = check_data_source(inputs, dataset_id, dataset_version_id, data_source)
        check_description(job_desc, "job_desc")
        self._params()
        from modelarts.job import TrainingJob

        return TrainingJob._new_version(self.modelarts_session, job_id, pre, lambda: self._config(data), job_desc, wait)

    # -- class methods ---------------------------------------------------------------------
    @classmethod
    def get_job_list(
        cls,
        modelarts_session: Any,
        status: Any = None,
        per_page: Optional[int] = None,
        page: Optional[int] = None,
        sortBy: Optional[str] = None,  # noqa: N803 - documented spelling (AK/SK sessions)
        order: Optional[str] = None,
        search_content: Optional[str] = None,
        *,
        sort_by: Optional[str] = None,
    ) -> Dict[str, Any]:
        """List jobs: ``is_success, job_total_count, job_count_limit, quotas, jobs[]``.

        ``sortBy`` and ``sort_by`` are the same (both documented spellings).
        Unset arguments are not sent, so the service's defaults apply
        (``per_page=10``, ``page=1``, ``order="asc"``, as SDK 1.1.7 behaves).
        Each ``jobs[i]`` reads as a dict and by attribute (``jobs[0].job_id``).

        >>> Estimator.get_job_list(modelarts_session=session, status=8, per_page=10, page=1,
        ...                        order="asc", search_content="job")      # doctest: +SKIP
        """
        from modelarts import _lifecycle

        return _lifecycle.list_jobs(modelarts_session, status, per_page, page, sortBy, order, search_content,
                                    sort_by=sort_by)  # fmt: skip

    @classmethod
    def delete_job_by_id(
        cls,
        modelarts_session: Any,
        job_id: Any,
        force: bool = False,
        missing_ok: bool = False,
        *,
        timeout: Optional[float] = None,
    ) -> Dict[str, Any]:
        """Delete a job by id (page modelarts_04_0166); see :meth:`TrainingJob.delete_job`."""
        from modelarts import _lifecycle

        session = check_session(modelarts_session)
        job = _lifecycle.Job(session, job_id)
        return job.delete_job(force=force, missing_ok=missing_ok, timeout=timeout)

    @classmethod
    def get_train_instance_types(cls, modelarts_session: Any) -> Any:
        """The flavor codes usable as ``train_instance_type``, e.g. ``['modelarts.vm.cpu.2u']``."""
        session = check_session(modelarts_session)
        specs = lambda: _api.resource_specs(session).get("specs") or []  # noqa: E731
        return _api.guarded(session, lambda: [s.get("spec_code") for s in specs()])

    @classmethod
    def get_framework_list(cls, modelarts_session: Any) -> Any:
        """``[{"framework_type": ..., "framework_version": ...}, ...]`` (page modelarts_04_0192)."""
        session = check_session(modelarts_session)

        def engines() -> List[Dict[str, Any]]:
            found = _api.ai_engines(session).get("engines") or ()
            return [
                {"framework_type": e.get("engine_name"), "framework_version": e.get("engine_version")} for e in found
            ]

        return _api.guarded(session, engines)

    @classmethod
    def get_built_in_algorithms(cls, modelarts_session: Any) -> Dict[str, Any]:
        """``is_success, model_total_count, models[]`` (page modelarts_04_0190)."""
        session = check_session(modelarts_session)
        return _api.guarded(session, _api.built_in_algorithms, session)

    # -- operations on the bound job -----------------------------------------------------------
    def _job(self) -> _lifecycle.Job:
        if self.job_id is None:
            raise ValueError("this Estimator is not bound to a job: create it with job_id=")
        from modelarts import _lifecycle

        return _lifecycle.Job(self.modelarts_session, self.job_id)

    def _version(self) -> TrainingJob:
        if self.job_id is None or self.version_id is None:
            raise ValueError("this Estimator is not bound to a job version: create it with job_id= and version_id=")
        from modelarts.job import TrainingJob

        return TrainingJob(self.modelarts_session, self.job_id, self.version_id)

    def get_job_info(self) -> Dict[str, Any]:
        """The bound version's details; see :meth:`TrainingJob.get_job_info`."""
        return self._version().get_job_info()

    def get_job_log_file_list(self) -> Dict[str, Any]:
        """The bound version's log file names; see :meth:`TrainingJob.get_job_log_file_list`."""
        return self._version().get_job_log_file_list()

    def get_job_log(self, log_file: str, start_byte: int = 0, offset: int = 2048, **aom: Any) -> Dict[str, Any]:
        """A slice of a log file; see :meth:`TrainingJob.get_job_log`."""
        return self._version().get_job_log(log_file, start_byte, offset, **aom)

    def stop_job_version(self) -> Dict[str, Any]:
        """Stop the bound version (a no-op once it has ended); see :meth:`TrainingJob.stop`."""
        return self._version().stop()

    def delete_job_version(self) -> Dict[str, Any]:
        """Delete the bound version."""
        return self._version().delete_job_version()

    def update_job_description(self, description: str) -> Dict[str, Any]:
        """Set the bound job's description."""
        return self._job().update_job_description(description=description)

    def get_job_version_info(self) -> Dict[str, Any]:
        """The bound job and its versions."""
        return self._job().get_job_version_info()

    def get_job_version_object_list(self, is_show: bool = True) -> Any:
        """The bound job's versions as :class:`TrainingJob` objects."""
        from modelarts.job import TrainingJob

        job = self._job()
        return TrainingJob._versions_of(job.session, job.job_id, is_show=is_show)

    def delete_job(self, force: bool = False, missing_ok: bool = False, **kwargs: Any) -> Dict[str, Any]:
        """Delete the bound job; see :meth:`TrainingJob.delete_job`."""
        return self._job().delete_job(force=force, missing_ok=missing_ok, **kwargs)
