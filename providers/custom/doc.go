// Package custom connects any messenger a company runs itself, through a signed
// JSON-over-HTTPS contract that Switchboard defines (CONTRACT.md has it in full,
// for the messenger's developers).
//
// Each account holds the messenger's webhookUrl and a shared confirmationCode
// (at least 16 characters). Every request in either direction, and every answer
// the messenger gives to Switchboard's requests, carries
//
//	X-Switchboard-Timestamp: <unix seconds>
//	X-Switchboard-Signature: v1=<hex HMAC-SHA256(confirmationCode, "<timestamp>.<raw body>")>
//
// with several comma-separated v1 values allowed while the code is rolled over,
// and a timestamp within DefaultReplayWindow (5 minutes) of the receiver's clock.
// Sign and Verify implement it; Verify compares in constant time.
//
// The three exchanges:
//
//   - Inbound: the messenger POSTs {"events":[...]} (at most MaxEvents) to the
//     account's Switchboard webhook URL. Each event's "id" is its deduplication
//     key, so retries are safe. Answers: 200 {"ok":true}; 400 {"error":"..."}
//     naming the invalid field (the whole batch is refused and the body kept
//     for replay); 401 bad or stale signature; 404 unknown account; 405 not a
//     JSON POST; 413 too large; 5xx try again. Answers are not signed.
//   - Replies: Switchboard POSTs {"type":"message",...} to webhookUrl with an
//     Idempotency-Key; the messenger answers 200 or 201 with a signed
//     {"messageId":"..."}. 408, 425, 429 and 5xx are retried (after Retry-After);
//     other statuses fail the reply.
//   - Handshake (Test Connection): Switchboard POSTs a signed
//     {"type":"ping","challenge":"..."}; the messenger answers 200 with a signed
//     {"challenge":"<same>"}.
package custom
