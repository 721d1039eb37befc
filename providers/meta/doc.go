// Package meta holds what Meta's messaging products share, so that the Facebook
// Messenger and WhatsApp Cloud API providers implement it once: the Graph API's
// base URL and pinned version, authenticated calls and the classification of
// Graph error bodies, the X-Hub-Signature-256 check of webhooks, the
// hub.mode/hub.verify_token/hub.challenge handshake, and splitting long texts.
//
// Sources: https://developers.facebook.com/docs/graph-api/guides/error-handling,
// https://developers.facebook.com/docs/graph-api/webhooks/getting-started,
// https://developers.facebook.com/docs/graph-api/changelog/versions and
// /work/shared/providers.md sections 1 and 3.
//
// The fake Graph API both providers' fakes are built on is in metatest.
package meta
