#!/usr/bin/env bash
# A throw-away single-node Slurm cluster (munged + slurmctld + slurmd) for the explore tests.
#   slurm-local-cluster.sh start DIR   writes DIR/slurm.conf, starts the three daemons with their
#                                      state, sockets, logs and pid files under DIR, waits until
#                                      the node is idle; prints `SLURM_CONF=DIR/slurm.conf`
#   slurm-local-cluster.sh stop DIR    stops the daemons it started (by the pids in DIR), only those
# Needs root and the packages of scripts/setup-slurm.sh. Touches nothing outside DIR: the munge
# key is a fresh one in DIR, ports are picked free, the system's /etc/slurm is not read.
set -euo pipefail
die() { printf 'slurm-local-cluster: ERROR: %s\n' "$*" >&2; exit 1; }
cmd="${1:-}"; DIR="${2:-}"
[ -n "$cmd" ] && [ -n "$DIR" ] || die "usage: $0 start|stop DIR"
mkdir -p "$DIR"; DIR="$(cd "$DIR" && pwd)"

stop_pid() { # pid file
  [ -s "$1" ] || return 0
  local pid; pid="$(cat "$1")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
}

if [ "$cmd" = stop ]; then
  stop_pid "$DIR/slurmd.pid"; stop_pid "$DIR/slurmctld.pid"; stop_pid "$DIR/munged.pid"
  exit 0
fi
[ "$cmd" = start ] || die "unknown command $cmd (start or stop)"
[ "$(id -u)" -eq 0 ] || die "must run as root (slurmd runs jobs as their user)"
for b in munged mungekey slurmctld slurmd sinfo; do command -v "$b" >/dev/null 2>&1 || die "$b not found; run scripts/setup-slurm.sh"; done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HOST="$(hostname -s)"
CPUS="$(nproc)"
mkdir -p "$DIR/state" "$DIR/spool" "$DIR/munge"
chmod 700 "$DIR/munge"
rm -f "$DIR/munge/munge.key"
mungekey --create --keyfile="$DIR/munge/munge.key" >/dev/null 2>&1 || dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 600 "$DIR/munge/munge.key"
SOCK="$DIR/munge/munge.socket"
munged --force --key-file="$DIR/munge/munge.key" --socket="$SOCK" --pid-file="$DIR/munged.pid" \
  --log-file="$DIR/munged.log" --seed-file="$DIR/munge/munge.seed" || die "munged did not start (see $DIR/munged.log)"

cat >"$DIR/slurm.conf" <<CONF
ClusterName=flexos-test
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=30
NodeName=$HOST CPUs=$CPUS State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$DIR/slurm.conf"
slurmctld -i || die "slurmctld did not start (see $DIR/slurmctld.log)"
slurmd || die "slurmd did not start (see $DIR/slurmd.log)"
for _ in $(seq 1 100); do
  state="$(sinfo -h -o '%t' 2>/dev/null | head -n1 || true)"
  case "$state" in idle|mix|alloc) echo "SLURM_CONF=$SLURM_CONF"; exit 0 ;; esac
  sleep 0.2
done
die "the node did not become idle (state '${state:-none}'; see $DIR/slurmctld.log and $DIR/slurmd.log)"
