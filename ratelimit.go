// ratelimit.go: a client's requests_per_minute (SPEC §15) as a token
// bucket: it holds that many requests, refills evenly over the minute, and a
// refused request takes no token.
//
// The time is passed in, so tests drive the bucket with an injected clock.
// Buckets are kept by client name on the server, so a reload that keeps a
// client keeps its bucket (a reload is no way around a limit).
package main

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// tokenBucket is one client's rate state. Safe for concurrent use.
type tokenBucket struct {
	mu     sync.Mutex
	rpm    int
	tokens float64
	last   time.Time // when tokens was last brought up to date
}

func newTokenBucket(rpm int) *tokenBucket {
	return &tokenBucket{rpm: rpm, tokens: float64(rpm)}
}

// setRate changes the size and refill rate (on reload); the tokens held
// are kept, up to the new size.
func (b *tokenBucket) setRate(rpm int) {
	b.mu.Lock()
	b.rpm = rpm
	b.tokens = min(b.tokens, float64(rpm))
	b.mu.Unlock()
}

// take spends one token at now. When none is left it takes nothing and
// returns the whole seconds (at least 1) until one will be there.
func (b *tokenBucket) take(now time.Time) (ok bool, retryAfter int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	perToken := time.Minute / time.Duration(b.rpm)
	if !b.last.IsZero() {
		if elapsed := now.Sub(b.last); elapsed > 0 {
			b.tokens = min(float64(b.rpm), b.tokens+float64(elapsed)/float64(perToken))
		}
	}
	if b.last.IsZero() || now.After(b.last) {
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := (1 - b.tokens) * float64(perToken) / float64(time.Second)
	return false, max(1, int(math.Ceil(wait)))
}

// errRateLimited is the 429 for a client past its requests_per_minute.
func errRateLimited(c *client, retryAfter int) *apiError {
	return &apiError{Status: http.StatusTooManyRequests, Type: "rate_limit_error", Code: "rate_limit_exceeded",
		Message: "client " + c.name + " is over its limit of " + strconv.Itoa(c.rpm) +
			" requests per minute; retry after " + strconv.Itoa(retryAfter) + " s",
		RetryAfter: retryAfter}
}

// bucketFor returns the rate bucket of a client name for the config being
// installed, creating it or updating its rate; kept holds the names of
// this config so buckets of removed clients can be dropped.
func (s *server) bucketFor(kept map[string]bool) func(name string, rpm int) *tokenBucket {
	return func(name string, rpm int) *tokenBucket {
		kept[name] = true
		b := s.buckets[name]
		if b == nil {
			b = newTokenBucket(rpm)
			s.buckets[name] = b
		} else {
			b.setRate(rpm)
		}
		return b
	}
}
