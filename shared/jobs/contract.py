"""A job's contract: one typed model per job, which names it and carries its arguments.

The enqueuer builds the model (`uow.enqueue(MergeSnapshots(batch_id=...), ...)`) and the
worker hands the same model, read back from the job row, to the handler registered for
it, so mypy checks both ends against one declaration. Each domain declares its jobs in
`shared/<domain>/jobs.py`; the worker lists its handlers in `services/worker/jobs`.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class JobArgs(BaseModel):
    """The arguments of one job, recorded as JSON with the job row (`Job.args`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: The job's name: the arq function that runs it, and the `name` of its rows. Renaming
    #: one strands the rows recorded under the old name.
    NAME: ClassVar[str]
