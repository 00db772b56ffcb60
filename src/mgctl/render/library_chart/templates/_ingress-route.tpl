{{/*
mg.ingressRoute: Traefik IngressRoute (traefik.io/v1alpha1) when ingress.enabled.
One route per ingress.paths entry (default ["/"]): Host(`host`) && PathPrefix(`path`) → the
Service's http port. ingress.auth (default true) adds the ForwardAuth middleware
ingress.middleware.{name,namespace} (default auth0-auth in traefik; a cross-namespace reference
needs Traefik's kubernetesCRD.allowCrossNamespace). ingress.tls.enabled (default true) serves the
cert-manager Certificate's secret <fullname>-tls (see mg.certificate).
*/}}
{{- define "mg.ingressRoute" -}}
{{- include "mg.validate" . }}
{{- $ingress := .Values.ingress | default dict }}
{{- if $ingress.enabled }}
{{- $middleware := $ingress.middleware | default dict }}
{{- $tls := $ingress.tls | default dict }}
{{- $fullname := include "mg.fullname" . }}
{{- $servicePort := include "mg.servicePort" . }}
{{- $auth := include "mg.flag" (list $ingress "auth" true) }}
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "mg.labels" . | nindent 4 }}
spec:
  entryPoints:
    {{- toYaml ($ingress.entryPoints | default (list "websecure")) | nindent 4 }}
  routes:
    {{- range $ingress.paths | default (list "/") }}
    - match: {{ printf "Host(`%s`) && PathPrefix(`%s`)" $ingress.host . | quote }}
      kind: Rule
      {{- if $auth }}
      middlewares:
        - name: {{ $middleware.name | default "auth0-auth" }}
          namespace: {{ $middleware.namespace | default "traefik" }}
      {{- end }}
      services:
        - name: {{ $fullname }}
          port: {{ $servicePort }}
    {{- end }}
  {{- if include "mg.flag" (list $tls "enabled" true) }}
  tls:
    secretName: {{ $fullname }}-tls
  {{- end }}
{{- end }}
{{- end }}
