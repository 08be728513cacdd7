"""`synergy cems-scale-out` refuses a cluster it cannot use before any run starts: no worker, or a worker with two
threads (two Dagster steps in one process deadlock on Python's logging locks, see orchestration/scale_out.py)."""

import dagster as dg
import pytest
from distributed import LocalCluster

from pipelines.orchestration.scale_out import ClusterUnavailable, prepare_cluster


@pytest.mark.parametrize(("workers", "threads", "message"), [(0, 1, "no dask worker"), (1, 2, "--nthreads 1")])
def test_a_cluster_without_single_threaded_workers_is_refused(workers, threads, message, tmp_path):
    with (LocalCluster(n_workers=workers, threads_per_worker=threads, processes=False, dashboard_address=None) as cluster,
          dg.DagsterInstance.ephemeral() as instance, pytest.raises(ClusterUnavailable, match=message)):
        prepare_cluster(cluster.scheduler_address, instance, str(tmp_path))
