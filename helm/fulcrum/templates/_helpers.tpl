{{- define "fulcrum.fullname" -}}{{ printf "%s" .Release.Name | trunc 40 | trimSuffix "-" }}{{- end -}}
{{- define "fulcrum.host" -}}{{ include "fulcrum.fullname" .root }}-{{ .service }}{{- end -}}

{{- define "fulcrum.labels" -}}
app.kubernetes.io/name: fulcrum
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels: never the version, which spec.selector would freeze. */}}
{{- define "fulcrum.selector" -}}
app.kubernetes.io/name: fulcrum
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "fulcrum.secretName" -}}{{ .Values.secrets.existingSecret | default (printf "%s-secrets" (include "fulcrum.fullname" .)) }}{{- end -}}

{{/* The Secret key holding a service's Redis password: its own ACL user's on the chart's
Redis, the one shared password on an external Redis. */}}
{{- define "fulcrum.redisPasswordKey" -}}
{{- if .root.Values.redis.external.enabled -}}redis-password{{- else -}}redis-password-{{ .service }}{{- end -}}
{{- end -}}

{{/* The Redis users the chart's Redis has besides admin: runtime::redis_acl_services(). */}}
{{- define "fulcrum.redisUsers" -}}
{{- list "feature-engine" "leverage" "market-data" "order-router" "risk-gatekeeper" "signal-engine" | toJson -}}
{{- end -}}

{{- define "fulcrum.redisUrl" -}}
{{- if .root.Values.redis.external.enabled -}}{{ .root.Values.redis.external.url }}
{{- else -}}redis://{{ .service }}@{{ include "fulcrum.fullname" .root }}-redis:6379{{- end -}}
{{- end -}}

{{/* The fulcrum config: the user's keys, the variants' ab: section, mesh.curve. */}}
{{- define "fulcrum.config" -}}
{{- $cfg := deepCopy .Values.config -}}
{{- $variants := list -}}
{{- range $id, $v := .Values.leverage.variants -}}
{{- /* No version here: it travels as the variant's own --version, so swapping one variant's
     version or tag changes that Deployment alone, not the ConfigMap every pod hashes. */ -}}
{{- /* A variant that leaves out weight or marginBudget gets values.yaml's defaults (1). */ -}}
{{- $entry := dict "id" $id "policy" $v.policy "weight" (ternary $v.weight 1 (hasKey $v "weight")) "margin_budget" (ternary $v.marginBudget 1 (hasKey $v "marginBudget")) -}}
{{- if $v.leverage }}{{ $_ := set $entry "leverage" $v.leverage }}{{ end -}}
{{- if $v.filters }}{{ $_ := set $entry "filters" $v.filters }}{{ end -}}
{{- $variants = append $variants $entry -}}
{{- end -}}
{{- $ab := dict "mode" .Values.leverage.mode "deadline_ms" .Values.leverage.deadlineMs "on_taint" .Values.leverage.onTaint "variants" $variants -}}
{{- if .Values.leverage.baseline }}{{ $_ := set $ab "baseline" .Values.leverage.baseline }}{{ end -}}
{{- if .Values.leverage.fallback }}{{ $_ := set $ab "fallback" .Values.leverage.fallback }}{{ end -}}
{{- $_ := set $cfg "ab" $ab -}}
{{- $mesh := get $cfg "mesh" | default dict -}}
{{- if .Values.curve.enabled }}{{ $_ := set $mesh "curve" true }}{{ end -}}
{{- $_ := set $cfg "mesh" $mesh -}}
{{- toYaml $cfg -}}
{{- end -}}

