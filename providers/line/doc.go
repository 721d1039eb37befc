// Package line connects LINE Official Accounts through the LINE Messaging API
// (https://developers.line.biz/en/reference/messaging-api/).
//
// Webhooks are signed with the channel secret (x-line-signature) and carry a
// batch of events; each event has a webhookEventId that stays the same when
// LINE redelivers it, so it is the dedup key. Replies go out as push messages
// (reply tokens expire within a minute, long before an agent answers), each
// push with an X-Line-Retry-Key derived from Switchboard's message ID so that
// our own retries never deliver a message twice. Media a customer sends is
// fetched later from the api-data host by message ID.
//
// The package speaks LINE's real API over net/http only; linetest holds the
// fake of that API which every test uses.
package line
