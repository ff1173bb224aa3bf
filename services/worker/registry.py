"""What the worker runs: each declared job (`shared/<domain>/jobs.py`) with its handler.

`handles(MergeSnapshots, merge_snapshots)` ties a handler to the job's argument model, so
mypy checks that the handler takes exactly what the enqueuer records; the worker's list is
`services.worker.jobs.HANDLERS`, written out, not gathered by import side effects.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from services.worker.context import WorkerContext
from shared.db.uow import UnitOfWork
from shared.jobs.contract import JobArgs

A = TypeVar("A", bound=JobArgs)

#: `async def handler(uow, wc, workspace_id, args)`: never commits (the runner does, with
#: the job row marked done in the same transaction).
Handler = Callable[[UnitOfWork, WorkerContext, uuid.UUID, A], Awaitable[None]]


@dataclass(frozen=True)
class Registered(Generic[A]):
    args: type[A]
    handler: Handler[A]

    @property
    def name(self) -> str:
        return self.args.NAME

    async def run(
        self, uow: UnitOfWork, wc: WorkerContext, workspace_id: uuid.UUID, args: Mapping[str, Any]
    ) -> None:
        """Read the recorded arguments back into the job's model, then run the handler."""
        await self.handler(uow, wc, workspace_id, self.args.model_validate(args))


def handles(args: type[A], handler: Handler[A]) -> Registered[A]:
    return Registered(args, handler)
