{{/*
mg.certificate: cert-manager Certificate <fullname>-tls for ingress.host, issued by the
ClusterIssuer ingress.tls.clusterIssuer (default letsencrypt-production), when ingress.enabled and
ingress.tls.enabled (default true). The IngressRoute's tls.secretName points at its secret.
*/}}
{{- define "mg.certificate" -}}
{{- include "mg.validate" . }}
{{- $ingress := .Values.ingress | default dict }}
{{- $tls := $ingress.tls | default dict }}
{{- if and $ingress.enabled (include "mg.flag" (list $tls "enabled" true)) }}
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: {{ include "mg.fullname" . }}-tls
  labels:
    {{- include "mg.labels" . | nindent 4 }}
spec:
  secretName: {{ include "mg.fullname" . }}-tls
  dnsNames:
    - {{ $ingress.host | quote }}
  issuerRef:
    group: cert-manager.io
    kind: ClusterIssuer
    name: {{ $tls.clusterIssuer | default "letsencrypt-production" }}
{{- end }}
{{- end }}
