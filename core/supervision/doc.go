// Package supervision is what a contact center's supervisors watch: the live
// queues of the chat services with the agents who serve them (Queue, and
// Watch for a stream of it), and each service's figures over a time range
// (Stats).
//
// It only reads. The queues and agents' states are written by core/inbox
// (routing, offers, agent states); a service's figures come from the columns
// routing keeps on each conversation (queued_at, answered_at, abandoned,
// closed_at) and from the satisfaction survey's results. Everything is read
// as the viewer of the context, so tenant isolation holds as everywhere else;
// only supervisors and admins (and internal work) may read it.
//
// The queries are portable SQL (SQLite now, PostgreSQL later). A service's
// figures are aggregates in the database, grouped by service, over a range
// of the index on (service_id, queued_at); durations, which SQL spells
// differently in every database, are summed in Go over the timestamps of
// the answered conversations, read in bounded batches. The live queue is
// read in one pass over the small partial index of waiting conversations
// and counted in Go.
package supervision
