package load

import (
	"math/bits"
	"time"
)

// subBits sets the histogram's resolution: each power of two is split
// into 1<<subBits buckets, so a bucket is at most 1/16 = 6.25% wide
// relative to its values.
const subBits = 4

const (
	subCount = 1 << subBits
	// maxBits bounds the values recorded: 2^40 ns is about 18 minutes,
	// longer than any run; larger values land in the last bucket.
	maxBits    = 40
	numBuckets = (maxBits - subBits + 1) * subCount
)

// A Histogram counts durations in logarithmic buckets. Recording a sample
// is a few arithmetic operations on a fixed array: no allocation, no lock.
// A Histogram is not safe for concurrent use: give each goroutine its own
// and Merge them at the end. The zero value is empty and ready to use.
type Histogram struct {
	counts [numBuckets]uint64
	total  uint64
}

// bucket returns the index of the bucket holding v nanoseconds.
func bucket(v uint64) int {
	if v < subCount {
		return int(v)
	}
	e := bits.Len64(v) - 1 // v is in [2^e, 2^(e+1)), e >= subBits
	if e >= maxBits {
		return numBuckets - 1
	}
	sub := int(v>>(e-subBits)) & (subCount - 1)
	return (e-subBits+1)*subCount + sub
}

// bounds returns the smallest value of bucket i and the smallest value of
// the next one.
func bounds(i int) (lo, hi uint64) {
	if i < subCount {
		return uint64(i), uint64(i) + 1
	}
	e := i/subCount + subBits - 1
	sub := uint64(i % subCount)
	width := uint64(1) << (e - subBits)
	lo = (subCount + sub) * width
	return lo, lo + width
}

// Record adds one sample. Negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	h.counts[bucket(uint64(max(d, 0)))]++
	h.total++
}

// Count returns the number of samples recorded.
func (h *Histogram) Count() uint64 { return h.total }

// Merge adds the samples of o to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
}

// Quantile returns the duration below which a fraction q (0 to 1) of the
// samples fall, as the middle of the bucket that holds it: within 3.2% of
// the exact value. It returns 0 for an empty histogram.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(q*float64(h.total) + 0.5)
	rank = min(max(rank, 1), h.total)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo, hi := bounds(i)
			return time.Duration(lo + (hi-lo-1)/2)
		}
	}
	panic("unreachable: counts do not add up to total")
}
