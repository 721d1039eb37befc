// Package wechat connects WeChat Official Accounts (服务号/公众号), registered
// in mainland China (API host api.weixin.qq.com) or internationally (API host
// api.wechat.com, the host of the admin.wechat.com platform), through the
// Official Account server API.
//
// Webhooks ("message push") are XML POSTs to the server URL an admin enters in
// the Official Account console; there is no API to set it. Every request,
// including the GET that verifies the URL, carries signature = SHA-1 of the
// sorted server token, timestamp and nonce. That signature does not cover the
// body, so in plaintext mode anyone holding one signed query could send any
// body with it; safe mode (an EncodingAESKey on the account) encrypts the body
// with AES-256-CBC and signs the ciphertext too (msg_signature), which is why
// an account with a key accepts only encrypted webhooks. WeChat documents no
// freshness window for the timestamp, so none is enforced: a stored webhook
// replays with its original query. Messages are deduplicated by MsgId, events
// by sender, time and event, as WeChat's docs advise for its three retries.
// Every webhook is answered "success" at once, which stops WeChat's retries
// and its "this account cannot serve you" notice to the customer.
//
// Agents' replies go out as customer service messages within WeChat's 48-hour
// window after the customer's last interaction. Calls authenticate with an
// access token from the stable_token endpoint, cached per account, shared by
// concurrent callers and renewed before it expires. WeChat returns no message
// ID for these sends, so Switchboard's are synthetic.
//
// The package speaks WeChat's real API over net/http only; wechattest holds
// the fake of that API which every test uses.
package wechat
