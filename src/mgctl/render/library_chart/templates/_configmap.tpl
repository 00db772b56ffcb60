{{/*
mg.configMap: configFiles (file name -> content) as a ConfigMap named <fullname>-config, mounted
read-only by mg.deployment at configMountPath (default /etc/<chart name>). The pod template
carries checksum/config, so a changed file rolls the pods.
*/}}
{{- define "mg.configMap.name" -}}
{{- printf "%s-config" (include "mg.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mg.configMountPath" -}}
{{- .Values.configMountPath | default (printf "/etc/%s" .Chart.Name) }}
{{- end }}

{{- define "mg.configMap" -}}
{{- include "mg.validate" . }}
{{- with .Values.configFiles }}
{{- range $name, $content := . }}
{{- if not (regexMatch "^[-._a-zA-Z0-9]+$" $name) }}
{{- fail (printf "mg-library: values.configFiles key %q is not a valid file name (letters, digits, '-', '_', '.')" $name) }}
{{- end }}
{{- if not (kindIs "string" $content) }}
{{- fail (printf "mg-library: values.configFiles.%s must be a string (the file's content)" $name) }}
{{- end }}
{{- end }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "mg.configMap.name" $ }}
  labels:
    {{- include "mg.labels" $ | nindent 4 }}
data:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
