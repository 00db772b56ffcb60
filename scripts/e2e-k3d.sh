#!/usr/bin/env bash
# End-to-end test of `mgctl bootstrap` on a throwaway k3d cluster (`make e2e`; not part of
# `make test`). NOT run in the environment mgctl was developed in (no container engine there):
# run it on a machine or CI runner with Docker.
#
# What it does:
#   1. k3d cluster with k3s' bundled Traefik and ServiceLB disabled (as docs/bootstrap-runbook.md
#      asks for real nodes),
#   2. render the platform config, push mg-infrastructure and mg-deploy to two throwaway
#      branches of a git repository Argo CD can read,
#   3. `mgctl bootstrap --yes` (waits until every Application is Synced and Healthy),
#   4. record the state bootstrap owns, run `mgctl bootstrap --yes` again and assert that every
#      step reports "already done" and nothing changed in the cluster,
#   5. `mgctl doctor`.
#
# Needs: docker, k3d (>= 5.7), git, ssh; helm and kubectl come from `mgctl tools install`.
# Environment:
#   E2E_GIT_REPO        ssh URL of a repository to push the rendered trees to, e.g.
#                       git@github.com:your-org/mgctl-e2e.git (Argo CD reads it with the key below)
#   E2E_SSH_KEY_FILE    private key (mode 0600) with write access to E2E_GIT_REPO; also given to
#                       Argo CD as its deploy key (MGCTL_GIT_SSH_KEY_DEPLOY_FILE: both trees are
#                       branches of this one repository, so one key serves both)
#   MGCTL_DOPPLER_TOKEN_DEVELOPMENT / _STAGING / _PRODUCTION   Doppler service tokens of a test
#                       project holding the keys the platform reads (see the runbook)
# Optional:
#   E2E_CONFIG          platform.yaml to use (default examples/mg/platform.yaml)
#   E2E_K3S_IMAGE       default rancher/k3s:v1.35.2-k3s1
#   E2E_TIMEOUT         seconds to wait for Synced+Healthy (default 2700)
#   E2E_KEEP=1          keep the cluster and branches for debugging
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MGCTL="${MGCTL:-$ROOT/.venv/bin/mgctl}"
KUBECTL="${MGCTL_KUBECTL:-$ROOT/.venv/bin/kubectl}"
HELM="${MGCTL_HELM:-$ROOT/.venv/bin/helm}"
PY="$ROOT/.venv/bin/python"
CLUSTER="mgctl-e2e-$$"
CONFIG="${E2E_CONFIG:-$ROOT/examples/mg/platform.yaml}"
IMAGE="${E2E_K3S_IMAGE:-rancher/k3s:v1.35.2-k3s1}"
TIMEOUT="${E2E_TIMEOUT:-2700}"
BRANCH="e2e-$(date +%Y%m%d%H%M%S)-$$"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/mgctl-e2e.XXXXXX")"
KUBECONFIG_FILE="$WORK/kubeconfig"

fail() { echo "e2e: FAIL: $*" >&2; exit 1; }
step() { echo; echo "=== e2e: $* ==="; }

for tool in docker k3d git ssh; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (see the comment at the top)"
done
for bin in "$MGCTL" "$KUBECTL" "$HELM"; do
  [[ -x "$bin" ]] || fail "$bin not found: run \`make test\` first (installs mgctl, kubectl, helm)"
done
: "${E2E_GIT_REPO:?set E2E_GIT_REPO (see the comment at the top of $0)}"
: "${E2E_SSH_KEY_FILE:?set E2E_SSH_KEY_FILE (see the comment at the top of $0)}"
for env in DEVELOPMENT STAGING PRODUCTION; do
  var="MGCTL_DOPPLER_TOKEN_$env"
  file_var="${var}_FILE"
  [[ -n "${!var:-}" || -n "${!file_var:-}" ]] || fail "set $var or $file_var"
done
[[ "$(stat -c %a "$E2E_SSH_KEY_FILE")" == "600" ]] || fail "chmod 600 $E2E_SSH_KEY_FILE"
export GIT_SSH_COMMAND="ssh -i $E2E_SSH_KEY_FILE -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new"
export MGCTL_GIT_SSH_KEY_DEPLOY_FILE="$E2E_SSH_KEY_FILE"

cleanup() {
  local code=$?
  if [[ "$code" != "0" && -s "$KUBECONFIG_FILE" ]]; then
    echo "=== e2e: cluster state at failure ===" >&2
    "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" get applications -A -o wide >&2 || true
    "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" get pods -A >&2 || true
    [[ -f "$WORK/platform.yaml" ]] && "$MGCTL" doctor -c "$WORK/platform.yaml" \
      --kubeconfig "$KUBECONFIG_FILE" --problems >&2 || true
  fi
  if [[ "${E2E_KEEP:-0}" == "1" ]]; then
    echo "e2e: keeping cluster $CLUSTER (kubeconfig $KUBECONFIG_FILE) and branches $BRANCH-*"
    exit "$code"
  fi
  k3d cluster delete "$CLUSTER" >/dev/null 2>&1 || true
  git push -q "$E2E_GIT_REPO" --delete "$BRANCH-infra" "$BRANCH-deploy" >/dev/null 2>&1 || true
  rm -rf "$WORK"
  exit "$code"
}
trap cleanup EXIT

