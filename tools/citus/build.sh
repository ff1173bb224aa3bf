#!/bin/bash
# Build the pinned Citus (third_party/citus) against Debian's PostgreSQL 15 into a
# relocated copy of that PostgreSQL under .tools/citus: PostgreSQL finds its share and
# lib directories relative to its own binary, so the system server is never touched.
# Cached: nothing is rebuilt while .tools/citus/built holds the tarball's and patch's hash.
# Needs root for apt (Debian): postgresql-server-dev-15 liblz4-dev libzstd-dev libkrb5-dev.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SRC=$ROOT/third_party/citus
OUT=$ROOT/.tools/citus
STAMP=$(cat "$SRC"/citus-v13.2.2.tar.gz "$SRC"/0001-pg15-have_createdb_privilege-clash.patch | sha256sum | cut -d' ' -f1)
if [ -f "$OUT/built" ] && [ "$(cat "$OUT/built")" = "$STAMP" ]; then
  echo "citus: built ($OUT)"; exit 0
fi
if [ ! -x /usr/lib/postgresql/15/bin/pg_config ] || [ ! -f /usr/include/postgresql/15/server/postgres.h ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "citus: not built, and building needs postgresql-server-dev-15 liblz4-dev libzstd-dev" \
      "libkrb5-dev, which only root can install (apt-get): run \`make citus\` as root once" >&2
    exit 1
  fi
  apt-get update -qq
  apt-get install -y postgresql-server-dev-15 liblz4-dev libzstd-dev libkrb5-dev
fi
rm -rf "$OUT" && mkdir -p "$OUT/src" "$OUT/pgroot/usr/lib/postgresql" "$OUT/pgroot/usr/share/postgresql"
tar xzf "$SRC/citus-v13.2.2.tar.gz" -C "$OUT/src"
cd "$OUT/src/citus-13.2.2"
patch -p1 < "$SRC/0001-pg15-have_createdb_privilege-clash.patch"
./configure PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config --without-libcurl > "$OUT/configure.log"
make -j"$(nproc)" > "$OUT/make.log"
cp -a /usr/lib/postgresql/15 "$OUT/pgroot/usr/lib/postgresql/"
cp -a /usr/share/postgresql/15 "$OUT/pgroot/usr/share/postgresql/"
make install DESTDIR="$OUT/pgroot" > "$OUT/install.log"
echo "$STAMP" > "$OUT/built"
echo "citus: built into $OUT"