{{/*
A service's Deployment. Args: root, component (Kubernetes name), service (binary), args,
resources, image tag, singleton, extra labels.
*/}}
{{- define "fulcrum.deployment" -}}
{{- $v := .root.Values -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "fulcrum.fullname" .root }}-{{ .component }}
  labels:
    {{- include "fulcrum.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
    app.kubernetes.io/version: {{ .tag | quote }}
    {{- range $k, $val := .labels }}
    {{ $k }}: {{ $val | quote }}
    {{- end }}
spec:
  replicas: 1
  {{- if .singleton }}
  # One replica, replaced not surged: two routers (or gatekeepers) at once would double orders.
  strategy: {type: Recreate}
  {{- else }}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}
  {{- end }}
  selector:
    matchLabels:
      {{- include "fulcrum.selector" (dict "root" .root "component" .component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "fulcrum.selector" (dict "root" .root "component" .component) | nindent 8 }}
        app.kubernetes.io/version: {{ .tag | quote }}
        fulcrum.io/mesh: "true"
        {{- range $k, $val := .labels }}
        {{ $k }}: {{ $val | quote }}
        {{- end }}
      annotations:
        checksum/config: {{ include "fulcrum.config" .root | sha256sum }}
        {{- if $v.monitoring.scrapeAnnotations }}
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ $v.ports.metrics | quote }}
        {{- end }}
    spec:
      automountServiceAccountToken: false
      securityContext:
        {{- toYaml $v.podSecurityContext | nindent 8 }}
      containers:
        - name: {{ .service }}
          image: "{{ $v.image.repository }}:{{ .tag }}"
          imagePullPolicy: {{ $v.image.pullPolicy }}
          command: ["/usr/bin/{{ .service }}"]
          args:
            - --config=/etc/fulcrum/config.yaml
            - --redis={{ include "fulcrum.redisUrl" (dict "root" .root "service" .service) }}
            - --namespace={{ .root.Release.Name }}
            - --tokens=/etc/fulcrum/tokens
            - --metrics=0.0.0.0:{{ $v.ports.metrics }}
            - --control=0.0.0.0:{{ $v.ports.control }}
            - --health=0.0.0.0:{{ $v.ports.health }}
            {{- if $v.tls.enabled }}
            - --tls-cert=/etc/fulcrum/tls/tls.crt
            - --tls-key=/etc/fulcrum/tls/tls.key
            - --tls-ca=/etc/fulcrum/tls/ca.crt
            {{- end }}
            {{- if $v.curve.enabled }}
            - --curve-keys=/etc/fulcrum/curve
            {{- end }}
            {{- range .args }}
            - {{ . }}
            {{- end }}
          env:
            # The chart's Redis: the service's own ACL user and password (fulcrum redis-acl).
            - name: FULCRUM_REDIS_PASSWORD
              valueFrom: {secretKeyRef: {name: {{ include "fulcrum.secretName" .root }}, key: {{ include "fulcrum.redisPasswordKey" (dict "root" .root "service" .service) }}}}
            {{- if and $v.exchange.apiKeySecret (has .component (list "market-data" "order-router")) }}
            # The exchange's key reaches only the two services that talk to it.
            - name: FULCRUM_EXCHANGE_API_KEY
              valueFrom: {secretKeyRef: {name: {{ $v.exchange.apiKeySecret }}, key: api-key}}
            - name: FULCRUM_EXCHANGE_API_SECRET
              valueFrom: {secretKeyRef: {name: {{ $v.exchange.apiKeySecret }}, key: api-secret}}
            {{- end }}
          ports:
            - {name: hot, containerPort: {{ $v.ports.hot }}}
            - {name: control, containerPort: {{ $v.ports.control }}}
            - {name: health, containerPort: {{ $v.ports.health }}}
            - {name: metrics, containerPort: {{ $v.ports.metrics }}}
          # Native gRPC probes on the plaintext health port. Liveness asks for "liveness",
          # which answers while the process does: never Redis, never the trading state.
          readinessProbe:
            grpc: {port: {{ $v.ports.health }}}
            periodSeconds: 5
          livenessProbe:
            grpc: {port: {{ $v.ports.health }}, service: liveness}
            periodSeconds: 10
            failureThreshold: 6
          resources:
            {{- toYaml .resources | nindent 12 }}
          securityContext:
            {{- toYaml $v.securityContext | nindent 12 }}
          volumeMounts:
            - {name: config, mountPath: /etc/fulcrum/config.yaml, subPath: config.yaml, readOnly: true}
            - {name: tokens, mountPath: /etc/fulcrum/tokens, readOnly: true}
            - {name: scratch, mountPath: /var/lib/fulcrum}
            {{- if $v.tls.enabled }}
            - {name: tls, mountPath: /etc/fulcrum/tls, readOnly: true}
            {{- end }}
            {{- if $v.curve.enabled }}
            - {name: curve, mountPath: /etc/fulcrum/curve, readOnly: true}
            {{- end }}
      volumes:
        - name: config
          configMap: {name: {{ include "fulcrum.fullname" .root }}-config}
        - name: tokens
          secret:
            secretName: {{ include "fulcrum.secretName" .root }}
            items:
              - {key: engage, path: engage}
              - {key: release, path: release}
              - {key: admin, path: admin}
              - {key: mesh, path: mesh}
        - name: scratch
          emptyDir: {}
        {{- if $v.tls.enabled }}
        - name: tls
          secret: {secretName: {{ $v.tls.secretName }}}
        {{- end }}
        {{- if $v.curve.enabled }}
        - name: curve
          secret: {secretName: {{ $v.curve.secretName }}}
        {{- end }}
{{- end -}}
