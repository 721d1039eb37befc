// Package inbox is the message path of the chat core: webhooks in (stored durably
// with the events they yield, deduplicated by a unique key, written by one
// group-commit writer), contacts and conversations, agents' replies out through an
// outbox with retries, and the durable event log that live subscriptions replay
// from their cursor before going live.
package inbox
