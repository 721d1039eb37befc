package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard/switchboard/core/cluster"
)

// natsCollector exposes the cluster connection's figures on /metrics.
type natsCollector struct{ bus *cluster.Bus }

var (
	natsConnected = prometheus.NewDesc("switchboard_nats_connected", "1 while this instance is connected to the cluster's NATS.", nil, nil)
	natsMessages  = prometheus.NewDesc("switchboard_nats_messages_total", "Cluster messages sent (out) and received (in).", []string{"direction"}, nil)
	natsBytes     = prometheus.NewDesc("switchboard_nats_bytes_total", "Bytes of cluster messages sent (out) and received (in).", []string{"direction"}, nil)
	natsReconnect = prometheus.NewDesc("switchboard_nats_reconnects_total", "Times the NATS connection was made again.", nil, nil)
)

func (c natsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- natsConnected
	ch <- natsMessages
	ch <- natsBytes
	ch <- natsReconnect
}

func (c natsCollector) Collect(ch chan<- prometheus.Metric) {
	up := 0.0
	if c.bus.Connected() {
		up = 1
	}
	st := c.bus.Stats()
	ch <- prometheus.MustNewConstMetric(natsConnected, prometheus.GaugeValue, up)
	ch <- prometheus.MustNewConstMetric(natsMessages, prometheus.CounterValue, float64(st.OutMsgs), "out")
	ch <- prometheus.MustNewConstMetric(natsMessages, prometheus.CounterValue, float64(st.InMsgs), "in")
	ch <- prometheus.MustNewConstMetric(natsBytes, prometheus.CounterValue, float64(st.OutBytes), "out")
	ch <- prometheus.MustNewConstMetric(natsBytes, prometheus.CounterValue, float64(st.InBytes), "in")
	ch <- prometheus.MustNewConstMetric(natsReconnect, prometheus.CounterValue, float64(st.Reconnects))
}
