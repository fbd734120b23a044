"""``modelarts.estimatorV2.Estimator``: training jobs through the v2 API.

As on the SDK pages "Creating a Training Job", "Querying the List of Training
Jobs", "Terminating a Training Job" and "Deleting a Training Job" of the
estimatorV2 reference (modelarts_04_0420 ff.)::

    from modelarts.session import Session
    from modelarts.estimatorV2 import Estimator
    from modelarts.train_params import TrainingFiles, InputData, OutputData

    estimator = Estimator(
        session=session,
        training_files=TrainingFiles(code_dir="obs://bucket/src/", boot_file="train.py"),
        outputs=[OutputData(obs_path="obs://bucket/output/", name="train_url")],
        parameters=[{"name": "epochs", "value": "3"}],
        framework_type="PyTorch", framework_version="PyTorch-1.4.0-python3.6",
        train_instance_type="modelarts.vm.cpu.2u", train_instance_count=1,
    )
    job_instance = estimator.fit(inputs=[InputData(obs_path="obs://bucket/data/", name="data_url")],
                                 job_name="my-job")
    job_instance.control_job()      # terminate: the job object, status.phase
    job_instance.delete_job()       # None: the delete has no success payload

Failures raise the typed :mod:`modelarts.exceptions`; with
``Session(errors="return")`` they return ``{"is_success": False, "error_msg",
"error_code", "error_solution"}``.  Bad arguments raise ``ValueError`` before
any request.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

from modelarts import _api_v2, rules
from modelarts._validate import check_session
from modelarts.job_v2 import TrainingJobV2
from modelarts.train_params import InputData, OutputData, TrainingFiles

__all__ = ["Estimator", "EstimatorV2Backend"]


def _session(session: Any, modelarts_session: Any) -> Any:
    if session is not None and modelarts_session is not None and session is not modelarts_session:
        raise ValueError("give session= or modelarts_session=, not both")
    return check_session(session if session is not None else modelarts_session)


def _items(value: Any, cls: type, name: str) -> List[Any]:
    items = [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]
    for item in items:
        if not isinstance(item, cls):
            raise ValueError(f"{name} must be a list of {cls.__name__}, got {item!r}")
    return items


class Estimator:
    """Describes a v2 training job; :meth:`fit` creates it.  Class methods list,
    terminate and delete jobs by id."""

    def __init__(
        self,
        session: Any = None,
        training_files: Optional[TrainingFiles] = None,
        outputs: Optional[Sequence[OutputData]] = None,
        parameters: Optional[Sequence[Mapping[str, Any]]] = None,
        framework_type: Optional[str] = None,
        framework_version: Optional[str] = None,
        train_instance_type: Optional[str] = None,
        train_instance_count: int = 1,
        log_url: Optional[str] = None,
        env_variables: Optional[Mapping[str, str]] = None,
        working_dir: Optional[str] = None,
        job_description: Optional[str] = None,
        user_image_url: Optional[str] = None,
        user_command: Optional[str] = None,
        pool_id: Optional[str] = None,
        *,
        modelarts_session: Any = None,
    ) -> None:
        self.session = _session(session, modelarts_session)
        if training_files is not None and not isinstance(training_files, TrainingFiles):
            raise ValueError(f"training_files must be a TrainingFiles, got {training_files!r}")
        if training_files is None and not (user_image_url and user_command):
            raise ValueError("give training_files=TrainingFiles(code_dir=, boot_file=), or user_image_url and user_command")
        if user_image_url is None and not framework_type:
            raise ValueError("framework_type (and framework_version) is required without user_image_url")
        if not isinstance(train_instance_type, str) and not pool_id:
            raise ValueError("train_instance_type (a flavor id such as 'modelarts.vm.cpu.2u') is required")
        if isinstance(train_instance_count, bool) or not isinstance(train_instance_count, int) or train_instance_count < 1:
            raise ValueError(f"train_instance_count must be a positive int, got {train_instance_count!r}")
        if log_url is not None and not (isinstance(log_url, str) and log_url.startswith("obs://")):
            raise ValueError(f"log_url must be an OBS path like 'obs://bucket/log/', got {log_url!r}")
        self.training_files = training_files
        self.outputs = _items(outputs, OutputData, "outputs")
        self.parameters = [self._parameter(item) for item in parameters or []]
        self.env_variables = dict(env_variables or {})
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in self.env_variables.items()):
            raise ValueError("env_variables must map strings to strings")
        self.framework_type, self.framework_version = framework_type, framework_version
        self.train_instance_type, self.train_instance_count = train_instance_type, train_instance_count
        self.log_url, self.working_dir, self.job_description = log_url, working_dir, job_description
        self.user_image_url, self.user_command, self.pool_id = user_image_url, user_command, pool_id

    @staticmethod
    def _parameter(item: Any) -> Dict[str, str]:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) or "value" not in item:
            raise ValueError(f"each parameter must be {{'name': str, 'value': ...}}, got {item!r}")
        value = item["value"]
        return {"name": item["name"], "value": str(value).lower() if isinstance(value, bool) else str(value)}

    def __repr__(self) -> str:
        code = self.training_files.code_dir if self.training_files else self.user_image_url
        return f"Estimator(v2, code={code!r}, flavor={self.train_instance_type!r}, count={self.train_instance_count})"

    def _body(self, name: str, inputs: List[InputData]) -> Dict[str, Any]:
        algorithm: Dict[str, Any] = {
            "parameters": self.parameters,
            "inputs": [item.to_api() for item in inputs],
            "outputs": [item.to_api() for item in self.outputs],
            "environments": self.env_variables,
        }
        if self.training_files is not None:
            algorithm.update(code_dir=self.training_files.code_dir, boot_file=self.training_files.boot_file_url)
        if self.user_image_url:
            algorithm.update(engine={"image_url": self.user_image_url}, command=self.user_command or "")
        else:
            algorithm["engine"] = {"engine_name": self.framework_type, "engine_version": self.framework_version or ""}
        if self.working_dir:
            algorithm["working_dir"] = self.working_dir
        resource: Dict[str, Any] = {"node_count": self.train_instance_count}
        if self.train_instance_type:
            resource["flavor_id"] = self.train_instance_type
        if self.pool_id:
            resource["pool_id"] = self.pool_id
        spec: Dict[str, Any] = {"resource": resource}
        if self.log_url:
            spec["log_export_path"] = {"obs_url": self.log_url}
        metadata = {"name": name, "description": self.job_description or ""}
        return {"kind": "job", "metadata": metadata, "algorithm": algorithm, "spec": spec}

    def fit(self, inputs: Any = None, job_name: Optional[str] = None, wait: bool = False,
            timeout: Optional[float] = None) -> Any:  # fmt: skip
        """Create the job; return its :class:`~modelarts.job_v2.TrainingJobV2`.

        ``wait=True`` blocks until the job ends, with progress and the job's log
        lines (a failed or terminated job is returned, not raised: check
        ``job.status``/``job.phase``).
        """
        chosen = _items(inputs, InputData, "inputs")
        if not isinstance(job_name, str) or not rules.JOB_NAME.fullmatch(job_name):
            raise ValueError(f"job_name must be 1-64 letters, digits, '_' and '-', got {job_name!r}")
        body = self._body(job_name, chosen)

        def create() -> TrainingJobV2:
            answer = _api_v2.create_job(self.session, body)
            return TrainingJobV2(self.session, answer["metadata"]["id"], job_name, info=answer)

        job = _api_v2.guarded(self.session, create)
        if wait and isinstance(job, TrainingJobV2):
            job.follow(timeout)
        return job

    # -- class API ------------------------------------------------------------------
    @classmethod
    def get_job_list(
        cls, session: Any = None, offset: int = 0, limit: int = 10, sort_by: str = "create_time",
        order: str = "desc", group_by: Optional[str] = None, filters: Optional[Sequence[Mapping[str, Any]]] = None,
        *, modelarts_session: Any = None,
    ) -> Any:  # fmt: skip
        """``POST /v2/{project_id}/training-job-searches``: ``total``, ``count``, ``items`` …"""
        session = _session(session, modelarts_session)
        if not rules.V2_SEARCH_LIMIT.contains(limit):
            raise ValueError(f"limit must be an int from {rules.V2_SEARCH_LIMIT.low} to {rules.V2_SEARCH_LIMIT.high}, got {limit!r}")
        if not rules.V2_SEARCH_OFFSET.contains(offset):
            raise ValueError(f"offset must be an int from 0 to {rules.V2_SEARCH_OFFSET.high}, got {offset!r}")
        if sort_by not in rules.V2_SORT_KEYS:
            raise ValueError(f"sort_by must be one of {', '.join(rules.V2_SORT_KEYS)}, got {sort_by!r}")
        if order not in rules.ORDERS:
            raise ValueError(f"order must be 'asc' or 'desc', got {order!r}")
        body: Dict[str, Any] = {"offset": offset, "limit": limit, "sort_by": sort_by, "order": order}
        if group_by:
            body["group_by"] = group_by
        if filters:
            body["filters"] = [dict(item) for item in filters]
        return _api_v2.guarded(session, _api_v2.search_jobs, session, body)

    @classmethod
    def delete_job_by_id(cls, session: Any = None, job_id: Any = None, force: bool = False, missing_ok: bool = False,
                         *, modelarts_session: Any = None) -> Any:  # fmt: skip
        """Delete a job; ``None`` on success (see :meth:`TrainingJobV2.delete_job`)."""
        return TrainingJobV2(_session(session, modelarts_session), job_id).delete_job(force=force, missing_ok=missing_ok)

    @classmethod
    def control_job_by_id(cls, session: Any = None, job_id: Any = None, *, modelarts_session: Any = None) -> Any:
        """Terminate a job (idempotent); the job object, whose ``status.phase`` says where it is."""
        return TrainingJobV2(_session(session, modelarts_session), job_id).control_job()

    @classmethod
    def get_job_info_by_id(cls, session: Any = None, job_id: Any = None, *, modelarts_session: Any = None) -> Any:
        """The job object of ``job_id``."""
        return TrainingJobV2(_session(session, modelarts_session), job_id).get_job_info()

    @classmethod
    def get_train_instance_types(cls, session: Any = None, *, modelarts_session: Any = None) -> Any:
        """``GET /v2/{project_id}/training-job-flavors``."""
        session = _session(session, modelarts_session)
        return _api_v2.guarded(session, _api_v2.flavors, session)

    @classmethod
    def get_framework_list(cls, session: Any = None, *, modelarts_session: Any = None) -> Any:
        """``GET /v2/{project_id}/training-job-engines``."""
        session = _session(session, modelarts_session)
        return _api_v2.guarded(session, _api_v2.engines, session)


class EstimatorV2Backend:
    """What :class:`modelarts.widgets.JobList` calls, over the v2 API.

    ``JobList(session, backend=EstimatorV2Backend(session))`` lists v2 jobs with
    the same table, filters and buttons: the v2 answer is presented in the
    list's row shape (``job_id``, ``job_name``, ``status`` as a ``JobState``,
    ``create_time``, ``duration``, ``job_desc``), and the status filter and
    name search become v2 ``filters``.
    """

    _SORT = {"create_time": "create_time", "job_name": "name", "duration": "duration", "status": "phase"}

    def __init__(self, session: Any) -> None:
        self.session = check_session(session)

    def list_jobs(self, status: Any = None, per_page: int = 10, page: int = 1, sortBy: str = "create_time",  # noqa: N803
                  order: str = "desc", search_content: Optional[str] = None, **_: Any) -> Mapping[str, Any]:  # fmt: skip
        from modelarts.states import JobState, phase_of

        filters: List[Dict[str, Any]] = []
        if status is not None:
            phase, secondary = phase_of(JobState.parse(status))
            filters.append({"key": "secondary_phase", "operator": "eq", "value": [secondary]})
            filters.append({"key": "phase", "operator": "eq", "value": [phase]})
        if search_content:
            filters.append({"key": "name", "operator": "like", "value": [search_content]})
        answer = Estimator.get_job_list(self.session, offset=(page - 1) * per_page, limit=min(per_page, 50),
                                        sort_by=self._SORT.get(sortBy, "create_time"), order=order,
                                        filters=filters)  # fmt: skip
        if not isinstance(answer, Mapping) or answer.get("is_success") is False:
            return answer
        jobs = [TrainingJobV2(self.session, item["metadata"]["id"], info=item) for item in answer.get("items") or []]
        rows = [
            {"job_id": job.job_id, "version_id": "", "job_name": job.job_name, "status": job.status,
             "create_time": job.create_time, "duration": job.duration, "job_desc": item["metadata"].get("description", "")}
            for job, item in zip(jobs, answer.get("items") or [])
        ]  # fmt: skip
        return {"is_success": True, "job_total_count": answer.get("total", 0), "jobs": rows}

    def stop(self, job_id: Any, version_id: Any = None) -> Any:
        return Estimator.control_job_by_id(self.session, job_id)

    def delete(self, job_id: Any, force: bool) -> Any:
        return Estimator.delete_job_by_id(self.session, job_id, force=force)
