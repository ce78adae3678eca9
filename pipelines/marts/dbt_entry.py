"""`calltrack-dbt`: dbt's own command line, run with Python's cyclic garbage collector off.

dbt loads its manifest into a large graph of Python objects. With the collector on, a run paid
for full passes over that graph while it built the models, and for one more when the
interpreter shut down: ~0.9 s of a ~10 s daily run at 1.65M calls, the same on every
invocation (bench/README.md, eleventh session). A dbt run is a short-lived process, so what the
collector would have freed (the reference cycles dbt leaves behind, ~20 MB over a daily run) is
given back to the system when it exits. The arguments, output, exit status and atexit handlers
(the warehouse's closing checkpoint among them) are dbt's, unchanged.
"""

import gc


def main() -> None:
    gc.disable()
    from dbt.cli.main import cli  # imported with the collector already off

    try:
        cli()  # click's standalone mode: exits with dbt's status
    finally:
        # nor is anything collected at interpreter shutdown
        gc.freeze()
