package bench

import (
	"bytes"
	"context"
	"io"
	"math"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// newLoadClient returns an HTTP client that keeps a connection per sender
// open, as a messenger's delivery workers would.
func newLoadClient(senders int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			MaxIdleConns:        2 * senders,
			MaxIdleConnsPerHost: 2 * senders,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
		Timeout: 60 * time.Second,
	}
}

// loadWorker is one sender's client and tallies; only its goroutine touches it
// until the loop that owns it returns.
type loadWorker struct {
	id int
	hc *http.Client
	// latencies are the answer times of every answered request, counted from
	// the time passed to post.
	latencies []time.Duration
	// lags are, in an open loop, how late each send started after its
	// scheduled time: the senders' own delay, not the server's.
	lags []time.Duration
	// statuses counts answers by status code.
	statuses map[int]int
	// transportErrs counts requests that got no answer; lastErr is the latest.
	transportErrs int
	lastErr       error
	// accepted holds what the work function chose to remember of accepted
	// requests (the Switchboard load keeps sequence numbers).
	accepted []int64
}

// newLoadWorker returns sender id posting through hc.
func newLoadWorker(id int, hc *http.Client) *loadWorker {
	return &loadWorker{id: id, hc: hc, statuses: map[int]int{}}
}

// post sends body to url with header and returns the status, or 0 when there
// was no answer. The latency counts from since (now in a closed loop, the
// scheduled time in an open one) until the answer's body is read.
func (w *loadWorker) post(ctx context.Context, url string, header http.Header, body []byte, since time.Time) int {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		w.transportErrs++
		w.lastErr = err
		return 0
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := w.hc.Do(req)
	if err != nil {
		w.transportErrs++
		w.lastErr = err
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	w.latencies = append(w.latencies, time.Since(since))
	w.statuses[resp.StatusCode]++
	return resp.StatusCode
}

// loadResult merges the workers' tallies.
type loadResult struct {
	elapsed       time.Duration
	latencies     []time.Duration // sorted
	lags          []time.Duration // sorted; open loop only
	statuses      map[int]int
	transportErrs int
	lastErr       error
	accepted      []int64
	// scheduled is, in an open loop, how many sends were scheduled.
	scheduled int64
	// senders is how many goroutines sent.
	senders int
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

// merge adds up the workers' tallies after they stopped.
func merge(workers []*loadWorker, elapsed time.Duration) loadResult {
	res := loadResult{elapsed: elapsed, statuses: map[int]int{}, senders: len(workers)}
	for _, w := range workers {
		res.latencies = append(res.latencies, w.latencies...)
		res.lags = append(res.lags, w.lags...)
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
	slices.Sort(res.lags)
	slices.Sort(res.accepted)
	return res
}

// runLoad is the closed loop: work runs back to back on concurrency goroutines
// until duration has passed, so the offered load adapts to the server's speed.
// A call in progress at the deadline finishes (its requests are not cancelled,
// so every request gets a definite answer). ctx cancels everything.
func runLoad(ctx context.Context, concurrency int, duration time.Duration, hc *http.Client, work func(ctx context.Context, w *loadWorker, at time.Time)) loadResult {
	workers := make([]*loadWorker, concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(duration)
	for i := range workers {
		w := newLoadWorker(i, hc)
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) {
				work(ctx, w, time.Now())
			}
		}()
	}
	wg.Wait()
	return merge(workers, time.Since(start))
}

// openLoopSenders is how many goroutines an open loop at rate needs: enough
// to have a quarter of a second's arrivals in flight, and at least minimum.
// A server slower than that makes sends start late, which the lags show and
// the latencies, counted from the schedule, include.
func openLoopSenders(rate float64, minimum int) int {
	return max(minimum, min(4096, int(math.Ceil(rate/4))))
}

// runOpenLoop is the open loop: sends are scheduled at rate per second for
// duration, whatever the answers' latency, and work gets each send's scheduled
// time to count latency from, so queueing in the server is not hidden by the
// senders slowing down with it (coordinated omission). Senders goroutines
// take the next slot as they become free; a slot whose time has passed is
// sent at once.
func runOpenLoop(ctx context.Context, rate float64, duration time.Duration, senders int, hc *http.Client, work func(ctx context.Context, w *loadWorker, at time.Time)) loadResult {
	total := int64(rate * duration.Seconds())
	interval := float64(time.Second) / rate
	var next atomic.Int64
	workers := make([]*loadWorker, senders)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range workers {
		w := newLoadWorker(i, hc)
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			timer := time.NewTimer(0)
			defer timer.Stop()
			<-timer.C
			for {
				n := next.Add(1) - 1
				if n >= total || ctx.Err() != nil {
					return
				}
				at := start.Add(time.Duration(float64(n) * interval))
				if d := time.Until(at); d > 0 {
					timer.Reset(d)
					select {
					case <-ctx.Done():
						return
					case <-timer.C:
					}
				}
				w.lags = append(w.lags, time.Since(at))
				work(ctx, w, at)
			}
		}()
	}
	wg.Wait()
	res := merge(workers, time.Since(start))
	res.scheduled = total
	return res
}

// loadShape is how a load offers its requests: concurrency senders back to back
// for duration, or, when rate is positive, an open loop at rate per second
// with senders goroutines. The bare bound is loaded like Switchboard was, so
// their latencies compare.
type loadShape struct {
	concurrency, senders int
	rate                 float64
	duration             time.Duration
}

// run loads with work in this shape through hc.
func (s loadShape) run(ctx context.Context, hc *http.Client, work func(ctx context.Context, w *loadWorker, at time.Time)) loadResult {
	if s.rate > 0 {
		return runOpenLoop(ctx, s.rate, s.duration, s.senders, hc, work)
	}
	return runLoad(ctx, s.concurrency, s.duration, hc, work)
}

// goroutines is how many senders the shape runs.
func (s loadShape) goroutines() int {
	if s.rate > 0 {
		return s.senders
	}
	return s.concurrency
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
