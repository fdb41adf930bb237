"""The loopback cloud store on its own, over HTTP: accounts apart, uploads deduplicated by content,
downloads byte for byte, and faults switched from another process through /v1/faults."""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request

import pytest

from pytest_phonebackup.virtual.cloud import CloudClient, CloudFaults, CloudStore


def put(store: CloudStore, account: str, path: str, data: bytes) -> int:
    request = urllib.request.Request(f"{store.url}/v1/accounts/{account}/items", data=data, method="PUT",
                                     headers={"X-Item-Path": urllib.request.quote(path), "X-Item-Mtime": "1714550400"})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def store():
    with CloudStore() as running:
        yield running


def test_accounts_are_apart_and_same_bytes_are_one_item(store):
    alice, bob = store.new_account(), store.new_account()
    assert put(store, alice, "DCIM/Camera/été 🎉.jpg", b"photo-1") == 201
    assert put(store, alice, "Pictures/copy.jpg", b"photo-1") == 200  # the same bytes again
    assert [i.path for i in store.items(alice)] == ["DCIM/Camera/été 🎉.jpg"]
    assert store.items(bob) == []
    item = CloudClient(store.url).list(alice)[0]
    assert item.sha256 == hashlib.sha256(b"photo-1").hexdigest() and item.mtime == 1714550400
    assert CloudClient(store.url).download(alice, item.id) == b"photo-1"


def test_faults_set_over_http_fail_requests_then_heal(store):
    account = store.new_account()
    client = CloudClient(store.url)
    client.set_faults(CloudFaults(fail_next=2, fail_status=500, max_upload_bytes=4))
    assert [put(store, account, "a.jpg", b"xy"), put(store, account, "a.jpg", b"xy")] == [500, 500]
    assert put(store, account, "big.jpg", b"12345") == 413
    assert put(store, account, "a.jpg", b"xy") == 201
    assert client.faults().max_upload_bytes == 4


def test_unknown_fault_names_are_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="unknown cloud fault.*known: fail_all"):
        CloudFaults.from_dict({"slowness": 3})
