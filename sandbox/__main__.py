"""``python -m sandbox``: the same server as ``manage.py invoca_sandbox``, without Django."""

from __future__ import annotations

import argparse
import sys

from .cli import add_arguments, bind, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    add_arguments(parser)
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    options = vars(parser.parse_args(argv))
    try:
        server = bind(options, verbose=options["verbose"])
    except OSError as exc:
        print(f"cannot listen on 127.0.0.1:{options['port']}: {exc.strerror}", file=sys.stderr)
        return 1
    run(server, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
