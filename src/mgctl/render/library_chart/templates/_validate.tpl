{{/*
mg.validate: cross-field checks that a JSON Schema cannot express (or that must also hold when
a chart ships without values.schema.json). Every top-level mg.* template includes it, so the
same message appears whichever template helm renders first. Messages name the offending key
as values.<path>.
*/}}
{{- define "mg.validate" -}}
{{- $v := .Values }}
{{- $_ := include "mg.image" . }}
{{- $_ = include "mg.imagePullSecrets" . }}

{{- /* Port names must be unique across the pod's containers (Kubernetes rejects duplicates). */}}
{{- $portNames := dict "http" "the main container's service port" }}
{{- range $i, $port := $v.extraPorts | default list }}
{{- if not (and (kindIs "map" $port) $port.name $port.containerPort) }}
{{- fail (printf "mg-library: values.extraPorts[%d] needs name and containerPort" $i) }}
{{- end }}
{{- if hasKey $portNames $port.name }}
{{- fail (printf "mg-library: values.extraPorts[%d].name %q is already used by %s" $i $port.name (get $portNames $port.name)) }}
{{- end }}
{{- $_ = set $portNames $port.name (printf "values.extraPorts[%d]" $i) }}
{{- end }}

{{- $containerNames := dict .Chart.Name "the main container" }}
{{- range $i, $sidecar := $v.sidecars | default list }}
{{- if not (kindIs "map" $sidecar) }}
{{- fail (printf "mg-library: values.sidecars[%d] must be a map with name and image" $i) }}
{{- end }}
{{- if not $sidecar.name }}
{{- fail (printf "mg-library: values.sidecars[%d].name is required" $i) }}
{{- end }}
{{- if not $sidecar.image }}
{{- fail (printf "mg-library: values.sidecars[%d].image is required" $i) }}
{{- end }}
{{- if hasKey $containerNames $sidecar.name }}
{{- fail (printf "mg-library: values.sidecars[%d].name %q is already used by %s" $i $sidecar.name (get $containerNames $sidecar.name)) }}
{{- end }}
{{- $_ = set $containerNames $sidecar.name (printf "values.sidecars[%d]" $i) }}
{{- range $j, $port := $sidecar.ports | default list }}
{{- if and (kindIs "map" $port) $port.name }}
{{- if hasKey $portNames $port.name }}
{{- fail (printf "mg-library: values.sidecars[%d].ports[%d].name %q is already used by %s" $i $j $port.name (get $portNames $port.name)) }}
{{- end }}
{{- $_ = set $portNames $port.name (printf "values.sidecars[%d].ports[%d]" $i $j) }}
{{- end }}
{{- end }}
{{- end }}

{{- range $i, $init := $v.initContainers | default list }}
{{- if not (kindIs "map" $init) }}
{{- fail (printf "mg-library: values.initContainers[%d] must be a container map with name and image" $i) }}
{{- end }}
{{- if not $init.name }}
{{- fail (printf "mg-library: values.initContainers[%d].name is required" $i) }}
{{- end }}
{{- if not $init.image }}
{{- fail (printf "mg-library: values.initContainers[%d].image is required" $i) }}
{{- end }}
{{- end }}

{{- range $key, $_ := include "mg.selectorLabels" . | fromYaml }}
{{- if hasKey ($v.podLabels | default dict) $key }}
{{- fail (printf "mg-library: values.podLabels must not set the selector label %q (it would detach the pods from the Deployment and Service)" $key) }}
{{- end }}
{{- end }}

