"""Soak test: rounds of busy clients against a Jupyter server that is killed with -9 at random points.

    .venv/bin/python scripts/soak.py --rounds 50 --clients 4 [--seconds 600]

Each round starts a server on the same registry, runs the clients until a random number of
acknowledged writes, kills the server, and at the end a fresh server checks that every
acknowledged write is there, numbering is gap-free, and `check` finds no problem. Prints the figures
the README's Reliability section quotes.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jupyter_modelbox import ModelBox
from tests.helpers.jupyter import JupyterServer
from tests.test_server_faults import acknowledged, kill_during_writes, verify


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=900, help="stop starting rounds after this long")
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        work, root = Path(scratch), Path(scratch) / "registry"
        outputs: list[str] = []
        rounds = 0
        while rounds < options.rounds and time.monotonic() - started < options.seconds:
            round_outputs = kill_during_writes(work / f"round{rounds}", root, options.clients,
                                               options.seed * 1000 + rounds, rng.randint(20, 400))
            outputs += round_outputs
            rounds += 1
            print(f"round {rounds}: {sum(o.count(chr(10)) for o in round_outputs)} acknowledged writes, then kill -9",
                  flush=True)
        acks = acknowledged(outputs)
        with JupyterServer(work / "verify", root=root) as server, ModelBox(url=server.url, token=server.token) as mb:
            verify(mb, acks, work)
        acks.pop("stopped", None)  # a client's last line when its server was killed under it
        total = sum(len(v) for v in acks.values())
        print(f"survived {rounds} kill -9 rounds with {options.clients} clients; {total} acknowledged writes "
              f"verified ({', '.join(f'{k}: {len(v)}' for k, v in sorted(acks.items()))}) "
              f"in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
