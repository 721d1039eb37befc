package whatsappcloud

import (
	"encoding/json"

	"github.com/switchboard/switchboard/providers"
)

var _ providers.SharedWebhookRouter = Provider{}

// RouteKeys are the phone number IDs of a webhook's changes: one app's
// WhatsApp webhook carries the events of every number it serves.
func (Provider) RouteKeys(body []byte) ([]string, error) {
	var n notification
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, &providers.ParseError{Reason: "invalid webhook JSON: " + err.Error(), Err: err}
	}
	var keys []string
	for _, e := range n.Entry {
		for _, c := range e.Changes {
			if id := string(c.Value.Metadata.PhoneNumberID); id != "" {
				keys = append(keys, id)
			}
		}
	}
	return keys, nil
}

// RouteKey is the account's phone number ID.
func (Provider) RouteKey(acct providers.Account) string { return phoneNumberID(acct) }
