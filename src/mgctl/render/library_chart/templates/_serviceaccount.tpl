{{/*
mg.serviceAccount: the ServiceAccount the pod runs as (the seed pointed serviceAccountName at an
account nothing created). serviceAccount.create (default true), serviceAccount.name (default
fullname), serviceAccount.annotations, serviceAccount.automount (default false: the pod gets no
API token unless asked).
*/}}
{{- define "mg.serviceAccount" -}}
{{- include "mg.validate" . }}
{{- $sa := .Values.serviceAccount | default dict }}
{{- if include "mg.flag" (list $sa "create" true) }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "mg.serviceAccountName" . }}
  labels:
    {{- include "mg.labels" . | nindent 4 }}
  {{- with $sa.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: {{ include "mg.bool" (list $sa "automount" false) }}
{{- end }}
{{- end }}
