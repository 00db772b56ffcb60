"""`mg-auth serve --config FILE [--host H] [--port P]` and `mg-auth check-config`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from mg_auth.app import Listen, run
from mg_auth.config import ConfigError, load_config


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds in 0..3600")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mg-auth", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the ForwardAuth verifier")
    serve.add_argument("--config", required=True, type=Path, help="YAML config file")
    serve.add_argument("--host", default="0.0.0.0", help="listen address (default 0.0.0.0)")
    serve.add_argument("--port", default=8080, type=int, help="verify port (default 8080)")
    serve.add_argument("--metrics-host", default="0.0.0.0", help="metrics listen address")
    serve.add_argument("--metrics-port", default=9100, type=int, help="metrics port (9100)")
    serve.add_argument(
        "--shutdown-delay", default=3.0, type=_seconds,
        help="seconds to keep serving after SIGTERM while /readyz reports 503 (default 3)",
    )  # fmt: skip
    serve.add_argument(
        "--shutdown-timeout", default=10.0, type=_seconds,
        help="then at most this many seconds to answer the requests already read (default 10);"
        " keep delay + timeout below the pod's terminationGracePeriodSeconds",
    )  # fmt: skip
    check = commands.add_parser("check-config", help="validate a config file and exit")
    check.add_argument("--config", required=True, type=Path, help="YAML config file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"mg-auth: invalid config\n{exc}", file=sys.stderr)
        return 2
    if args.command == "check-config":
        print(f"{args.config}: ok ({len(config.rules)} rules)")
        return 0
    listen = Listen(
        args.host,
        args.port,
        args.metrics_host,
        args.metrics_port,
        args.shutdown_delay,
        args.shutdown_timeout,
    )
    run(config, listen)
    return 0


if __name__ == "__main__":
    sys.exit(main())
