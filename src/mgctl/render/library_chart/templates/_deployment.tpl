{{/*
mg.deployment: the service's Deployment. Main container named after the chart, optional init
containers and sidecars, probes, restricted security contexts (merged with overrides), /tmp
emptyDir, volumes and scheduling. Restart on secret change: see mg.deployment.secretAnnotations.
*/}}
{{- define "mg.deployment" -}}
{{- include "mg.validate" . }}
{{- $v := .Values }}
{{- $image := $v.image | default dict }}
{{- $autoscaling := $v.autoscaling | default dict }}
{{- $es := $v.externalSecret | default dict }}
{{- $tmpDir := $v.tmpDir | default dict }}
{{- $serviceAccount := $v.serviceAccount | default dict }}
{{- $reload := and $es.enabled (include "mg.flag" (list $es "reloadOnChange" true)) }}

{{- $deploymentAnnotations := dict }}
{{- if $reload }}
{{- $_ := set $deploymentAnnotations "secret.reloader.stakater.com/reload" (include "mg.externalSecret.targetName" .) }}
{{- end }}
{{- $deploymentAnnotations = mustMergeOverwrite $deploymentAnnotations (deepCopy ($v.deploymentAnnotations | default dict)) }}

{{- $podAnnotations := dict }}
{{- if $reload }}
{{- $_ := set $podAnnotations "checksum/external-secret" (include "mg.externalSecret.spec" . | trim | sha256sum) }}
{{- end }}
{{- with $v.configFiles }}
{{- $_ := set $podAnnotations "checksum/config" (toYaml . | sha256sum) }}
{{- end }}
{{- /* Probes switched off on purpose are named on the pod, so validation can tell a decision
     from an omission (docs/validation.md, the probes check). */}}
{{- $disabledProbes := list }}
{{- range $kind := list "liveness" "readiness" "startup" }}
{{- $probe := get ($v.probes | default dict) $kind | default dict }}
{{- if not (include "mg.flag" (list $probe "enabled" true)) }}
{{- $disabledProbes = append $disabledProbes $kind }}
{{- end }}
{{- end }}
{{- with $disabledProbes }}
{{- $_ := set $podAnnotations "mgctl.io/disabled-probes" (join "," .) }}
{{- end }}
{{- $podAnnotations = mustMergeOverwrite $podAnnotations (deepCopy ($v.podAnnotations | default dict)) }}

{{- /* SPRING_PROFILES_ACTIVE: default "kubernetes"; an explicit empty springProfile omits it,
     and so does an env entry of that name (no duplicate variable). */}}
{{- $env := list }}
{{- $envNames := list }}
{{- range $v.env | default list }}
{{- if kindIs "map" . }}{{ $envNames = append $envNames .name }}{{ end }}
{{- end }}
{{- if has "SPRING_PROFILES_ACTIVE" $envNames }}
{{- else if not (hasKey $v "springProfile") }}
{{- $env = append $env (dict "name" "SPRING_PROFILES_ACTIVE" "value" "kubernetes") }}
{{- else if $v.springProfile }}
{{- $env = append $env (dict "name" "SPRING_PROFILES_ACTIVE" "value" (toString $v.springProfile)) }}
{{- end }}
{{- $env = concat $env ($v.env | default list) }}

{{- $envFrom := list }}
{{- if $es.enabled }}
{{- $envFrom = append $envFrom (dict "secretRef" (dict "name" (include "mg.externalSecret.targetName" .))) }}
{{- end }}
{{- $envFrom = concat $envFrom ($v.envFrom | default list) }}

{{- $tmpEnabled := include "mg.flag" (list $tmpDir "enabled" true) }}
{{- $volumeMounts := concat ($v.volumeMounts | default list) }}
{{- $volumes := list }}
{{- if $tmpEnabled }}
{{- $volumeMounts = append $volumeMounts (dict "name" "tmp" "mountPath" "/tmp") }}
{{- $volumes = append $volumes (dict "name" "tmp" "emptyDir" (dict "sizeLimit" ($tmpDir.sizeLimit | default "100Mi"))) }}
{{- end }}
{{- if $v.configFiles }}
{{- $volumeMounts = append $volumeMounts (dict "name" "config" "mountPath" (include "mg.configMountPath" .) "readOnly" true) }}
{{- $volumes = append $volumes (dict "name" "config" "configMap" (dict "name" (include "mg.configMap.name" .))) }}
{{- end }}
{{- $volumes = concat $volumes ($v.volumes | default list) }}

