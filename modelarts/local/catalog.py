"""The fixed catalogue: resource flavors, AI engines and built-in algorithms.

Field names and types follow the API pages (modelarts_03_0072, 03_0073,
03_0056).  Locally every flavor and engine runs the boot file with the
service's own Python; the values only shape what the API reports (and
``max_num`` bounds ``worker_server_num``).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

__all__ = ["ALGORITHMS", "ENGINES", "SPECS", "algorithm", "engine", "spec"]

SPECS: List[Dict[str, Any]] = [
    {
        "spec_id": 1,
        "core": "2",
        "cpu": "8",
        "gpu_num": 0,
        "gpu_type": "",
        "spec_code": "modelarts.vm.cpu.2u",
        "unit_num": 1,
        "max_num": 4,
        "storage": "",
        "interface_type": 1,
        "no_resource": False,
    },
    {
        "spec_id": 2,
        "core": "8",
        "cpu": "32",
        "gpu_num": 0,
        "gpu_type": "",
        "spec_code": "modelarts.vm.cpu.8u",
        "unit_num": 1,
        "max_num": 4,
        "storage": "",
        "interface_type": 1,
        "no_resource": False,
    },
    {
        "spec_id": 3,
        "core": "8",
        "cpu": "64",
        "gpu_num": 1,
        "gpu_type": "v100",
        "spec_code": "modelarts.vm.gpu.v100",
        "unit_num": 1,
        "max_num": 2,
        "storage": "800",
        "interface_type": 1,
        "no_resource": False,
    },
    {
        "spec_id": 4,
        "core": "2",
        "cpu": "8",
        "gpu_num": 0,
        "gpu_type": "",
        "spec_code": "modelarts.vm.gpu.free",
        "unit_num": 1,
        "max_num": 1,
        "storage": "",
        "interface_type": 1,
        "no_resource": False,
    },
]

ENGINES: List[Dict[str, Any]] = [
    {"engine_type": 1, "engine_name": "TensorFlow", "engine_id": 1, "engine_version": "TF-1.13.1-python3.6"},
    {"engine_type": 1, "engine_name": "TensorFlow", "engine_id": 2, "engine_version": "TF-2.1.0-python3.6"},
    {"engine_type": 2, "engine_name": "MXNet", "engine_id": 501, "engine_version": "MXNet-1.2.1-python3.6"},
    {"engine_type": 6, "engine_name": "PyTorch", "engine_id": 121, "engine_version": "PyTorch-1.0.0-python3.6"},
    {"engine_type": 6, "engine_name": "PyTorch", "engine_id": 122, "engine_version": "PyTorch-1.4.0-python3.6"},
    {"engine_type": 9, "engine_name": "Ascend-Powered-Engine", "engine_id": 130, "engine_version": "MindSpore-1.3.0-python3.7"},
]


def _params(*pairs: "tuple[str, str]") -> str:
    return json.dumps([{"label": label, "value": value, "required": True} for label, value in pairs])


ALGORITHMS: List[Dict[str, Any]] = [
    {
        "model_id": 4,
        "model_name": "ResNet_v2_50",
        "model_usage": 1,
        "model_precision": "75.55%(top1), 92.6%(top5)",
        "model_size": 102503801,
        "model_train_dataset": "ImageNet, 1,000 classes for image classification",
        "model_dataset_format": "shape: [H>=32, W>=32, C>=1]; type: int8",
        "model_description_url": "",
        "parameter": _params(("batch_size", "4"), ("lr", "0.0001"), ("num_epoch", "10")),
        "create_time": 1522218780025,
        "engine_id": 501,
        "engine_name": "MXNet",
        "engine_version": "MXNet-1.2.1-python3.6",
    },
    {
        "model_id": 5,
        "model_name": "Faster_RCNN_ResNet_v2_101",
        "model_usage": 2,
        "model_precision": "80.05%(mAP)",
        "model_size": 190936449,
        "model_train_dataset": "PASCAL VOC2007, 20 classes for object detection",
        "model_dataset_format": "shape: [H, W, C==3]; type: int8",
        "model_description_url": "",
        "parameter": _params(("lr", "0.0001"), ("mom", "0.9"), ("wd", "0.0005")),
        "create_time": 1525313224596,
        "engine_id": 501,
        "engine_name": "MXNet",
        "engine_version": "MXNet-1.2.1-python3.6",
    },
    {
        "model_id": 7,
        "model_name": "BERT_base_chinese",
        "model_usage": 4,
        "model_precision": "94.2%(accuracy)",
        "model_size": 411578458,
        "model_train_dataset": "Chinese text classification",
        "model_dataset_format": "text, one sample per line",
        "model_description_url": "",
        "parameter": _params(("batch_size", "32"), ("lr", "0.00002"), ("num_epoch", "3")),
        "create_time": 1560918780025,
        "engine_id": 1,
        "engine_name": "TensorFlow",
        "engine_version": "TF-1.13.1-python3.6",
    },
]


def _find(items: List[Dict[str, Any]], key: str, value: Any) -> Optional[Dict[str, Any]]:
    return next((item for item in items if item[key] == value), None)


def spec(spec_id: int) -> Optional[Dict[str, Any]]:
    return _find(SPECS, "spec_id", spec_id)


def engine(engine_id: int) -> Optional[Dict[str, Any]]:
    return _find(ENGINES, "engine_id", engine_id)


def algorithm(model_id: int) -> Optional[Dict[str, Any]]:
    return _find(ALGORITHMS, "model_id", model_id)
