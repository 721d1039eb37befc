package facebook

import (
	"encoding/json"

	"github.com/switchboard/switchboard/providers"
)

var _ providers.SharedWebhookRouter = Provider{}

// RouteKeys are the Page IDs of a webhook's entries: one Facebook app sends
// the events of every Page it serves to one callback URL.
func (Provider) RouteKeys(body []byte) ([]string, error) {
	var n notification
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, &providers.ParseError{Reason: "invalid webhook JSON: " + err.Error(), Err: err}
	}
	var keys []string
	for _, e := range n.Entry {
		if id := string(e.ID); id != "" {
			keys = append(keys, id)
		}
	}
	return keys, nil
}

// RouteKey is the account's Page ID.
func (Provider) RouteKey(acct providers.Account) string { return pageID(acct) }
