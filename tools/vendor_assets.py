"""Vendor the files Swagger UI (/docs), ReDoc (/redoc) and the console's charts (ECharts,
/console) load, from their npm packages, into services/api/vendor/, and record where each
came from in its manifest.json.

    python tools/vendor_assets.py                    # again, at the versions the manifest pins
    python tools/vendor_assets.py --redoc 2.5.5      # update one package (`make vendor-assets`)
    python tools/vendor_assets.py --check            # the files on disk are the recorded ones

`npm pack` fetches each tarball and checks it against the registry's integrity hash; the
manifest keeps that hash, the version, and the sha256 of every file taken (after the few
PATCHES below; the upstream file's too), which the API fingerprints its asset URLs with
and a test checks the files against. Standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "services" / "api" / "vendor"
MANIFEST = VENDOR / "manifest.json"

#: What is taken from each package (paths inside its tarball, under `package/`): the files
#: the pages load, and the licence texts that must travel with them.
FILES: dict[str, tuple[str, ...]] = {
    "swagger-ui-dist": (
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "favicon-32x32.png",
        "LICENSE",
        "NOTICE",
        "swagger-ui-bundle.js.LICENSE.txt",
    ),
    "redoc": (
        "bundles/redoc.standalone.js",
        "LICENSE",
        "bundles/redoc.standalone.js.LICENSE.txt",
    ),
    # Apache-2.0: its NOTICE travels with it.
    "echarts": ("dist/echarts.min.js", "LICENSE", "NOTICE"),
}


#: Replacements made in a vendored file, each of a string that must occur exactly once:
#: ReDoc 2's menu shows Redocly's logo, an image it loads from Redocly's CDN whatever its
#: options. `data:,` is no image: the logo's own error handler hides it, nothing is asked.
PATCHES: dict[tuple[str, str], tuple[tuple[bytes, bytes], ...]] = {
    ("redoc", "redoc.standalone.js"): (
        (b'src:"https://cdn.redoc.ly/redoc/logo-mini.svg"', b'src:"data:,"'),
    ),
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_manifest() -> dict[str, dict[str, object]]:
    if not MANIFEST.exists():
        return {}
    packages: dict[str, dict[str, object]] = json.loads(MANIFEST.read_text())["packages"]
    return packages


def fetch(package: str, version: str, into: Path) -> tuple[str, dict[str, bytes]]:
    """The npm integrity of `package@version`'s tarball and the chosen files from it."""
    packed = subprocess.run(
        ["npm", "pack", f"{package}@{version}", "--json", "--pack-destination", str(into)],
        check=True,
        capture_output=True,
        text=True,
        cwd=into,
    )
    (info,) = json.loads(packed.stdout)
    if info["version"] != version:
        sys.exit(f"{package}: asked for {version}, npm packed {info['version']}")
    files: dict[str, bytes] = {}
    with tarfile.open(into / info["filename"]) as tar:
        for name in FILES[package]:
            member = tar.extractfile(f"package/{name}")
            if member is None:
                sys.exit(f"{package}@{version} has no {name}")
            files[Path(name).name] = member.read()
    return str(info["integrity"]), files


def patch(package: str, name: str, data: bytes) -> bytes:
    for old, new in PATCHES.get((package, name), ()):
        if data.count(old) != 1:
            sys.exit(f"{package}/{name}: {old!r} is not there exactly once: review PATCHES")
        data = data.replace(old, new)
    return data


def vendor(versions: dict[str, str]) -> None:
    previous = load_manifest()
    packages: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for package, version in versions.items():
            integrity, files = fetch(package, version, Path(tmp))
            known = previous.get(package, {})
            if known.get("version") == version and known.get("integrity") != integrity:
                sys.exit(f"{package}@{version}: the registry's tarball is not the one recorded")
            shipped = {name: patch(package, name, data) for name, data in files.items()}
            target = VENDOR / package
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            for name, data in shipped.items():
                (target / name).write_bytes(data)
            packages[package] = {
                "version": version,
                "integrity": integrity,
                "files": {name: sha256(data) for name, data in sorted(shipped.items())},
                "patched": {
                    name: {
                        "upstream_sha256": sha256(files[name]),
                        "replaced": [
                            [old.decode(), new.decode()] for old, new in PATCHES[package, name]
                        ],
                    }
                    for name in sorted(shipped)
                    if (package, name) in PATCHES
                },
            }
            print(f"{package}@{version}: {len(files)} files, {sum(map(len, files.values()))} bytes")
    MANIFEST.write_text(
        json.dumps(
            {
                "about": "Written by tools/vendor_assets.py (`make vendor-assets`): do not edit.",
                "packages": packages,
            },
            indent=2,
        )
        + "\n"
    )


def check() -> list[str]:
    """What differs between the files on disk and the manifest: nothing when intact."""
    wrong = []
    for package, entry in load_manifest().items():
        files = entry["files"]
        assert isinstance(files, dict)
        on_disk = {p.name for p in (VENDOR / package).iterdir()}
        wrong += [f"{package}/{name}: not in the manifest" for name in on_disk - set(files)]
        for name, digest in files.items():
            path = VENDOR / package / name
            if not path.exists():
                wrong.append(f"{package}/{name}: missing")
            elif sha256(path.read_bytes()) != digest:
                wrong.append(f"{package}/{name}: not the recorded file")
    return wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    pinned = {package: str(entry["version"]) for package, entry in load_manifest().items()}
    for package in FILES:
        parser.add_argument(f"--{package}", default=pinned.get(package), metavar="VERSION")
    parser.add_argument("--check", action="store_true", help="verify, change nothing")
    args = parser.parse_args()
    if args.check:
        wrong = check()
        print("\n".join(wrong) or "the vendored files are the recorded ones")
        sys.exit(1 if wrong else 0)
    versions = {package: getattr(args, package.replace("-", "_")) for package in FILES}
    missing = [package for package, version in versions.items() if not version]
    if missing:
        sys.exit(f"no version recorded for {', '.join(missing)}: pass --{missing[0]} VERSION")
    vendor(versions)


if __name__ == "__main__":
    main()
