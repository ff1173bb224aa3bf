"""`make bench`: placeholder replaced below."""


def main(only: str | None = None) -> None:
    raise SystemExit("no benchmarks yet")
