// Package telegramtest is a fake of Telegram's Bot API (https://api.telegram.org)
// and a builder of the updates Telegram posts to a webhook, shared by the
// provider's unit tests, the server's end-to-end tests, the crash test and the
// load tool, so that one fix to its realism fixes every one of them.
//
// The fake speaks the real wire format: POST (or GET) /bot<token>/<method> with
// parameters in the query, a JSON body, a form or a multipart upload, answered
// {"ok":true,"result":...} or {"ok":false,"error_code":...,"description":...};
// files are downloaded from /file/bot<token>/<file_path>. It checks what the
// real API checks: the token in the path (404 for one of the wrong shape, 401
// for another bot's), the parameters each method requires and Telegram's limits
// (4096 characters of text, 1024 of caption, 50 MB uploads). It answers chat.id
// as a JSON number, as Telegram does, whether chat_id came as a number or a
// string.
//
// Failures can be queued per method or decided by a hook (providers/fakeapi);
// every request, every sent message and every answered callback query is
// recorded. All methods are safe for concurrent use.
//
// The package imports nothing from the provider, so that the provider's own
// tests can use it and it is an independent reading of Telegram's documentation.
package telegramtest
