// Package server assembles Switchboard's HTTP surface: GraphQL at /query (POST,
// GET, websockets with graphql-transport-ws and legacy graphql-ws, server-sent
// events), GraphiQL at /, health at /healthz and /readyz, Prometheus metrics at
// /metrics, with authentication, limits, metrics and one log line per request in
// front of them. cmd/switchboard runs it; end-to-end tests start it under httptest.
package server
