package load

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketBounds(t *testing.T) {
	// Every value falls inside the bounds of its bucket, and buckets are
	// contiguous and increasing.
	for _, v := range []uint64{0, 1, 15, 16, 17, 31, 32, 1000, 123456789, 1 << 39, 1<<40 - 1} {
		i := bucket(v)
		lo, hi := bounds(i)
		if v < lo || v >= hi {
			t.Errorf("value %d: bucket %d is [%d, %d)", v, i, lo, hi)
		}
	}
	for i := 1; i < numBuckets; i++ {
		_, prevHi := bounds(i - 1)
		lo, _ := bounds(i)
		if lo != prevHi {
			t.Fatalf("bucket %d starts at %d, previous ends at %d", i, lo, prevHi)
		}
	}
}

func TestQuantileMatchesSortedSamples(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	samples := make([]time.Duration, 100_000)
	for i := range samples {
		// Log-normal-ish latencies from 10 µs to 100 ms.
		samples[i] = time.Duration(math.Exp(r.Float64()*math.Log(1e4)) * float64(10*time.Microsecond))
		h.Record(samples[i])
	}
	slices.Sort(samples)
	if h.Count() != uint64(len(samples)) {
		t.Fatalf("Count = %d, want %d", h.Count(), len(samples))
	}
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999} {
		want := samples[int(q*float64(len(samples)))-1]
		got := h.Quantile(q)
		if rel := math.Abs(float64(got-want)) / float64(want); rel > 0.035 {
			t.Errorf("Quantile(%v) = %v, exact %v: off by %.1f%%", q, got, want, 100*rel)
		}
	}
}

func TestQuantileSmallAndEmpty(t *testing.T) {
	var h Histogram
	if got := h.Quantile(0.5); got != 0 {
		t.Errorf("empty Quantile(0.5) = %v, want 0", got)
	}
	for _, d := range []time.Duration{3, 5, 7, 9} {
		h.Record(d)
	}
	// Values below 16 ns have a bucket each: quantiles are exact.
	if got := h.Quantile(0.5); got != 5 {
		t.Errorf("Quantile(0.5) = %v, want 5ns", got)
	}
	if got := h.Quantile(1); got != 9 {
		t.Errorf("Quantile(1) = %v, want 9ns", got)
	}
	h.Record(-time.Second)
	if got := h.Quantile(0); got != 0 {
		t.Errorf("Quantile(0) after a negative sample = %v, want 0", got)
	}
}

func TestMerge(t *testing.T) {
	var a, b Histogram
	for range 90 {
		a.Record(time.Millisecond)
	}
	for range 10 {
		b.Record(time.Second)
	}
	a.Merge(&b)
	if a.Count() != 100 {
		t.Fatalf("Count after Merge = %d, want 100", a.Count())
	}
	if p50, p99 := a.Quantile(0.5), a.Quantile(0.99); !near(p50, time.Millisecond) || !near(p99, time.Second) {
		t.Errorf("p50 = %v, p99 = %v; want about 1ms and 1s", p50, p99)
	}
}

func TestRecordDoesNotAllocate(t *testing.T) {
	var h Histogram
	if n := testing.AllocsPerRun(1000, func() { h.Record(1234 * time.Microsecond) }); n != 0 {
		t.Errorf("Record allocates %v times per call", n)
	}
}

func near(got, want time.Duration) bool {
	return math.Abs(float64(got-want)) <= 0.035*float64(want)
}