step "k3d cluster $CLUSTER ($IMAGE) without bundled Traefik and ServiceLB"
k3d cluster create "$CLUSTER" --image "$IMAGE" --servers 1 --agents 0 --wait \
  --k3s-arg '--disable=traefik@server:*' --k3s-arg '--disable=servicelb@server:*' \
  --kubeconfig-update-default=false --kubeconfig-switch-context=false
k3d kubeconfig get "$CLUSTER" > "$KUBECONFIG_FILE"
chmod 600 "$KUBECONFIG_FILE"
NODE="$("$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" get nodes -o jsonpath='{.items[0].metadata.name}')"

step "platform config pointing at $E2E_GIT_REPO branches $BRANCH-infra / $BRANCH-deploy"
"$PY" - "$CONFIG" "$WORK/platform.yaml" "$E2E_GIT_REPO" "$BRANCH" "$NODE" <<'PY'
import sys, yaml
src, dst, repo, branch, node = sys.argv[1:]
cfg = yaml.safe_load(open(src))
cfg["git"]["deploy"] = {"url": repo, "branch": f"{branch}-deploy"}
cfg["git"]["infrastructure"] = {"url": repo, "branch": f"{branch}-infra"}
cfg["cluster"]["nodes"][0]["name"] = node  # preflight compares node names
cfg["project"]["kubernetesVersion"] = "1.35"
yaml.safe_dump(cfg, open(dst, "w"), sort_keys=False)
PY

step "pinned CRDs and chart schemas (for validate and the bootstrap CRD step)"
"$MGCTL" schemas fetch

step "render and push"
"$MGCTL" render -c "$WORK/platform.yaml" -o "$WORK/out" --force
for part in infra:mg-infrastructure deploy:mg-deploy; do
  suffix="${part%%:*}"; dir="$WORK/out/${part#*:}"
  git -C "$dir" init -q -b "$BRANCH-$suffix"
  git -C "$dir" add -A
  git -C "$dir" -c user.name=mgctl-e2e -c user.email=e2e@mgctl.invalid commit -q -m "e2e render"
  git -C "$dir" push -q "$E2E_GIT_REPO" "HEAD:refs/heads/$BRANCH-$suffix"
done

BOOTSTRAP=("$MGCTL" bootstrap -c "$WORK/platform.yaml" --out "$WORK/out" --yes
           --kubeconfig "$KUBECONFIG_FILE" --timeout "$TIMEOUT")

step "bootstrap --dry-run"
"${BOOTSTRAP[@]}" --dry-run

step "bootstrap"
"${BOOTSTRAP[@]}" | tee "$WORK/first.log"

snapshot() {  # resourceVersions of what bootstrap owns + the helm revision of Argo CD
  local k=("$KUBECTL" --kubeconfig "$KUBECONFIG_FILE")
  "${k[@]}" get namespaces -o jsonpath='{range .items[*]}{.metadata.name}={.metadata.resourceVersion}{"\n"}{end}'
  "${k[@]}" get crd applications.argoproj.io applicationsets.argoproj.io appprojects.argoproj.io \
    -o jsonpath='{range .items[*]}{.metadata.name}={.metadata.generation}{"\n"}{end}'
  "${k[@]}" get secrets -A -l app.kubernetes.io/managed-by=mgctl-bootstrap \
    -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}={.metadata.resourceVersion}{"\n"}{end}'
  "${k[@]}" -n argocd get application root -o jsonpath='root={.metadata.generation}{"\n"}'
  "$HELM" --kubeconfig "$KUBECONFIG_FILE" -n argocd list -o json \
    | "$PY" -c 'import json, sys; [print("helm %s=%s" % (r["name"], r["revision"])) for r in json.load(sys.stdin)]'
}
snapshot > "$WORK/before.txt"

step "bootstrap again: must change nothing"
"${BOOTSTRAP[@]}" | tee "$WORK/second.log"
done_steps="$(grep -c ': already done' "$WORK/second.log" || true)"
[[ "$done_steps" == "6" ]] || fail "second run: expected 6 steps 'already done', got $done_steps"
snapshot > "$WORK/after.txt"
diff -u "$WORK/before.txt" "$WORK/after.txt" || fail "second bootstrap changed the cluster"

step "doctor"
"$MGCTL" doctor -c "$WORK/platform.yaml" --kubeconfig "$KUBECONFIG_FILE"

echo
echo "e2e: PASS"
