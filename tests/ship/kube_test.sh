#!/usr/bin/env bash
# make test-kube: deploy/kubernetes/ checked and run (root, podman, the image
# of make image):
#   1. every manifest against the Kubernetes API's types (kube_schema.py,
#      Debian's python3-kubernetes): the ServiceAccount, Service, Namespace
#      and Kustomization podman cannot run, and the others too;
#   2. the DaemonSet's pod, with the ConfigMap, under podman kube play. podman
#      4.3 plays Pods and Deployments, not DaemonSets: the pod template is
#      played as a one-replica Deployment, as it is. Two translations podman
#      needs: the seccomp profile as the annotation podman reads (it ignores
#      securityContext.seccompProfile), and --network host so that /readyz is
#      checked on 127.0.0.1 (which takes the container's port list away). podman 4.3 ignores hostPID (the pod gets a pid
#      namespace of its own); the records' pids are the host's all the same
#      (read in the kernel).
#   The pod must see the exec of a process started on the host, and answer
#   /readyz.
#
#   tests/ship/kube_test.sh build/static/probelog
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:?usage: kube_test.sh PROBELOG_STATIC}
version=$("$bin" --version | awk '{print $NF}')
dir=$(mktemp -d)
pod=probelog-pod-0
fail() {
    echo "kube_test: FAIL: $*" >&2
    podman logs "$pod-probelog" 2>&1 | grep -v '^{' | tail -n 20 >&2 || true
    exit 1
}
cleanup() {
    podman kube down "$dir/play.yaml" >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap cleanup EXIT

/usr/bin/python3 tests/ship/kube_schema.py deploy/kubernetes/*.yaml || fail "the manifests do not match the API's types"
echo "kube_test: deploy/kubernetes/*.yaml match the Kubernetes API's types"

/usr/bin/python3 - "$dir/play.yaml" "$version" <<'PY'
import sys
import yaml
out, version = sys.argv[1], sys.argv[2]
ds = yaml.safe_load(open("deploy/kubernetes/daemonset.yaml"))
cm = yaml.safe_load(open("deploy/kubernetes/configmap.yaml"))
template = ds["spec"]["template"]
container = template["spec"]["containers"][0]
if container["image"] != f"localhost/probelog:{version}":
    sys.exit(f"kube_test: FAIL: the DaemonSet runs {container['image']}, make image makes localhost/probelog:{version}")
if container["securityContext"].get("seccompProfile", {}).get("type") == "Unconfined":
    template["metadata"].setdefault("annotations", {})["seccomp.security.alpha.kubernetes.io/pod"] = "unconfined"
# With --network host podman refuses port mappings: the ports become numbers.
ports = {p["name"]: p["containerPort"] for p in container.pop("ports", [])}
for probe in ("livenessProbe", "readinessProbe"):
    get = container.get(probe, {}).get("httpGet", {})
    get["port"] = ports.get(get.get("port"), get.get("port"))
deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": ds["metadata"],
              "spec": {"replicas": 1, "selector": ds["spec"]["selector"], "template": template}}
yaml.safe_dump_all([cm, deployment], open(out, "w"))
PY

# This host's hybrid cgroups: the limits podman run gets with --ulimit.
printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n' >"$dir/containers.conf"
[[ -d /sys/kernel/tracing/events ]] || mount -t tracefs tracefs /sys/kernel/tracing
CONTAINERS_CONF=$dir/containers.conf podman --runtime runc kube play --network host "$dir/play.yaml" >"$dir/play.out" 2>&1 ||
    fail "podman kube play: $(cat "$dir/play.out")"

logs() { podman logs "$pod-probelog" 2>&1; }
for _ in $(seq 100); do
    [[ $(logs) == *"Ctrl-C to stop"* ]] && break
    sleep 0.2
done
[[ $(logs) == *"Ctrl-C to stop"* ]] || fail "no start-up line in 20 s"
echo "kube_test: $(logs | grep -o '^probelog: tracing.*')"
echo "kube_test: capabilities $(podman inspect "$pod-probelog" --format '{{.EffectiveCaps}}'), read-only root $(podman inspect "$pod-probelog" --format '{{.HostConfig.ReadonlyRootfs}}')"

token="probelog-kube-$$-$RANDOM"
/bin/sh -c "exec /bin/echo $token" >/dev/null &
host_pid=$!
wait "$host_pid"
found=
for _ in $(seq 50); do
    logs >"$dir/logs"
    if /usr/bin/python3 -c '
import json, sys
token, pid = sys.argv[1], int(sys.argv[2])
for line in open(sys.argv[3]):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if r.get("event_type") == "exec" and r.get("pid") == pid and r.get("args") == ["/bin/echo", token]:
        sys.exit(0)
sys.exit(1)' "$token" "$host_pid" "$dir/logs"; then
        found=1
        break
    fi
    sleep 0.2
done
[[ -n $found ]] || fail "no exec record of host pid $host_pid (/bin/echo $token) in the pod's log"
echo "kube_test: exec of host pid $host_pid seen by the pod"

ready=$(curl -s -w ' %{http_code}' http://127.0.0.1:9464/readyz | tr -d '\n') || fail "no /readyz on 127.0.0.1:9464"
[[ $ready == "ready: tracing exec, exit, signal, bind, tcp 200" ]] || fail "/readyz: $ready"
echo "kube_test: /readyz: $ready"
echo "kube_test: passed"
