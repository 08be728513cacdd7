"""The exports step shares its jobs between its own process and one helper: results come back in job order, the last
job runs here, the first in the helper, and a failing job fails the step."""

import os

import pytest

from pipelines.orchestration.assets.publish import shared


def test_jobs_are_shared_with_one_helper_and_results_keep_their_order():
    here = os.getpid()
    results = shared([(os.getpid, ()), (os.getpid, ()), (os.getpid, ()), (abs, (-7,))])
    assert results[-1] == 7
    assert results[0] != here  # the helper took the front of the list
    assert set(results[:3]) <= {here, results[0]}  # the rest: either process, never a third one


def test_a_failing_job_fails_the_step():
    with pytest.raises(ValueError, match="invalid literal"):
        shared([(os.getpid, ()), (int, ("x",))])
