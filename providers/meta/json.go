package meta

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// StringNumber is a JSON value Meta sends as a number in one payload and as a
// string in another (WhatsApp's timestamps are strings, Messenger's numbers;
// error codes are numbers, some gateways quote them). It keeps the text.
type StringNumber string

// UnmarshalJSON accepts a string, a number or null.
func (s *StringNumber) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*s = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = StringNumber(strings.TrimSpace(v))
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("not a string or number")
	}
	*s = StringNumber(n)
	return nil
}

// Int reads the value as a 64-bit integer; false when it is empty or is not one.
func (s StringNumber) Int() (int, bool) {
	n, err := strconv.ParseInt(string(s), 10, 64)
	if err != nil {
		return 0, false
	}
	return int(n), true
}

// Int64 reads the value as a 64-bit integer; false when it is empty or is not
// one.
func (s StringNumber) Int64() (int64, bool) {
	n, err := strconv.ParseInt(string(s), 10, 64)
	return n, err == nil
}
