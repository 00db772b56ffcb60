{{/*
mg.serviceMonitor: Prometheus Operator ServiceMonitor when metrics.enabled (an absent metrics
section means disabled). Scrapes the Service port metrics.port (default "http") at metrics.path.
metrics.labels are added to the ServiceMonitor's labels (for a Prometheus serviceMonitorSelector).
*/}}
{{- define "mg.serviceMonitor" -}}
{{- include "mg.validate" . }}
{{- $metrics := .Values.metrics | default dict }}
{{- if $metrics.enabled }}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "mg.fullname" . }}
  labels:
    {{- toYaml (mustMergeOverwrite (include "mg.labels" . | fromYaml) (deepCopy ($metrics.labels | default dict))) | nindent 4 }}
spec:
  selector:
    matchLabels:
      {{- include "mg.selectorLabels" . | nindent 6 }}
  namespaceSelector:
    matchNames:
      - {{ .Release.Namespace }}
  endpoints:
    - port: {{ $metrics.port | default "http" }}
      path: {{ $metrics.path | default "/actuator/prometheus" }}
      interval: {{ $metrics.interval | default "30s" }}
      scrapeTimeout: {{ $metrics.scrapeTimeout | default "10s" }}
{{- end }}
{{- end }}
