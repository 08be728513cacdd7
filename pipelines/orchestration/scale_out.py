"""CEMS scale-out on a dask.distributed cluster: the (year, city) partitions of `cems_by_city`, one Dagster run each,
their steps executed by the workers of an existing cluster (`dask scheduler`, and `dask worker tcp://… --nthreads 1`
on each machine that has the project installed and the workspace mounted at the same path).

The executor follows dagster-dask's `dask_executor` (0.29.27), which this project does not use because:
- it names each dask task `<job>.<step>`, and dask takes equal keys for the same task: two runs of one job at once on
  one cluster share a task, the second run reports the first one's events and its partition is never computed
  (dagster-io/dagster#21418; reproduced here). Here a task is named by job, step and run id.
- its worker opens a new Dagster instance for every step, and opening one checks the SQLite schema (seconds of CPU a
  step on 2 cores); here a worker process keeps its instance from one step to the next.
It only connects to an existing scheduler, the one the run's config names. Dagster reconfigures Python logging each
time it starts executing a run (a worker: a step), which deadlocks two runs started from threads of one process (seen
here); so the runs are orchestrated from child processes, and each worker process runs one step at a time.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import dagster as dg
import distributed
from dagster._core.execution.api import create_execution_plan, execute_plan  # not public; dagster-dask uses them too
from dagster._core.execution.retries import RetryMode

from pipelines.orchestration.assets.cems import cems_store
from pipelines.orchestration.definitions import build_defs
from pipelines.orchestration.jobs import CEMS_BY_CITY
from pipelines.orchestration.partitions import CEMS_CITY, YEAR_CITY, add_years
from pipelines.orchestration.resources import SynergyConfig

if TYPE_CHECKING:
    from dagster._core.definitions.reconstruct import ReconstructableJob
    from dagster._core.instance.ref import InstanceRef


class ClusterUnavailable(RuntimeError):
    """The scheduler cannot be reached, has no worker, or has a worker that would run two steps at once."""


def _step_on_worker(after: list, recon_job: ReconstructableJob, run: dg.DagsterRun, run_config: dict, step_keys: list[str],
                    instance_ref: InstanceRef, known_state) -> list[dg.DagsterEvent]:
    """On a worker: dagster-dask's query_on_dask_worker with the instance kept (`after` only orders the tasks)."""
    instance = _worker_instance(instance_ref)
    job = recon_job.get_subset(op_selection=run.resolved_op_selection)
    plan = create_execution_plan(job, run_config=run_config, step_keys_to_execute=step_keys, known_state=known_state)
    return execute_plan(plan, job, instance, run, run_config=run_config)


_instances: dict[str, dg.DagsterInstance] = {}


def _worker_instance(ref: InstanceRef) -> dg.DagsterInstance:
    key = repr(ref)  # the ref holds the storage settings (dicts, so not hashable itself)
    if key not in _instances:
        _instances[key] = dg.DagsterInstance.from_ref(ref)
    return _instances[key]


class DaskClusterExecutor(dg.Executor):
    """Each step of a run as one task on an existing dask scheduler, named by run so that runs never merge."""

    def __init__(self, scheduler: str) -> None:
        self.scheduler = scheduler

    @property
    def retries(self) -> RetryMode:
        return RetryMode.DISABLED

    def execute(self, plan_context, execution_plan) -> Iterator[dg.DagsterEvent]:
        if not plan_context.instance.is_persistent:
            raise dg.DagsterInvariantViolationError(
                "dask 工作进程需读写同一 Dagster 实例 (DAGSTER_HOME) / dask workers need a persistent Dagster instance "
                "(DAGSTER_HOME) they can all reach")
        run = plan_context.dagster_run
        with distributed.Client(self.scheduler) as client:
            futures: dict[str, distributed.Future] = {}
            for step in (s for level in execution_plan.get_steps_to_execute_by_level() for s in level):
                after = [futures[key] for step_input in step.step_inputs for key in step_input.dependency_keys]
                futures[step.key] = client.submit(
                    _step_on_worker, after, plan_context.reconstructable_job, run, plan_context.run_config,
                    [step.key], plan_context.instance.get_ref(), execution_plan.known_state,
                    key=f"{run.job_name}.{step.key}.{run.run_id}")
            for _, events in distributed.as_completed(list(futures.values()), with_results=True):
                yield from events


@dg.executor(name="dask_cluster", requirements=dg.multiple_process_executor_requirements(),
             config_schema={"scheduler": dg.Field(dg.StringSource, description="e.g. tcp://10.0.0.5:8786")})
def dask_cluster_executor(init_context: dg.InitExecutorContext) -> dg.Executor:
    return DaskClusterExecutor(init_context.executor_config["scheduler"])


