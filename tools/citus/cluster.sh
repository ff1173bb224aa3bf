#!/bin/bash
# A throwaway Citus cluster for the tests (issue 22): a coordinator and two workers on
# 127.0.0.1, ports CITUS_PORT (default 55432), +1 and +2, data and logs under .data/citus,
# run by the pinned build of `make citus` (.tools/citus). Durability is off: it is wiped
# and made again by every `start`.
#
#   tools/citus/cluster.sh start    fresh cluster, database smm_test with citus on every
#                                   node, workers registered; prints the coordinator's URL
#   tools/citus/cluster.sh stop     stops the three servers
#   tools/citus/cluster.sh status
#
# PostgreSQL refuses to run as root: as root the servers run as `postgres`, which then
# owns .data/citus.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$ROOT/.tools/citus/pgroot/usr/lib/postgresql/15/bin
DATA=$ROOT/.data/citus
PORT=${CITUS_PORT:-55432}
DB=smm_test
NODES=(coordinator worker1 worker2)

if [[ ! -x $BIN/pg_ctl || ! -f $BIN/../lib/citus.so ]]; then
    echo "cluster.sh: no Citus build in $BIN: run \`make citus\` first" >&2
    exit 1
fi

# As root, a command runs as postgres; otherwise as the caller.
as_pg() {
    if [[ $EUID -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

port_of() { echo $((PORT + $1)); }

sql() { # sql PORT DATABASE STATEMENT...: each statement in a transaction of its own
    local port=$1 db=$2 statement args=()
    shift 2
    for statement in "$@"; do args+=(-c "$statement"); done
    as_pg "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d "$db" "${args[@]}"
}

stop() {
    for node in "${NODES[@]}"; do
        if [[ -f $DATA/$node/postmaster.pid ]]; then
            as_pg "$BIN/pg_ctl" stop -D "$DATA/$node" -m fast -w -t 60 >/dev/null || true
        fi
    done
}

status() {
    local rc=0 i
    for i in "${!NODES[@]}"; do
        if [[ -d $DATA/${NODES[$i]} ]] && as_pg "$BIN/pg_ctl" status -D "$DATA/${NODES[$i]}" >/dev/null; then
            # The port it was started on (line 4 of postmaster.pid), whatever CITUS_PORT is now.
            echo "${NODES[$i]}: running on 127.0.0.1:$(sed -n 4p "$DATA/${NODES[$i]}/postmaster.pid")"
        else
            echo "${NODES[$i]}: stopped"
            rc=3
        fi
    done
    return $rc
}

init_node() { # init_node INDEX
    local node=${NODES[$1]} dir=$DATA/${NODES[$1]}
    as_pg "$BIN/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C --no-sync \
        >"$DATA/$node-initdb.log"
    as_pg mkdir -p "$dir/sockets"
    # Trust, and only from this machine: the unix socket and 127.0.0.1.
    printf '%s\n' 'local all all trust' 'host all all 127.0.0.1/32 trust' |
        as_pg tee "$dir/pg_hba.conf" >/dev/null
    as_pg tee -a "$dir/postgresql.conf" >/dev/null <<EOF

# tools/citus/cluster.sh: a test cluster, loopback only, durability off.
listen_addresses = '127.0.0.1'
port = $(port_of "$1")
unix_socket_directories = '$dir/sockets'
shared_preload_libraries = 'citus'
fsync = off
synchronous_commit = off
full_page_writes = off
timezone = 'UTC'
# The suite opens many pools, and the coordinator opens its own connections to the workers.
max_connections = 300
shared_buffers = 128MB
# The coordinator's connections to each worker stay below the worker's max_connections.
citus.max_shared_pool_size = 250
# Loopback only: no TLS between the nodes (CREATE EXTENSION citus turns ssl on; start()
# turns it off again), nor for the clients, whose default is to try it first.
citus.node_conninfo = 'sslmode=disable'
# A node connecting to itself names the loopback address, not 'localhost' (no lookup).
citus.local_hostname = '127.0.0.1'
# Few shards: DDL on a distributed table runs on every shard, and tests make a lot of it.
citus.shard_count = 4
EOF
}

start() {
    stop
    if [[ $EUID -eq 0 ]]; then
        mkdir -p "$ROOT/.data"
    fi
    rm -rf "$DATA"
    mkdir -p "$DATA"
    if [[ $EUID -eq 0 ]]; then
        chown postgres: "$DATA"
    fi
    local i
    for i in "${!NODES[@]}"; do init_node "$i" & done
    wait
    for i in "${!NODES[@]}"; do
        as_pg "$BIN/pg_ctl" start -D "$DATA/${NODES[$i]}" -l "$DATA/${NODES[$i]}.log" -w -t 60 \
            >/dev/null
    done
    for i in "${!NODES[@]}"; do
        sql "$(port_of "$i")" postgres "CREATE DATABASE $DB"
        # Citus puts its views citus_tables and citus_schemas in schema public, which makes
        # the extension a dependant of it: the test harness's `DROP SCHEMA public CASCADE`
        # would drop Citus with it. They move to Citus's own schema: citus.citus_tables.
        sql "$(port_of "$i")" "$DB" "CREATE EXTENSION citus" \
            "ALTER VIEW public.citus_tables SET SCHEMA citus" \
            "ALTER VIEW public.citus_schemas SET SCHEMA citus" \
            "ALTER SYSTEM RESET ssl" "ALTER SYSTEM RESET ssl_ciphers" "SELECT pg_reload_conf()" \
            >/dev/null
    done
    sql "$PORT" "$DB" "SELECT citus_set_coordinator_host('127.0.0.1', $PORT)" >/dev/null
    for i in 1 2; do
        sql "$PORT" "$DB" "SELECT citus_add_node('127.0.0.1', $(port_of "$i"))" >/dev/null
    done
    # Schema public made one of Citus's distributed objects (by a table's dependencies):
    # then `DROP SCHEMA public CASCADE; CREATE SCHEMA public` (the test harness's reset) is
    # run on every node, as it is once the first table has been distributed. Before, the
    # DROP would stay on the coordinator and the CREATE, propagated, fail on the workers.
    sql "$PORT" "$DB" "CREATE TABLE public.cluster_sh (id int)" \
        "SELECT create_reference_table('public.cluster_sh')" "DROP TABLE public.cluster_sh" \
        >/dev/null
    echo "postgresql://postgres@127.0.0.1:$PORT/$DB"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *)
        echo "usage: $0 start|stop|status" >&2
        exit 2
        ;;
esac
