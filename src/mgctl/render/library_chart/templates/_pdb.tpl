{{/*
mg.pdb: PodDisruptionBudget when pdb.enabled; pdb.minAvailable or pdb.maxUnavailable (default
maxUnavailable 1). Both set: minAvailable wins, as in the seed's library (a values file that
adds minAvailable over the seed's maxUnavailable: 1 keeps rendering).
*/}}
{{- define "mg.pdb" -}}
{{- include "mg.validate" . }}
{{- $pdb := .Values.pdb | default dict }}
{{- if $pdb.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "mg.fullname" . }}
  labels:
    {{- include "mg.labels" . | nindent 4 }}
spec:
  {{- if and (hasKey $pdb "minAvailable") (not (kindIs "invalid" $pdb.minAvailable)) }}
  minAvailable: {{ $pdb.minAvailable }}
  {{- else if and (hasKey $pdb "maxUnavailable") (not (kindIs "invalid" $pdb.maxUnavailable)) }}
  maxUnavailable: {{ $pdb.maxUnavailable }}
  {{- else }}
  maxUnavailable: 1
  {{- end }}
  selector:
    matchLabels:
      {{- include "mg.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end }}
