{{/*
mg.service: ClusterIP Service on the named container port "http" (service.port) plus
service.extraPorts. A worker (service.http: false) gets a Service only for its extra ports
(e.g. metrics), and none when it has no ports at all.
*/}}
{{- define "mg.service" -}}
{{- include "mg.validate" . }}
{{- $service := .Values.service | default dict }}
{{- $hasHttp := include "mg.hasHttp" . }}
{{- if or $hasHttp $service.extraPorts }}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "mg.fullname" . }}
  labels:
    {{- include "mg.labels" . | nindent 4 }}
  {{- with $service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $service.type | default "ClusterIP" }}
  ports:
    {{- if $hasHttp }}
    - name: http
      port: {{ include "mg.servicePort" . }}
      targetPort: http
      protocol: TCP
    {{- end }}
    {{- range $i, $port := $service.extraPorts | default list }}
    {{- if not (and (kindIs "map" $port) $port.name $port.port) }}
    {{- fail (printf "mg-library: values.service.extraPorts[%d] needs name and port" $i) }}
    {{- end }}
    - name: {{ $port.name }}
      port: {{ $port.port }}
      targetPort: {{ $port.targetPort | default $port.name }}
      protocol: {{ $port.protocol | default "TCP" }}
    {{- end }}
  selector:
    {{- include "mg.selectorLabels" . | nindent 4 }}
{{- end }}
{{- end }}
