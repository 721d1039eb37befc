package server

import (
	"context"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's Prometheus series, on a registry of its own so tests
// and several servers in one process do not collide.
type metrics struct {
	registry      *prometheus.Registry
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	operations    *prometheus.CounterVec
	gqlErrors     *prometheus.CounterVec
	subscriptions prometheus.Gauge
	websockets    prometheus.Gauge
	webhooks      *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_http_requests_total",
			Help: "HTTP requests by route, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "switchboard_http_request_duration_seconds",
			Help:    "HTTP request latency by route (websockets: until the upgrade).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_graphql_operations_total",
			Help: "GraphQL operations by type (query, mutation, subscription).",
		}, []string{"type"}),
		gqlErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_graphql_errors_total",
			Help: "GraphQL errors by extensions.code.",
		}, []string{"code"}),
		subscriptions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "switchboard_subscriptions_open",
			Help: "Open GraphQL subscriptions.",
		}),
		websockets: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "switchboard_websocket_connections_open",
			Help: "Open GraphQL websocket connections.",
		}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_webhooks_total",
			Help: "Webhooks received, by answer status class.",
		}, []string{"status"}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.operations, m.gqlErrors, m.subscriptions, m.websockets, m.webhooks,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(route, method string, code int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

// gqlMetrics counts operations by type and errors by code; it is a gqlgen extension.
type gqlMetrics struct{ m *metrics }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
	graphql.ResponseInterceptor
} = gqlMetrics{}

// ExtensionName names the extension for gqlgen.
func (gqlMetrics) ExtensionName() string { return "Metrics" }

// Validate accepts any schema.
func (gqlMetrics) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation counts each operation once, subscriptions included.
func (g gqlMetrics) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil {
		g.m.operations.WithLabelValues(string(oc.Operation.Operation)).Inc()
	}
	return next(ctx)
}

// InterceptResponse counts the errors of every response, subscription events included.
func (g gqlMetrics) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp != nil {
		for _, e := range resp.Errors {
			code, _ := e.Extensions["code"].(string)
			if code == "" {
				code = "UNKNOWN"
			}
			g.m.gqlErrors.WithLabelValues(code).Inc()
		}
	}
	return resp
}
