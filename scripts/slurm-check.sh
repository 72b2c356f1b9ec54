#!/usr/bin/env bash
# Runs deploy/slurm/grade-shards.sbatch on a one-node Slurm started here, as a user submits it (the array,
# then the merge with afterany), and compares the merged gradebook with one `grader grade` of the same
# submissions. Needs root (it starts munged, slurmctld and slurmd by hand, no systemd, each with its own
# socket, port and state folder under a temporary folder, and stops them at the end) and Debian's
# slurm-wlm and munge. Exit 0 when the gradebooks are identical.
# Usage: sudo bash scripts/slurm-check.sh [SHARDS]   (from the project folder; default 3 shards)
set -euo pipefail
SHARDS="${1:-3}"
PROJECT="$(cd "$(dirname "$0")/.." && pwd)"
GRADER="${GRADER:-$PROJECT/.venv/bin/grader}"
SUBMISSIONS=assignments/gd1d/examples
for command in munged slurmctld slurmd sbatch squeue sinfo; do
  command -v "$command" >/dev/null || { echo "error: $command not found: apt-get install slurm-wlm munge" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "error: run as root (it starts the Slurm daemons): sudo bash $0" >&2; exit 2; }
[ -x "$GRADER" ] || { echo "error: no grader at $GRADER: python3 -m venv .venv && .venv/bin/pip install -e ." >&2; exit 2; }

WORK="$(mktemp -d /tmp/slurm-check.XXXXXX)"
chmod 755 "$WORK"
pids=()
keep=1
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$keep" = 0 ]; then rm -rf "$WORK"; else echo "kept $WORK (daemon and job logs)" >&2; fi
}
trap stop EXIT

# munged: its own socket and key (a fresh one), so a munge already running here is left alone.
install -d -o munge -g munge -m 700 "$WORK/munge"
install -d -o munge -g munge -m 755 "$WORK/munge-socket"  # munged wants every user to reach its socket
dd if=/dev/urandom of="$WORK/munge/munge.key" bs=1024 count=1 status=none
chown munge:munge "$WORK/munge/munge.key" && chmod 400 "$WORK/munge/munge.key"
runuser -u munge -- munged --foreground --socket="$WORK/munge-socket/socket" --key-file="$WORK/munge/munge.key" \
  --pid-file="$WORK/munge/munged.pid" --log-file="$WORK/munge/munged.log" --seed-file="$WORK/munge/seed" >/dev/null 2>&1 &
pids+=($!)

memory_mb=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 - 512))
cpus=$(nproc)
mkdir -p "$WORK/ctld" "$WORK/spool" "$WORK/logs"
cat >"$WORK/slurm.conf" <<EOF
ClusterName=gradecheck
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$WORK/munge-socket/socket
SlurmctldPort=${SLURMCTLD_PORT:-16817}
SlurmdPort=${SLURMD_PORT:-16818}
StateSaveLocation=$WORK/ctld
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
NodeName=localhost CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=check Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$WORK/slurm.conf"
for _ in $(seq 50); do [ -S "$WORK/munge-socket/socket" ] && break; sleep 0.2; done
[ -S "$WORK/munge-socket/socket" ] || { echo "error: munged did not start; see $WORK/munge/munged.log" >&2; exit 1; }
slurmctld -D -i -f "$SLURM_CONF" >"$WORK/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >"$WORK/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 60); do
  state="$(timeout 5 sinfo -h -n localhost -o %T 2>/dev/null || true)"
  [ "$state" = idle ] && break
  sleep 1
done
[ "$state" = idle ] || { echo "error: the node did not come up (state: ${state:-none}); see $WORK/*.log" >&2; exit 1; }
sinfo

# As the template's header says, from the course folder, with the resources this machine has and the
# job logs kept out of the project folder.
cd "$PROJECT"
started=$(date +%s)
resources=(--cpus-per-task=1 --mem=1G --output="$WORK/logs/grade-shards-%A_%a.log")
# Shard 2 then exits 1, as grade does when a submission got internal_error: with afterany and the status
# files, the merge must still run (with afterok it never would).
cat >"$WORK/grader" <<WRAPPER
#!/bin/sh
"$GRADER" "\$@" || exit \$?
case " \$* " in *" --shard 2/"*) echo "slurm-check: shard 2 exits 1 after grading" >&2; exit 1;; esac
WRAPPER
chmod 755 "$WORK/grader"
export GRADER="$WORK/grader" ASSIGNMENT=gd1d SUBMISSIONS SHARDS_DIR="$WORK/shards" OUT="$WORK/out"
jid=$(sbatch --parsable "${resources[@]}" --array=1-"$SHARDS" --export=ALL,SHARDS="$SHARDS" deploy/slurm/grade-shards.sbatch)
mjid=$(sbatch --parsable "${resources[@]}" --dependency=afterany:"$jid" --export=ALL,SHARDS="$SHARDS" \
  --output="$WORK/logs/grade-merge-%j.log" \
  deploy/slurm/grade-shards.sbatch merge "$jid")
echo "submitted array $jid (1-$SHARDS) and merge $mjid"
for _ in $(seq 900); do
  [ -z "$(squeue -h -j "$jid,$mjid" 2>/dev/null)" ] && break
  sleep 1
done
echo "Slurm: array and merge ended in $(($(date +%s) - started)) s"
scontrol show job "$jid" | grep -Eo '(ArrayTaskId|JobState|ExitCode)=[^ ]+' | paste -d ' ' - - -
scontrol show job "$mjid" | grep -Eo '(JobId|JobState|ExitCode)=[^ ]+' | paste -sd ' '

for log in "$WORK"/logs/*.log; do echo "--- $(basename "$log")"; cat "$log"; done

"$PROJECT/.venv/bin/grader" grade "$SUBMISSIONS" -a gd1d -o "$WORK/single" >"$WORK/single.log" 2>&1 || true
tail -1 "$WORK/single.log"
[ -f "$WORK/out/gradebook.csv" ] || { echo "error: the merge wrote no gradebook; see $WORK/logs" >&2; exit 1; }
if cmp "$WORK/single/gradebook.csv" "$WORK/out/gradebook.csv"; then
  echo "OK: the merged gradebook of $SHARDS shards is identical to one run's ($(($(wc -l <"$WORK/out/gradebook.csv") - 1)) rows)"
  keep=0
else
  diff "$WORK/single/gradebook.csv" "$WORK/out/gradebook.csv" || true
  echo "error: the gradebooks differ" >&2
  exit 1
fi
