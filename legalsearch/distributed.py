"""Several training processes (``torchrun`` / ``accelerate launch``): which one this is, and the few things that only
the first one does.

The launcher sets ``WORLD_SIZE``, ``RANK`` and ``LOCAL_RANK`` in each process; the transformers Trainer that
sentence-transformers trains with reads them, starts the process group (``gloo`` on CPU, ``nccl`` on CUDA) and wraps
the model in DistributedDataParallel. Everything here works unchanged in a single process (world size 1).
"""

from __future__ import annotations

import os
from typing import Any, TypeVar

T = TypeVar("T")


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1") or 1)


def rank() -> int:
    return int(os.environ.get("RANK", "0") or 0)


def local_rank() -> int:
    return int(os.environ.get("LOCAL_RANK", "0") or 0)


def is_main() -> bool:
    """True in the process that writes the model, the report and the command's output (rank 0)."""
    return rank() == 0


def _group_ready() -> bool:
    if world_size() < 2:
        return False
    import torch.distributed as dist

    return dist.is_available() and dist.is_initialized()


def barrier() -> None:
    """Wait for every process (a no-op in a single process)."""
    if _group_ready():
        import torch.distributed as dist

        dist.barrier()


def from_main(value: T) -> T:
    """Rank 0's ``value`` in every process (picklable values; a no-op in a single process)."""
    if not _group_ready():
        return value
    import torch.distributed as dist

    box: list[Any] = [value if is_main() else None]
    dist.broadcast_object_list(box, src=0)
    return box[0]
