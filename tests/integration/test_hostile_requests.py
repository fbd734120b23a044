"""Hostile requests the gateway must refuse, and official-SDK requests it must accept."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Dict

import requests

from modelarts import signer
from signing import base_headers, sign_headers


def _signed_create(helpers: Any, api: Any, bucket: Any) -> Dict[str, Any]:
    """A correctly signed create-job request, as (url, headers, body)."""
    script = bucket.write("src/echo.py", "print('hello')\n")
    body = json.dumps(
        {
            "job_name": helpers.unique("replay"),
            "config": {
                "worker_server_num": 1,
                "app_url": bucket.url("src/"),
                "boot_file_url": script,
                "data_url": bucket.url("data/"),
                "train_url": bucket.url("out/"),
                "spec_id": 1,
                "engine_id": 1,
            },
        }
    ).encode()
    url = api.url("/v1/{project_id}/training-jobs")
    headers = sign_headers("POST", url, api.credentials.access_key, api.credentials.secret_key,
                           headers=base_headers(api.credentials), body=body)
    return {"url": url, "headers": headers, "body": body}


def test_unsigned_content_sha256_cannot_carry_a_swapped_body(helpers: Any, api: Any, bucket: Any) -> None:
    captured = _signed_create(helpers, api, bucket)
    evil = json.loads(captured["body"])
    evil["job_name"] = helpers.unique("evil")
    evil = json.dumps(evil).encode()
    headers = dict(captured["headers"], **{"X-Sdk-Content-Sha256": hashlib.sha256(captured["body"]).hexdigest()})
    response = requests.post(captured["url"], data=evil, headers=headers, timeout=30)
    assert response.status_code == 401, response.text
    assert response.json()["error_code"] == "APIGW.0301"
    # The untouched request is still accepted: the refusal is about the swap.
    ok = requests.post(captured["url"], data=captured["body"], headers=captured["headers"], timeout=30)
    assert ok.status_code == 200, ok.text


def test_signed_unsigned_payload_is_refused_for_a_body(helpers: Any, api: Any, bucket: Any) -> None:
    body = json.dumps({"job_name": helpers.unique("unsigned"), "config": {}}).encode()
    url = api.url("/v1/{project_id}/training-jobs")
    headers = sign_headers("POST", url, api.credentials.access_key, api.credentials.secret_key, body=body,
                           headers={"Content-Type": "application/json", "X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"})
    assert "x-sdk-content-sha256" in headers["Authorization"]
    response = requests.post(url, data=body, headers=headers, timeout=30)
    assert response.status_code == 401, response.text


def test_repeated_integer_query_values_signed_in_numeric_order_are_accepted(api: Any) -> None:
    # huaweicloudsdkcore sorts list values natively: [9, 10] signs (and is sent) as a=9&a=10.
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    request = SdkRequest(method="GET", schema="http", host="h", resource_path="/p", query_params=[("a", [10, 9])])
    assert Signer.process_canonical_query_string(request) == "a=9&a=10"
    url = api.url("/v1/{project_id}/training-jobs") + "?a=9&a=10&per_page=10"
    headers = {"Content-Type": "application/json", "X-Project-Id": api.project_id}
    creq_query = "a=9&a=10&per_page=10"
    names = signer.signed_header_names(dict(headers, Host=url.split("/")[2], **{"X-Sdk-Date": "x"}))
    added = {"Host": url.split("/")[2], "X-Sdk-Date": signer.format_date(__import__("datetime").datetime.utcnow())}
    merged = dict(headers, **added)
    creq = "\n".join(
        ["GET", signer.canonical_uri(url.split("?")[0].split(url.split("/")[2], 1)[1]), creq_query,
         signer.canonical_headers(merged, names), ";".join(names), signer.EMPTY_SHA256]
    )
    sig = signer.signature(api.credentials.secret_key, signer.string_to_sign(creq, added["X-Sdk-Date"]))
    merged["Authorization"] = signer.authorization(api.credentials.access_key, names, sig)
    response = requests.get(url, headers=merged, timeout=30)
    assert response.status_code == 200, response.text
