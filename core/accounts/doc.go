// Package accounts manages integration accounts: one per messenger account a
// tenant connects. It validates settings against each provider's Spec, seals
// secrets (write-only, AES-256-GCM at rest), gives every account an unguessable
// account ID for its webhook URL, runs Test Connection and Set Webhook through the
// provider, and announces every change on the event bus after it commits.
package accounts
