"""Checking a v2 create-training-job body and turning it into a runnable config.

The body is the API's ``Job`` object (page "Creating a Training Job"):
``kind``, ``metadata`` (``name``, ``description``, ``workspace_id``,
``annotations``), ``algorithm`` (``code_dir`` + ``boot_file`` with an
``engine``, or ``engine.image_url`` + ``command``; ``parameters``, ``inputs``,
``outputs``, ``environments``, ``working_dir``, ``local_code_dir``) and
``spec`` (``resource.flavor_id``/``node_count``/``pool_id``,
``log_export_path.obs_url``).

:func:`parse_create` returns the normalised request (what the API echoes
back) and the job engine's config, the same one v1 jobs run with: the code
directory and boot file, one ``--name=value`` argument per parameter, and one
``--<input or output name>=<local directory>`` per input and output, the
``obs://bucket/key`` paths mapped onto the local OBS directory.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from modelarts import rules
from modelarts.local import catalog
from modelarts.local.errors import V1Error
from modelarts.local.obs import ObsPathError, local_path
from modelarts.local.v2_errors import V2InvalidArgument, V2ParameterError, from_v1
from modelarts.local.validation import integer, text

__all__ = ["engine_of", "flavor_of", "job_urls", "parse_create"]

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


def _object(value: Any, name: str, required: bool = False) -> Mapping[str, Any]:
    if value is None and not required:
        return {}
    if not isinstance(value, Mapping):
        raise V2InvalidArgument(f"{name} must be an object")
    return value


def _list(value: Any, name: str) -> List[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise V2InvalidArgument(f"{name} must be an array")
    return value


def _obs_url(value: Any, name: str) -> str:
    url = text(value, name, rules.OBS_URL_MAX)
    if not url.lower().startswith("obs://"):
        raise V2ParameterError(f"{name} must be an OBS path like obs://bucket/dir/, got {url[:80]!r}")
    return url


def engine_of(engine: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    """The catalogue engine an ``engine`` object names (by id, or by name and version)."""
    engine_id = engine.get("engine_id")
    if engine_id not in (None, ""):
        return next((item for item in catalog.ENGINES if str(item["engine_id"]) == str(engine_id)), None)
    name, version = engine.get("engine_name"), engine.get("engine_version")
    for item in catalog.ENGINES:
        if item["engine_name"] == name and (version in (None, "") or item["engine_version"] == version):
            return item
    return None


def flavor_of(flavor_id: str) -> Optional[Dict[str, Any]]:
    """The catalogue flavor whose code is ``flavor_id``."""
    return next((item for item in catalog.SPECS if item["spec_code"] == flavor_id), None)


def _named(item: Any, where: str, kind: str, seen: Dict[str, str]) -> Tuple[Mapping[str, Any], str]:
    """An input, output or parameter entry at ``where`` and its name: a ``--name=value``
    argument of the boot file, so well-formed and used once across all three lists."""
    entry = _object(item, where, required=True)
    name = text(entry.get("name"), f"{where}.name", rules.SHORT_TEXT_MAX)
    if not rules.V2_IO_NAME.fullmatch(name):
        raise V2ParameterError(f"{kind} name {name!r} must be letters, digits, '_', '-' or '.'")
    if name in seen:
        raise V2ParameterError(f"{name!r} is used twice (as {seen[name]} and as {kind})")
    seen[name] = kind
    return entry, name


def _io(items: List[Any], kind: str, seen: Dict[str, str]) -> List[Dict[str, Any]]:
    result = []
    for index, raw in enumerate(items):
        item, name = _named(raw, f"algorithm.{kind}[{index}]", kind, seen)
        remote = _object(item.get("remote"), f"{kind} {name}.remote", required=True)
        if "dataset" in remote and remote["dataset"] is not None:
            raise V2ParameterError(f"{kind} {name}: datasets are not available locally; use remote.obs")
        obs = _object(remote.get("obs"), f"{kind} {name}.remote.obs", required=True)
        result.append({
            "name": name,
            "description": text(item.get("description"), "description", rules.DESCRIPTION_MAX, default=""),
            "local_dir": text(item.get("local_dir"), "local_dir", rules.TEXT_MAX, default=""),
            "access_method": text(item.get("access_method"), "access_method", 32, default="parameter"),
            "remote": {"obs": {"obs_url": _obs_url(obs.get("obs_url"), f"{kind} {name}.remote.obs.obs_url")}},
        })  # fmt: skip
    return result


def _parameters(items: List[Any], seen: Dict[str, str]) -> List[Dict[str, str]]:
    result = []
    for index, raw in enumerate(items):
        item, name = _named(raw, f"algorithm.parameters[{index}]", "parameter", seen)
        value = item.get("value", "")
        if isinstance(value, (dict, list)) or value is None:
            raise V2InvalidArgument(f"parameter {name!r} needs a string value")
        value = str(value).lower() if isinstance(value, bool) else str(value)
        result.append({"name": name, "value": value, "description": text(item.get("description"), "description", rules.DESCRIPTION_MAX, default="")})
    return result


def _environments(value: Any) -> Dict[str, str]:
    env = _object(value, "algorithm.environments")
    for key, item in env.items():
        if not _ENV_NAME.fullmatch(str(key)) or not isinstance(item, str):
            raise V2ParameterError(f"environment variable {key!r} needs a valid name and a string value")
    return dict(env)


def _checked(root: Path, url: str) -> str:
    """``url`` itself, once it is known to map safely into the local OBS directory."""
    try:
        local_path(root, url)
    except ObsPathError as err:
        raise V2ParameterError(str(err)) from None
    return url


def job_urls(body: Any) -> List[Any]:
    """The OBS paths a v2 create body names (code, boot file, inputs, outputs, log export); malformed
    parts are skipped (:func:`parse_create` reports them)."""
    if not isinstance(body, Mapping):
        return []
    algorithm, spec = body.get("algorithm"), body.get("spec")
    urls: List[Any] = []
    if isinstance(algorithm, Mapping):
        urls += [algorithm.get("code_dir"), algorithm.get("boot_file")]
        for kind in ("inputs", "outputs"):
            items = algorithm.get(kind)
            for item in items if isinstance(items, list) else []:
                remote = item.get("remote") if isinstance(item, Mapping) else None
                obs = remote.get("obs") if isinstance(remote, Mapping) else None
                if isinstance(obs, Mapping):
                    urls.append(obs.get("obs_url"))
    log_export = spec.get("log_export_path") if isinstance(spec, Mapping) else None
    if isinstance(log_export, Mapping):
        urls.append(log_export.get("obs_url"))
    return urls


def parse_create(body: Any, obs_root: Path) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """``(request, config)``: the normalised v2 request and the job engine's config."""
    try:
        return _parse(body, obs_root)
    except V1Error as err:  # the shared checks speak v1; answer in the v2 shape
        raise from_v1(err) from None


