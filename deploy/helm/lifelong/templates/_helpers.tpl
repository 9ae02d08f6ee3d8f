{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "lifelong.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: the release name, plus the chart name unless the release name contains it. */}}
{{- define "lifelong.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "lifelong.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "lifelong.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lifelong.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "lifelong.labels" -}}
helm.sh/chart: {{ include "lifelong.chart" . }}
{{ include "lifelong.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "lifelong.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "lifelong.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* terminationGracePeriodSeconds: the runtime's shutdown budget in whole seconds, rounded up, plus a margin. */}}
{{- define "lifelong.terminationGracePeriodSeconds" -}}
{{- add (div (add (int .Values.shutdownTimeoutMs) 999) 1000) (int .Values.terminationGraceMarginSeconds) }}
{{- end }}