{{- /* Sidecars and init containers: verbatim Container objects (any field; Kubernetes schema
     validation of the output catches typos), with the restricted securityContext merged in. */}}
{{- $sidecars := list }}
{{- range $v.sidecars | default list }}
{{- $container := deepCopy . }}
{{- $_ := set $container "securityContext" (include "mg.containerSecurityContext" .securityContext | fromYaml) }}
{{- $sidecars = append $sidecars $container }}
{{- end }}
{{- $initContainers := list }}
{{- range $v.initContainers | default list }}
{{- $container := deepCopy . }}
{{- $_ := set $container "securityContext" (include "mg.containerSecurityContext" .securityContext | fromYaml) }}
{{- $initContainers = append $initContainers $container }}
{{- end }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "mg.fullname" . }}
  labels:
    {{- include "mg.labels" . | nindent 4 }}
  {{- with $deploymentAnnotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- if not $autoscaling.enabled }}
  replicas: {{ include "mg.valueOr" (list $v "replicaCount" 1) }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "mg.selectorLabels" . | nindent 6 }}
  {{- with $v.strategy }}
  strategy:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  template:
    metadata:
      labels:
        {{- include "mg.selectorLabels" . | nindent 8 }}
        {{- with $v.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with $podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      {{- with include "mg.imagePullSecrets" . | trim }}
      {{- . | nindent 6 }}
      {{- end }}
      serviceAccountName: {{ include "mg.serviceAccountName" . }}
      automountServiceAccountToken: {{ include "mg.bool" (list $serviceAccount "automount" false) }}
      securityContext:
        {{- include "mg.podSecurityContext" . | nindent 8 }}
      {{- with $v.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      {{- if and (hasKey $v "terminationGracePeriodSeconds") (not (kindIs "invalid" $v.terminationGracePeriodSeconds)) }}
      terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
      {{- end }}
      {{- with $initContainers }}
      initContainers:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .Chart.Name }}
          image: {{ include "mg.image" . | quote }}
          imagePullPolicy: {{ $image.pullPolicy | default "IfNotPresent" }}
          {{- with $v.command }}
          command:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with $v.args }}
          args:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          securityContext:
            {{- include "mg.containerSecurityContext" $v.securityContext | nindent 12 }}
          {{- $hasHttp := include "mg.hasHttp" . }}
          {{- if or $hasHttp $v.extraPorts }}
          ports:
            {{- if $hasHttp }}
            - name: http
              containerPort: {{ include "mg.servicePort" . }}
              protocol: TCP
            {{- end }}
            {{- range $v.extraPorts | default list }}
            - name: {{ .name }}
              containerPort: {{ .containerPort }}
              protocol: {{ .protocol | default "TCP" }}
            {{- end }}
          {{- end }}
          {{- with include "mg.probes" . | trim }}
          {{- . | nindent 10 }}
          {{- end }}
          {{- with $v.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with $env }}
          env:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with $envFrom }}
          envFrom:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with $volumeMounts }}
          volumeMounts:
            {{- toYaml . | nindent 12 }}
          {{- end }}
        {{- with $sidecars }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with $volumes }}
      volumes:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}

{{/*
mg.probes: liveness/readiness/startup for the main container. An omitted probes section (or
kind) means the seed's Spring Boot actuator probes, enabled. Per kind: enabled, type (httpGet |
tcpSocket | grpc | exec), path, port (default the named port "http"; grpc needs a number,
default service.port), command (exec), initialDelaySeconds, periodSeconds, timeoutSeconds,
failureThreshold, successThreshold.
*/}}
{{- define "mg.probes" -}}
{{- $probes := .Values.probes | default dict }}
{{- $defaults := dict
  "liveness" (dict "path" "/actuator/health/liveness" "initialDelaySeconds" 30 "periodSeconds" 10 "timeoutSeconds" 5 "failureThreshold" 3)
  "readiness" (dict "path" "/actuator/health/readiness" "initialDelaySeconds" 5 "periodSeconds" 5 "timeoutSeconds" 3 "failureThreshold" 3)
  "startup" (dict "path" "/actuator/health/liveness" "initialDelaySeconds" 10 "periodSeconds" 10 "timeoutSeconds" 5 "failureThreshold" 30)
}}
{{- $servicePort := include "mg.servicePort" . }}
{{- range $kind := list "liveness" "readiness" "startup" }}
{{- $probe := get $probes $kind | default dict }}
{{- $default := get $defaults $kind }}
{{- if include "mg.flag" (list $probe "enabled" true) }}
{{- $type := $probe.type | default "httpGet" }}
{{ $kind }}Probe:
  {{- if eq $type "httpGet" }}
  httpGet:
    path: {{ $probe.path | default $default.path | quote }}
    port: {{ $probe.port | default "http" }}
    {{- with $probe.scheme }}
    scheme: {{ . }}
    {{- end }}
  {{- else if eq $type "tcpSocket" }}
  tcpSocket:
    port: {{ $probe.port | default "http" }}
  {{- else if eq $type "grpc" }}
  grpc:
    port: {{ $probe.port | default $servicePort }}
    {{- with $probe.service }}
    service: {{ . | quote }}
    {{- end }}
  {{- else if eq $type "exec" }}
  exec:
    command:
      {{- toYaml $probe.command | nindent 6 }}
  {{- end }}
  {{- range $field := list "initialDelaySeconds" "periodSeconds" "timeoutSeconds" "failureThreshold" "successThreshold" }}
  {{- if and (hasKey $probe $field) (not (kindIs "invalid" (index $probe $field))) }}
  {{ $field }}: {{ index $probe $field }}
  {{- else if hasKey $default $field }}
  {{ $field }}: {{ index $default $field }}
  {{- end }}
  {{- end }}
{{- end }}
{{- end }}
{{- end }}
