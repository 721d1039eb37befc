// Package bench is Switchboard's load tool, the engine of `switchboard bench`.
// It exists so a performance engineer can measure the server the way
// messengers and agents use it, and so CI can prove under load that no
// message is lost, stored twice or filed in the wrong conversation.
//
// Run takes a Config and performs one of these modes, each ending in a Report
// whose last line is machine-readable key=value pairs:
//
//   - load (the default): signed webhooks from the shared fake messengers
//     (providers/telegram/telegramtest, providers/custom/customtest) posted in a
//     closed loop (Config.Concurrency senders) or an open loop (Config.Rate
//     arrivals per second, latency counted from each scheduled send time), while
//     Config.Agents agents subscribed to inboxEvents take and answer the
//     conversations each owns; then the checks (every accepted webhook reached its
//     owning agent exactly once, in the right conversation, and every reply its
//     recipient) and two bounds on the same disk: raw SQLite and a bare durable
//     HTTP server.
//   - idle agents (Config.IdleAgents): the server runs as a separate process
//     (serverproc.go) and RunIdle holds that many subscribed, idle websockets
//     against it, reporting the server's memory and goroutines per connection
//     from its /metrics.
//   - seeded reads (Config.SeedMessages): a fresh database is filled with that
//     many messages (package seed), then the conversation list and the latest
//     messages of a conversation are timed through GraphQL for an admin and an
//     agent.
//
// The load mode's files follow the run: setup.go (the server, the fakes, the
// accounts), load.go and webhook.go (the senders and what they send),
// agentload.go and agentevents.go (the agents), check.go and ledger.go (what
// was seen against what was accepted), bare.go (the bounds) and report.go
// (the figures). idlemode.go and seedmode.go are the other two modes; idle.go
// and agents.go (RunIdle, AgentTokens) can also drive a server on their own.
package bench