def cems_by_city_on_dask(home: str) -> dg.JobDefinition:
    """`cems_by_city` of the workspace at `home` with its steps on a dask cluster: the job each worker rebuilds (from
    this module, function and `home`) to run the step it is sent."""
    job = build_defs({"synergy": SynergyConfig(home=home)}).resolve_job_def(CEMS_BY_CITY)
    return job.with_executor_def(dask_cluster_executor)


@dataclass(frozen=True)
class PartitionRun:
    partition: str  # Dagster's key of the (year, city) partition: "<city>|<year>"
    run_id: str
    success: bool


def city_partitions(instance: dg.DagsterInstance, home: str, years: Sequence[int] = (),
                    cities: Sequence[str] = ()) -> list[dg.MultiPartitionKey]:
    """The (year, city) partitions the hourly store holds for `years` and `cities` (default: all it holds), registered
    in the instance when missing (a store written by a build on another instance)."""
    store = cems_store(SynergyConfig(home=home))
    chosen = [y for y in store.years() if not years or y in years]
    keys = [dg.MultiPartitionKey({"city": city, "year": str(year)}) for year in chosen for city in store.partitions(year)
            if not cities or city in cities]
    add_years(instance, chosen)
    unknown = {k.keys_by_dimension["city"] for k in keys} - set(instance.get_dynamic_partitions(CEMS_CITY))
    if unknown:
        instance.add_dynamic_partitions(CEMS_CITY, sorted(unknown))
    return keys


def _reconstructable(home: str) -> ReconstructableJob:
    """The job as a worker rebuilds it: by this module, function and `home`."""
    return dg.build_reconstructable_job(__name__, cems_by_city_on_dask.__name__, reconstructable_kwargs={"home": home})


def _load_project(instance_ref: InstanceRef, home: str) -> None:
    """Sent to every worker first: it imports the project, opens the instance and builds the job (seconds of CPU)
    while the processes orchestrating the runs start, instead of in the worker's first step."""
    _worker_instance(instance_ref)
    _reconstructable(home).get_definition()


def prepare_cluster(scheduler: str, instance: dg.DagsterInstance, home: str) -> int:
    """How many steps the cluster runs at once (one per worker process), its workers told to load the project;
    refused if a worker would run two steps at once."""
    try:
        with distributed.Client(scheduler, timeout="20s") as client:
            threads = client.nthreads()
            if not threads:
                raise ClusterUnavailable(f"调度器 {scheduler} 下没有工作进程 / no dask worker is connected to {scheduler}")
            shared = sorted(worker for worker, n in threads.items() if n > 1)
            if shared:
                raise ClusterUnavailable(f"工作进程须单线程 (dask worker --nthreads 1) / start the dask workers with "
                                         f"--nthreads 1 (Dagster is not thread-safe): {', '.join(shared)} run "
                                         f"{max(threads.values())} threads")
            distributed.fire_and_forget([client.submit(_load_project, instance.get_ref(), home, workers=[w], pure=False)
                                         for w in threads])
    except OSError as err:
        raise ClusterUnavailable(f"无法连接 dask 调度器 {scheduler} / cannot reach the dask scheduler at {scheduler}: "
                                 f"{err}") from None
    return len(threads)


def run_city_partitions(instance: dg.DagsterInstance, home: str, scheduler: str,
                        partitions: Sequence[dg.MultiPartitionKey]) -> list[PartitionRun]:
    """One run of `cems_by_city` per partition, its step on the cluster at `scheduler`; as many runs at once as the
    cluster has workers (more would only queue on the scheduler). Failures are in the result."""
    at_once = min(prepare_cluster(scheduler, instance, home), len(partitions)) or 1
    # children forked from a server that imported this module once: no copy of this process's threads' locks (as a
    # plain fork would give) and no import of the project per child (as spawn would); a forkserver that another part
    # of this process started without the preload still works, each child then importing the project itself
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    with ProcessPoolExecutor(max_workers=at_once, mp_context=context) as pool:
        runs = [pool.submit(_run_partition, instance.get_ref(), home, scheduler, dict(key.keys_by_dimension))
                for key in partitions]
        return [run.result() for run in runs]


def _run_partition(instance_ref: InstanceRef, home: str, scheduler: str, dimensions: dict[str, str]) -> PartitionRun:
    """In a child process: the partition's run, orchestrated here. Tagged with this process as `synergy build` tags its
    runs, so that a later build marks the run failed if this process was killed (build.recover_stale_runs)."""
    key = dg.MultiPartitionKey(dimensions)
    tags = {**YEAR_CITY.get_tags_for_partition_key(key), "synergy/pid": str(os.getpid()),
            "synergy/host": socket.gethostname()}
    with dg.DagsterInstance.from_ref(instance_ref) as instance:
        result = dg.execute_job(_reconstructable(home), instance, tags=tags, raise_on_error=False,
                                run_config={"execution": {"config": {"scheduler": scheduler}}})
    return PartitionRun(str(key), result.run_id, result.success)