{{- /* A worker (service.http: false) has no port "http": its liveness probe is a command, a
     gRPC health check or a TCP connect, never the default HTTP GET, and no probe may name
     the missing port (the kubelet would fail it forever and restart the pod). */}}
{{- $hasHttp := include "mg.hasHttp" . }}
{{- $probes := $v.probes | default dict }}
{{- range $kind := list "liveness" "readiness" "startup" }}
{{- $probe := get $probes $kind | default dict }}
{{- if include "mg.flag" (list $probe "enabled" true) }}
{{- $type := $probe.type | default "httpGet" }}
{{- if not (has $type (list "httpGet" "tcpSocket" "grpc" "exec")) }}
{{- fail (printf "mg-library: values.probes.%s.type must be one of httpGet, tcpSocket, grpc, exec (got %q)" $kind (toString $type)) }}
{{- end }}
{{- if not $hasHttp }}
{{- if and (eq $kind "liveness") (eq $type "httpGet") }}
{{- fail "mg-library: values.probes.liveness: the main container serves no http port (values.service.http is false), so the default HTTP GET cannot run: give probes.liveness.type exec (with command), grpc or tcpSocket (with a port of values.extraPorts), or probes.liveness.enabled: false" }}
{{- end }}
{{- if and (has $type (list "httpGet" "tcpSocket")) (eq (toString ($probe.port | default "http")) "http") }}
{{- fail (printf "mg-library: values.probes.%s.port: the main container has no port \"http\" (values.service.http is false): name a port of values.extraPorts or give a number" $kind) }}
{{- end }}
{{- if and (eq $type "grpc") (not $probe.port) }}
{{- fail (printf "mg-library: values.probes.%s.port is required for a grpc probe when the main container has no http port (values.service.http is false)" $kind) }}
{{- end }}
{{- end }}
{{- if and (eq $type "grpc") (hasKey $probe "port") (not (kindIs "float64" $probe.port)) (not (kindIs "int64" $probe.port)) (not (kindIs "int" $probe.port)) }}
{{- fail (printf "mg-library: values.probes.%s.port must be a port number for a grpc probe (named ports are not allowed)" $kind) }}
{{- end }}
{{- if and (eq $type "exec") (not $probe.command) }}
{{- fail (printf "mg-library: values.probes.%s.command is required when values.probes.%s.type is exec" $kind $kind) }}
{{- end }}
{{- end }}
{{- end }}

{{- $autoscaling := $v.autoscaling | default dict }}
{{- if $autoscaling.enabled }}
{{- $min := int (include "mg.valueOr" (list $autoscaling "minReplicas" 1)) }}
{{- $max := int (include "mg.valueOr" (list $autoscaling "maxReplicas" 3)) }}
{{- if gt $min $max }}
{{- fail (printf "mg-library: values.autoscaling.minReplicas (%d) must not exceed values.autoscaling.maxReplicas (%d)" $min $max) }}
{{- end }}
{{- end }}

{{- $metrics := $v.metrics | default dict }}
{{- if and $metrics.enabled (not $hasHttp) (eq (toString ($metrics.port | default "http")) "http") }}
{{- fail "mg-library: values.metrics.port: the main container serves no http port (values.service.http is false): scrape a port of values.service.extraPorts (metrics.port: <its name>) or set metrics.enabled: false" }}
{{- end }}
{{- if and $metrics.enabled $metrics.port (ne (toString $metrics.port) "http") }}
{{- $servicePorts := list }}
{{- range (($v.service | default dict).extraPorts | default list) }}
{{- $servicePorts = append $servicePorts (toString .name) }}
{{- end }}
{{- if not (has (toString $metrics.port) $servicePorts) }}
{{- fail (printf "mg-library: values.metrics.port %q must name a Service port: \"http\" or one of values.service.extraPorts[].name" (toString $metrics.port)) }}
{{- end }}
{{- end }}

{{- $es := $v.externalSecret | default dict }}
{{- if $es.enabled }}
{{- if not $es.keys }}
{{- fail "mg-library: values.externalSecret.keys must list at least one {secretKey, remoteKey} when externalSecret.enabled is true" }}
{{- end }}
{{- range $i, $key := $es.keys }}
{{- if not (kindIs "map" $key) }}
{{- fail (printf "mg-library: values.externalSecret.keys[%d] must be a map {secretKey, remoteKey}" $i) }}
{{- end }}
{{- if not $key.secretKey }}
{{- fail (printf "mg-library: values.externalSecret.keys[%d].secretKey is required" $i) }}
{{- end }}
{{- if not (or $key.remoteKey (and (kindIs "map" $key.remoteRef) $key.remoteRef.key)) }}
{{- fail (printf "mg-library: values.externalSecret.keys[%d].remoteKey is required (or remoteRef.key)" $i) }}
{{- end }}
{{- end }}
{{- end }}

{{- $ingress := $v.ingress | default dict }}
{{- if and $ingress.enabled (not $hasHttp) }}
{{- fail "mg-library: values.ingress.enabled: the main container serves no http port (values.service.http is false), so there is nothing to route to: set service.http: true or ingress.enabled: false" }}
{{- end }}
{{- if $ingress.enabled }}
{{- if not $ingress.host }}
{{- fail "mg-library: values.ingress.host is required when ingress.enabled is true" }}
{{- end }}
{{- if or (contains "`" (toString $ingress.host)) (contains " " (toString $ingress.host)) }}
{{- fail (printf "mg-library: values.ingress.host %q is not a hostname" (toString $ingress.host)) }}
{{- end }}
{{- range $i, $path := $ingress.paths | default list }}
{{- if or (not (kindIs "string" $path)) (not (hasPrefix "/" $path)) (contains "`" $path) }}
{{- fail (printf "mg-library: values.ingress.paths[%d] must be a path prefix starting with /" $i) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
