package twitter

import (
	"strings"

	"github.com/switchboard/switchboard/providers"
)

// credentials are an account's four secrets.
type credentials struct {
	consumerKey, consumerSecret, accessToken, accessTokenSecret string
}

// credentialsOf reads the account's secrets.
func credentialsOf(acct providers.Account) credentials {
	return credentials{
		consumerKey:       acct.Secrets["consumerKey"],
		consumerSecret:    acct.Secrets["consumerSecret"],
		accessToken:       acct.Secrets["accessToken"],
		accessTokenSecret: acct.Secrets["accessTokenSecret"],
	}
}

// missing names the first credential that is not set, or "".
func (c credentials) missing() string {
	switch {
	case c.consumerKey == "":
		return "consumer key"
	case c.consumerSecret == "":
		return "consumer secret"
	case c.accessToken == "":
		return "access token"
	case c.accessTokenSecret == "":
		return "access token secret"
	}
	return ""
}

// secrets lists the credentials, for redaction.
func (c credentials) secrets() []string {
	return []string{c.consumerKey, c.consumerSecret, c.accessToken, c.accessTokenSecret}
}

// TokenUserID is the numeric user ID an OAuth 1.0a access token starts with
// ("<user id>-<random>"), or "" when the token does not have that shape. It
// names the account without a call to X.
func TokenUserID(accessToken string) string {
	id, _, ok := strings.Cut(accessToken, "-")
	if !ok || !isUserID(id) {
		return ""
	}
	return id
}

// isUserID reports whether s is an X user ID: 1 to 19 digits.
func isUserID(s string) bool {
	if s == "" || len(s) > 19 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
