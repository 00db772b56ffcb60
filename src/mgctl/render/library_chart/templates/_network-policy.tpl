{{/*
mg.networkPolicy: default-deny NetworkPolicy (policyTypes Ingress + Egress) with explicit allows.
An absent networkPolicy section means enabled (default-deny posture); networkPolicy.enabled: false
renders nothing.

Ingress: same namespace and networkPolicy.ingressFromNamespaces (default [traefik, monitoring]) to
the "http" port (and metrics.port when it is another named port); anything else (extra ports,
sidecar ports) only through networkPolicy.extraIngress. A worker (service.http: false) admits
only its metrics port from those namespaces, and nothing at all without one (ingress: []).
Egress: DNS to kube-dns in kube-system (always); pods of the same namespace (egress.sameNamespace,
default true: the counterpart of the same-namespace ingress rule, without it services in one
namespace could not call each other); Kafka (egress.kafka, default true) to
egress.kafkaNamespace (default kafka) on 9092/9093; PostgreSQL (egress.postgres, default true) to
egress.databaseNamespace (default databases) on 5432; HTTPS to the internet (allowExternalHTTPS,
default false): 0.0.0.0/0 minus private, CGNAT and link-local ranges, TCP 443; plus extraEgress.
Traffic between containers of one pod goes over localhost and needs no rule.
*/}}
{{- define "mg.networkPolicy" -}}
{{- include "mg.validate" . }}
{{- $np := .Values.networkPolicy | default dict }}
{{- if include "mg.flag" (list $np "enabled" true) }}
{{- $egress := $np.egress | default dict }}
{{- $metrics := .Values.metrics | default dict }}
{{- $servicePort := include "mg.servicePort" . }}
{{- $namespaces := list "traefik" "monitoring" }}
{{- if and (hasKey $np "ingressFromNamespaces") (not (kindIs "invalid" $np.ingressFromNamespaces)) }}
{{- $namespaces = $np.ingressFromNamespaces | default list }}
{{- end }}
{{- $hasHttp := include "mg.hasHttp" . }}
{{- $namespacePorts := list }}
{{- if $hasHttp }}
{{- $namespacePorts = append $namespacePorts $servicePort }}
{{- end }}
{{- if and $metrics.enabled $metrics.port (ne (toString $metrics.port) "http") }}
{{- $namespacePorts = append $namespacePorts $metrics.port }}
{{- end }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "mg.fullname" . }}
  labels:
    {{- include "mg.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "mg.selectorLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
    - Egress
  {{- if or $hasHttp (and $namespaces $namespacePorts) $np.extraIngress }}
  ingress:
    {{- if $hasHttp }}
    # Same namespace
    - from:
        - podSelector: {}
      ports:
        - protocol: TCP
          port: {{ $servicePort }}
    {{- end }}
    {{- if and $namespaces $namespacePorts }}
    # Ingress controller, Prometheus and other listed namespaces
    - from:
        {{- range $namespaces }}
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ . }}
        {{- end }}
      ports:
        {{- range $namespacePorts }}
        - protocol: TCP
          port: {{ . }}
        {{- end }}
    {{- end }}
    {{- with $np.extraIngress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- else }}
  # A worker without ports: nothing may connect to it
  ingress: []
  {{- end }}
  egress:
    # DNS
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: kube-system
          podSelector:
            matchLabels:
              k8s-app: kube-dns
      ports:
        - protocol: UDP
          port: 53
        - protocol: TCP
          port: 53
    {{- if include "mg.flag" (list $egress "sameNamespace" true) }}
    # Other pods of this namespace (their own policies admit only their service ports)
    - to:
        - podSelector: {}
    {{- end }}
    {{- if include "mg.flag" (list $egress "kafka" true) }}
    # Kafka (Strimzi plain and TLS listeners)
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ $egress.kafkaNamespace | default "kafka" }}
      ports:
        - protocol: TCP
          port: 9092
        - protocol: TCP
          port: 9093
    {{- end }}
    {{- if include "mg.flag" (list $egress "postgres" true) }}
    # PostgreSQL (CloudNativePG)
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ $egress.databaseNamespace | default "databases" }}
      ports:
        - protocol: TCP
          port: 5432
    {{- end }}
    {{- if $np.allowExternalHTTPS }}
    # HTTPS to the internet (exchange APIs), never to cluster or private networks
    - to:
        - ipBlock:
            cidr: 0.0.0.0/0
            except:
              - 10.0.0.0/8
              - 172.16.0.0/12
              - 192.168.0.0/16
              - 100.64.0.0/10
              - 169.254.0.0/16
      ports:
        - protocol: TCP
          port: 443
    {{- end }}
    {{- with $np.extraEgress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end }}
{{- end }}
