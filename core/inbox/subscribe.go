package inbox

import (
	"strconv"

	"github.com/switchboard/switchboard/core"
)

// replayPage is how many logged events a resumed subscription reads at a time.
const replayPage = 500

// ParseCursor reads a cursor given by a client.
func ParseCursor(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, core.Invalid("after", "is not a cursor from an event")
	}
	return n, nil
}
