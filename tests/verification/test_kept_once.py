"""`keeps_identical_once`: a cloud that deduplicates by content keeps identical bytes at two paths as
one item. An absent seeded item is fine only when another seeded item with its bytes came back, and
only when the scenario promises that. Pure: built items and policies, no phone."""

from __future__ import annotations

from pytest_phonebackup.manifest import MediaItem
from pytest_phonebackup.policy import Policy
from pytest_phonebackup.verification.judging import kept_once_reason

COPY = MediaItem(path="Pictures/copy.jpg", kind="photo", mime="image/jpeg", size=10, sha256="ab" * 32, mtime=0,
                 format="jpeg", id="copy")
DEDUPING = Policy.from_dict({"limits": {"keeps_identical_once": True}})


def test_an_absent_copy_whose_twin_came_back_is_kept_once_as_promised():
    reason = kept_once_reason(DEDUPING, COPY, {"ab" * 32: "DCIM/original.jpg"})
    assert reason == "the same bytes as DCIM/original.jpg, which came back, and the app keeps identical bytes once"


def test_an_absent_copy_whose_twin_is_also_gone_is_a_loss():
    assert kept_once_reason(DEDUPING, COPY, {"cd" * 32: "DCIM/other.jpg"}) is None
    assert kept_once_reason(DEDUPING, COPY, {"ab" * 32: "Pictures/copy.jpg"}) is None  # only itself


def test_without_the_promise_an_absent_copy_is_a_loss_even_with_its_twin_back():
    assert Policy.from_dict({}).limits.keeps_identical_once is False
    assert kept_once_reason(Policy.from_dict({}), COPY, {"ab" * 32: "DCIM/original.jpg"}) is None
