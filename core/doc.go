// Package core is Switchboard's chat core: the rules that hold whatever transport
// (GraphQL, webhooks, the CLI) drives them. This root package holds what every part
// of the core shares: who is acting (the Viewer) and the typed errors callers branch on.
// It imports neither graph/ nor providers' packages, and no generated ent code, so
// ent's own schema can depend on it.
package core
