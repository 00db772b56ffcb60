{{/*
mg-library helpers: names, labels, image, pull secrets, flags and security-context defaults.

Every template reads optional sections through `| default dict`, so any subset of values
keys renders (no nil-pointer on an omitted section). Booleans whose default is true are
read with "mg.flag" (hasKey), never with `default`, because `default true false` is true.
*/}}

{{/* Expand the name of the chart. */}}
{{- define "mg.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: <release>-<name>, or the release name when it contains the name. */}}
{{- define "mg.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Chart name and version as used by the chart label. */}}
{{- define "mg.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Common labels. */}}
{{- define "mg.labels" -}}
helm.sh/chart: {{ include "mg.chart" . }}
{{ include "mg.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: mg-central
{{- end }}

{{/* Selector labels. */}}
{{- define "mg.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mg.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
mg.flag: a boolean with a default that survives `false` (a null value means the default).
Usage: {{ if include "mg.flag" (list $section "key" true) }} — prints "true" or nothing.
*/}}
{{- define "mg.flag" -}}
{{- $section := index . 0 }}
{{- $key := index . 1 }}
{{- $value := index . 2 }}
{{- if and (kindIs "map" $section) (hasKey $section $key) (not (kindIs "invalid" (index $section $key))) }}
{{- $value = index $section $key }}
{{- end }}
{{- if $value }}true{{ end }}
{{- end }}

{{/* mg.bool: like mg.flag but prints "true" or "false" (for YAML fields). */}}
{{- define "mg.bool" -}}
{{- if include "mg.flag" . }}true{{ else }}false{{ end }}
{{- end }}

{{/*
mg.valueOr: (list $section "key" default) → the key's value when present and not null,
otherwise the default. Unlike `default`, keeps 0 and "".
Returns YAML (use `| fromYaml`-free printing: it is printed with toYaml for scalars).
*/}}
{{- define "mg.valueOr" -}}
{{- $section := index . 0 }}
{{- $key := index . 1 }}
{{- $value := index . 2 }}
{{- if and (kindIs "map" $section) (hasKey $section $key) (not (kindIs "invalid" (index $section $key))) }}
{{- $value = index $section $key }}
{{- end }}
{{- toYaml $value }}
{{- end }}

{{/* Service account name: created → serviceAccount.name or fullname; not created → name or "default". */}}
{{- define "mg.serviceAccountName" -}}
{{- $sa := .Values.serviceAccount | default dict }}
{{- if include "mg.flag" (list $sa "create" true) }}
{{- default (include "mg.fullname" .) $sa.name }}
{{- else }}
{{- default "default" $sa.name }}
{{- end }}
{{- end }}

{{/* The main container image: [registry/]repository:tag, tag defaulting to .Chart.AppVersion. */}}
{{- define "mg.image" -}}
{{- $image := .Values.image | default dict }}
{{- if not $image.repository }}
{{- fail "mg-library: values.image.repository is required (e.g. image.repository: shykhov/mg.engine)" }}
{{- end }}
{{- $tag := toString (default .Chart.AppVersion $image.tag | default "") }}
{{- if not $tag }}
{{- fail "mg-library: values.image.tag is empty and the chart has no appVersion: set image.tag (Argo CD Image Updater writes it) or appVersion in Chart.yaml" }}
{{- end }}
{{- if $image.registry }}
{{- printf "%s/%s:%s" $image.registry $image.repository $tag }}
{{- else }}
{{- printf "%s:%s" $image.repository $tag }}
{{- end }}
{{- end }}

{{/*
imagePullSecrets block. global.imagePullSecrets wins over imagePullSecrets (seed behaviour).
Each item may be a plain secret name or a {name: <secret>} map (the seed's example values use
the map form while the seed's helper expected strings).
*/}}
{{- define "mg.imagePullSecrets" -}}
{{- $global := .Values.global | default dict }}
{{- $key := "imagePullSecrets" }}
{{- $secrets := .Values.imagePullSecrets | default list }}
{{- if and (kindIs "map" $global) $global.imagePullSecrets }}
{{- $key = "global.imagePullSecrets" }}
{{- $secrets = $global.imagePullSecrets }}
{{- end }}
{{- if $secrets }}
imagePullSecrets:
{{- range $i, $secret := $secrets }}
{{- if and (kindIs "string" $secret) $secret }}
  - name: {{ $secret | quote }}
{{- else if and (kindIs "map" $secret) $secret.name }}
  - name: {{ $secret.name | quote }}
{{- else }}
{{- fail (printf "mg-library: values.%s[%d] must be a secret name or {name: <secret name>}" $key $i) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* Environment name: selects the ClusterSecretStore doppler-<environment>. */}}
{{- define "mg.environment" -}}
{{- .Values.environment | default "development" }}
{{- end }}

{{/* The Secret the ExternalSecret writes and the pod reads through envFrom. */}}
{{- define "mg.externalSecret.targetName" -}}
{{- printf "%s-secrets" (include "mg.fullname" .) }}
{{- end }}

{{/*
Container securityContext: Pod Security Standards "restricted" defaults MERGED with the
override (an override giving only readOnlyRootFilesystem: false keeps drop ALL etc.).
Argument: the override map or nil.
*/}}
{{- define "mg.containerSecurityContext" -}}
{{- $defaults := dict "allowPrivilegeEscalation" false "readOnlyRootFilesystem" true "capabilities" (dict "drop" (list "ALL")) }}
{{- $override := . | default dict }}
{{- toYaml (mustMergeOverwrite $defaults (deepCopy $override)) }}
{{- end }}

{{/* Pod securityContext: restricted defaults (uid/gid/fsGroup 1000, RuntimeDefault seccomp) merged with podSecurityContext. */}}
{{- define "mg.podSecurityContext" -}}
{{- $defaults := dict "runAsNonRoot" true "runAsUser" 1000 "runAsGroup" 1000 "fsGroup" 1000 "seccompProfile" (dict "type" "RuntimeDefault") }}
{{- $override := .Values.podSecurityContext | default dict }}
{{- toYaml (mustMergeOverwrite $defaults (deepCopy $override)) }}
{{- end }}

{{/*
mg.hasHttp: "true" when the main container serves the port "http" (service.http, default true).
A worker (a Kafka consumer, a scheduler) sets service.http: false: no container port "http", no
Service port for it, no ingress; the Service then carries only service.extraPorts (e.g. the
metrics port a ServiceMonitor scrapes) and is not rendered when there are none.
*/}}
{{- define "mg.hasHttp" -}}
{{- include "mg.flag" (list (.Values.service | default dict) "http" true) }}
{{- end }}

{{/* The main container's port (service.port, default 8080); the container port "http". */}}
{{- define "mg.servicePort" -}}
{{- $service := .Values.service | default dict }}
{{- $service.port | default 8080 }}
{{- end }}