def _parse(body: Any, obs_root: Path) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    body = _object(body, "the request body", required=True)
    if body.get("kind", "job") != "job":
        raise V2ParameterError("kind must be 'job'")
    meta = _object(body.get("metadata"), "metadata", required=True)
    name = text(meta.get("name"), "metadata.name", rules.JOB_NAME_MAX)
    if not rules.JOB_NAME.fullmatch(name):
        raise V2ParameterError("metadata.name must be 1-64 characters of letters, digits, '_' and '-'")
    annotations = _object(meta.get("annotations"), "metadata.annotations")
    algorithm = _object(body.get("algorithm"), "algorithm", required=True)
    engine = _object(algorithm.get("engine"), "algorithm.engine")
    seen: Dict[str, str] = {}
    request: Dict[str, Any] = {
        "kind": "job",
        "metadata": {
            "name": name,
            "description": text(meta.get("description"), "metadata.description", rules.DESCRIPTION_MAX, default=""),
            "workspace_id": text(meta.get("workspace_id"), "metadata.workspace_id", rules.SHORT_TEXT_MAX, default="0"),
            "annotations": {str(k): str(v) for k, v in annotations.items()},
        },
        "algorithm": {
            "code_dir": "", "boot_file": "", "command": text(algorithm.get("command"), "algorithm.command", rules.CONFIG_TEXT_MAX, default=""),
            "parameters": _parameters(_list(algorithm.get("parameters"), "algorithm.parameters"), seen),
            "inputs": _io(_list(algorithm.get("inputs"), "algorithm.inputs"), "inputs", seen),
            "outputs": _io(_list(algorithm.get("outputs"), "algorithm.outputs"), "outputs", seen),
            "environments": _environments(algorithm.get("environments")),
            "working_dir": text(algorithm.get("working_dir"), "algorithm.working_dir", rules.TEXT_MAX, default=""),
            "local_code_dir": text(algorithm.get("local_code_dir"), "algorithm.local_code_dir", rules.TEXT_MAX, default=""),
        },
    }  # fmt: skip
    alg = request["algorithm"]
    image = text(engine.get("image_url"), "algorithm.engine.image_url", rules.TEXT_MAX, default="")
    found = None if image else engine_of(engine)
    if not image and found is None:
        raise V2ParameterError("algorithm.engine must name an engine of GET /v2/{project_id}/training-job-engines, or give image_url")
    alg["engine"] = {
        "engine_id": str(found["engine_id"]) if found else "",
        "engine_name": found["engine_name"] if found else "",
        "engine_version": found["engine_version"] if found else "",
        "image_url": image,
    }
    if algorithm.get("code_dir") is not None:
        alg["code_dir"] = _obs_url(algorithm["code_dir"], "algorithm.code_dir")
        if not alg["code_dir"].endswith("/"):
            alg["code_dir"] += "/"
    boot = text(algorithm.get("boot_file"), "algorithm.boot_file", rules.TEXT_MAX, default="")
    if boot:
        alg["boot_file"] = boot if boot.lower().startswith("obs://") else alg["code_dir"] + boot.lstrip("/")
        if not alg["code_dir"]:
            raise V2InvalidArgument("algorithm.code_dir is required with algorithm.boot_file")
    if image and not alg["command"]:
        raise V2InvalidArgument("algorithm.command is required with algorithm.engine.image_url")
    if not image and not alg["boot_file"]:
        raise V2InvalidArgument("algorithm.code_dir and algorithm.boot_file are required")
    spec = _object(body.get("spec"), "spec", required=True)
    resource = _object(spec.get("resource"), "spec.resource", required=True)
    flavor_id = text(resource.get("flavor_id"), "spec.resource.flavor_id", rules.FLAVOR_ID_MAX, default="")
    pool_id = text(resource.get("pool_id"), "spec.resource.pool_id", rules.FLAVOR_ID_MAX, default="")
    flavor = flavor_of(flavor_id) if flavor_id else None
    if flavor_id and flavor is None:
        raise V2ParameterError(f"unknown flavor_id {flavor_id!r}: see GET /v2/{{project_id}}/training-job-flavors")
    if flavor is None and not pool_id:
        raise V2InvalidArgument("spec.resource.flavor_id (or pool_id) is required")
    log_export = _object(spec.get("log_export_path"), "spec.log_export_path")
    log_url = _obs_url(log_export["obs_url"], "spec.log_export_path.obs_url") if log_export.get("obs_url") else ""
    request["spec"] = {
        "resource": {"flavor_id": flavor_id, "node_count": integer(resource.get("node_count"), "node_count", 1, rules.LOCAL_MAX_WORKERS, default=1), "pool_id": pool_id},
        "log_export_path": {"obs_url": log_url},
    }  # fmt: skip
    args = [{"label": p["name"], "value": p["value"]} for p in alg["parameters"]]
    # Staged in before the job starts / copied back after it ends, each reaching it as --<name>=<local dir>.
    inputs, outputs = ([{"name": item["name"], "url": _checked(obs_root, item["remote"]["obs"]["obs_url"])}
                        for item in alg[kind]] for kind in ("inputs", "outputs"))  # fmt: skip
    if alg["boot_file"] and not alg["boot_file"].startswith(alg["code_dir"]):
        raise V2ParameterError("algorithm.boot_file must be inside algorithm.code_dir")
    config: Dict[str, Any] = {
        "worker_server_num": request["spec"]["resource"]["node_count"],
        "app_url": "" if image else alg["code_dir"], "boot_file_url": "" if image else alg["boot_file"],
        "user_image_url": image, "user_command": alg["command"] if image else "",
        "parameter": args, "log_url": log_url, "engine_id": int(found["engine_id"]) if found else 0,
        "spec_id": flavor["spec_id"] if flavor else None, "pool_id": pool_id, "model_id": None,
        "data_url": "", "train_url": "", "dataset_id": "", "dataset_version_id": "", "data_source": [],
        "create_version": False, "volumes": [], "inputs": inputs, "outputs": outputs,
    }  # fmt: skip
    if flavor is not None and config["worker_server_num"] > flavor["max_num"]:
        raise V2ParameterError(f"node_count must be at most {flavor['max_num']} for {flavor_id}")
    config["environments"] = alg["environments"]
    return request, config
