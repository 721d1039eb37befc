package main

import (
	"bytes"
	"context"
	"io"
	"math"
	"net/http"
	"slices"
	"sync"
	"time"
)

// newLoadClient returns an HTTP client that keeps a connection per load
// goroutine open, as a messenger's delivery workers would.
func newLoadClient(concurrency int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			MaxIdleConns:        2 * concurrency,
			MaxIdleConnsPerHost: 2 * concurrency,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
		Timeout: 60 * time.Second,
	}
}

// loadWorker is one load goroutine's client and tallies; only its goroutine
// touches it until runLoad returns.
type loadWorker struct {
	id int
	hc *http.Client
	// latencies are the answer times of every answered request.
	latencies []time.Duration
	// statuses counts answers by status code.
	statuses map[int]int
	// transportErrs counts requests that got no answer; lastErr is the latest.
	transportErrs int
	lastErr       error
	// accepted holds what the work function chose to remember of accepted
	// requests (the Switchboard load keeps sequence numbers).
	accepted []int64
}

// post sends body to url with header and returns the status, or 0 when there
// was no answer. The latency counts until the answer's body is read.
func (w *loadWorker) post(ctx context.Context, url string, header http.Header, body []byte) int {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		w.transportErrs++
		w.lastErr = err
		return 0
	}
	for k, v := range header {
		req.Header[k] = v
	}
	start := time.Now()
	resp, err := w.hc.Do(req)
	if err != nil {
		w.transportErrs++
		w.lastErr = err
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	w.latencies = append(w.latencies, time.Since(start))
	w.statuses[resp.StatusCode]++
	return resp.StatusCode
}

// loadResult merges the workers' tallies.
type loadResult struct {
	elapsed       time.Duration
	latencies     []time.Duration // sorted
	statuses      map[int]int
	transportErrs int
	lastErr       error
	accepted      []int64
}

// ok is the number of 200 answers.
func (r loadResult) ok() int { return r.statuses[http.StatusOK] }

// perSecond is the rate of 200 answers over the load's wall time.
func (r loadResult) perSecond() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ok()) / r.elapsed.Seconds()
}

// runLoad runs work in a loop on concurrency goroutines until duration has
// passed; a call in progress at the deadline finishes (its requests are not
// cancelled, so every request gets a definite answer). ctx cancels everything.
func runLoad(ctx context.Context, concurrency int, duration time.Duration, hc *http.Client, work func(ctx context.Context, w *loadWorker)) loadResult {
	workers := make([]*loadWorker, concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(duration)
	for i := range workers {
		w := &loadWorker{id: i, hc: hc, statuses: map[int]int{}}
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) {
				work(ctx, w)
			}
		}()
	}
	wg.Wait()
	res := loadResult{elapsed: time.Since(start), statuses: map[int]int{}}
	for _, w := range workers {
		res.latencies = append(res.latencies, w.latencies...)
		for code, n := range w.statuses {
			res.statuses[code] += n
		}
		res.transportErrs += w.transportErrs
		if w.lastErr != nil {
			res.lastErr = w.lastErr
		}
		res.accepted = append(res.accepted, w.accepted...)
	}
	slices.Sort(res.latencies)
	return res
}

// percentile returns the q-quantile (0 < q <= 1) of sorted durations by the
// nearest-rank method, or 0 when there are none.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// ms renders d in milliseconds for the report.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
