{{/* mg.hpa: autoscaling/v2 HPA on the Deployment when autoscaling.enabled. */}}
{{- define "mg.hpa" -}}
{{- include "mg.validate" . }}
{{- $autoscaling := .Values.autoscaling | default dict }}
{{- if $autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "mg.fullname" . }}
  labels:
    {{- include "mg.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "mg.fullname" . }}
  minReplicas: {{ include "mg.valueOr" (list $autoscaling "minReplicas" 1) }}
  maxReplicas: {{ include "mg.valueOr" (list $autoscaling "maxReplicas" 3) }}
  {{- if or $autoscaling.targetCPUUtilizationPercentage $autoscaling.targetMemoryUtilizationPercentage }}
  metrics:
    {{- with $autoscaling.targetCPUUtilizationPercentage }}
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
    {{- with $autoscaling.targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
  {{- end }}
  {{- with $autoscaling.behavior }}
  behavior:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}
