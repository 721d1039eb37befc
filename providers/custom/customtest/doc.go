// Package customtest is a fake of a company's own messenger speaking
// providers/custom/CONTRACT.md, and a signer of the events such a messenger
// posts, shared by the provider's unit tests, the server's end-to-end tests and
// the load tool, so that one fix to its realism fixes every one of them.
//
// The fake is the endpoint an account's webhookUrl names. It does what the
// contract asks of a messenger: it verifies Switchboard's signature on every
// request (401 otherwise), answers a ping with its challenge and a reply with a
// messageId, both signed, deduplicates replies on Idempotency-Key, and answers
// 400 to what it cannot read. Answers can be queued or decided by a hook
// (providers/fakeapi), to play a messenger that is down, slow, unsigned or
// signed with another code; every request, with the outcome of its signature
// check, and every accepted reply is recorded. All methods are safe for
// concurrent use.
//
// The package imports nothing from the provider: its signer and verifier are
// an independent reading of the contract, so that a test using them checks the
// provider against the document, not against itself.
package customtest
