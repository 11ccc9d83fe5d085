"""What a worker process runs on its main thread beside the Dramatiq threads: the outbox relay,
the heartbeat, the periodic scheduler and the learning-event flusher, on one event loop, until
asked to stop (events the actors record after that are written by `RuntimeCleanup`)."""

from __future__ import annotations

import asyncio

import dramatiq
from dramatiq.asyncio import get_event_loop_thread

from app.analytics.recorder import EventFlusher
from workers.heartbeat import heartbeat_until, new_worker_id
from workers.relay import relay_loop
from workers.runtime import close_runtime, get_runtime
from workers.schedule import schedule_until


def threads_alive(worker: dramatiq.Worker) -> bool:
    """Every consumer and worker thread of `worker`, and the actors' event loop, still run."""
    loop_thread = get_event_loop_thread()
    threads = [*worker.consumers.values(), *worker.workers]
    if loop_thread is not None:
        threads.append(loop_thread)
    return all(thread.is_alive() for thread in threads)


async def run_until(stop: asyncio.Event, *, worker: dramatiq.Worker) -> bool:
    """Relay, heartbeat and schedule until `stop` is set; False when the process stopped because
    its Dramatiq threads died (its supervisor should start a fresh one)."""
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(relay_loop(stop))
            beating = group.create_task(
                heartbeat_until(
                    stop, threads_alive=lambda: threads_alive(worker), worker_id=new_worker_id()
                )
            )
            group.create_task(schedule_until(stop))
            runtime = get_runtime()
            group.create_task(EventFlusher.from_settings(runtime.db, runtime.settings).run(stop))
    finally:
        await close_runtime()
    return beating.result()
