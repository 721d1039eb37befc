package core

import "time"

// WebhookStatus is what a messenger last reported of an account's webhook
// (Telegram's getWebhookInfo, LINE's webhook endpoint), kept on the account so
// that its health shows a webhook pointing elsewhere, switched off or failing
// even while nobody writes: traffic alone cannot tell silence from breakage.
type WebhookStatus struct {
	// URL is where the messenger sends the account's webhooks; "" when none is set.
	URL string `json:"url,omitempty"`
	// PointsHere says URL is the account's own webhook URL.
	PointsHere bool `json:"pointsHere"`
	// Active says the messenger sends webhooks at all (LINE's "Use webhook").
	Active bool `json:"active"`
	// PendingUpdates is how many updates wait to be delivered, where the
	// messenger says (Telegram).
	PendingUpdates *int `json:"pendingUpdates,omitempty"`
	// LastError and LastErrorAt describe the messenger's last failed delivery,
	// in its words, where it says.
	LastError   string     `json:"lastError,omitempty"`
	LastErrorAt *time.Time `json:"lastErrorAt,omitempty"`
	// ReadError says why the status could not be read; the other fields are
	// then empty.
	ReadError string `json:"readError,omitempty"`
	// CheckedAt is when the messenger was asked.
	CheckedAt time.Time `json:"checkedAt"`
}
