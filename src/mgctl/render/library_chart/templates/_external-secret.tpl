{{/*
mg.externalSecret: ESO external-secrets.io/v1 ExternalSecret when externalSecret.enabled.
Store: ClusterSecretStore externalSecret.secretStoreName (default doppler-<environment>).
Target Secret: <fullname>-secrets (the Deployment reads it through envFrom).
keys[]: {secretKey, remoteKey} (seed form) or {secretKey, remoteRef: {key, property, ...}}.

The spec is its own template so the Deployment can hash it: checksum/external-secret changes
when the key mapping/store/refresh changes (rolls pods); value rotations in Doppler do not change
the manifest, so the Deployment also carries the Stakater Reloader annotation.
*/}}
{{- define "mg.externalSecret.spec" -}}
{{- $es := .Values.externalSecret | default dict }}
refreshInterval: {{ $es.refreshInterval | default "1h" | quote }}
secretStoreRef:
  kind: ClusterSecretStore
  name: {{ $es.secretStoreName | default (printf "doppler-%s" (include "mg.environment" .)) }}
target:
  name: {{ include "mg.externalSecret.targetName" . }}
  creationPolicy: Owner
data:
  {{- range $es.keys | default list }}
  - secretKey: {{ .secretKey | quote }}
    remoteRef:
      {{- if .remoteRef }}
      {{- toYaml .remoteRef | nindent 6 }}
      {{- else }}
      key: {{ .remoteKey | quote }}
      {{- end }}
  {{- end }}
{{- end }}

{{- define "mg.externalSecret" -}}
{{- include "mg.validate" . }}
{{- $es := .Values.externalSecret | default dict }}
{{- if $es.enabled }}
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: {{ include "mg.fullname" . }}
  labels:
    {{- include "mg.labels" . | nindent 4 }}
spec:
  {{- include "mg.externalSecret.spec" . | trim | nindent 2 }}
{{- end }}
{{- end }}
