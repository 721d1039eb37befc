package core

import "time"

// Now is the time the core stamps on what it stores, to the microsecond:
// PostgreSQL keeps microseconds, so a time answered when it is written equals
// the one read back later, on either database.
func Now() time.Time { return time.Now().Truncate(time.Microsecond) }
